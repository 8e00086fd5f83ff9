package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.HandoffAggregates;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import org.apache.spark.SparkContext;
import org.apache.spark.ui.SparkUI;
import org.apache.spark.ui.SparkUITab;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that touches Spark's UI internals (public in bytecode, {@code private[spark]} in
 * Scala; there is no public UI-extension API). It adds a "Sidecars" tab to the live driver UI, as
 * Spark's own SQL and Streaming tabs are added, and serves it at {@code <ui>/sidecars/}:
 *
 * <ul>
 *   <li>the tab is a {@link SparkUITab} with no pages of its own: its constructor and
 *       {@code SparkUI.attachTab} are the same on Spark 3.5 and 4.x, and it puts the tab in the
 *       navigation bar;</li>
 *   <li>the pages are one Jetty {@code ServletContextHandler} (Spark's shaded
 *       {@code org.sparkproject.jetty}, on both lines) attached with {@code SparkUI.attachHandler}, so
 *       Spark's filters and ACLs apply. Its servlet is a {@link ServletBridge}: Spark 3.5 speaks
 *       {@code javax.servlet}, 4.x {@code jakarta.servlet}, and {@code WebUIPage.render} differs in
 *       both its request and its Scala {@code Seq} type between the lines, so a compiled
 *       {@code WebUIPage} subclass could serve only one of them;</li>
 *   <li>the page content is wrapped in Spark's own header ({@code UIUtils.headerSparkPage}, called
 *       reflectively with the live request), so the tab looks like Spark's; when that fails the
 *       content comes in a plain page with Spark's style sheet.</li>
 * </ul>
 *
 * {@link #attach} is called once from the driver plugin's {@code init} (driver main thread); it never
 * throws: without a UI ({@code spark.ui.enabled=false}) it does nothing, and when Spark's internals
 * differ it logs a warning and the application runs without the tab.
 */
public final class SidecarsUi {
  private static final Logger LOG = LoggerFactory.getLogger(SidecarsUi.class);
  static final String PREFIX = "sidecars";

  private SidecarsUi() {}

  /** Adds the tab to {@code sc}'s UI when it has one. Returns true when the tab was added. */
  public static boolean attach(SparkContext sc, SidecarRegistry registry, HandoffAggregates totals) {
    scala.Option<SparkUI> ui = sc.ui();
    return !ui.isEmpty() && attach(ui.get(), registry, totals, System::currentTimeMillis);
  }

  /**
   * Adds the tab to {@code sparkUi}, showing {@code registry} as of {@code now} (the wall clock in a
   * live UI; the time of the last recorded snapshot in the history server's). Returns true when added.
   */
  static boolean attach(SparkUI sparkUi, SidecarRegistry registry, HandoffAggregates totals, java.util.function.LongSupplier now) {
    try {
      Tab tab = new Tab(sparkUi);
      SidecarsPages pages = new SidecarsPages(registry, totals);
      Method header = headerMethod();
      ServletBridge.Handler handler = (path, params, request) -> {
        SidecarsPages.Response r = pages.handle(path, params, now.getAsLong());
        if (!r.html()) {
          return new ServletBridge.Answer(r.status(), "application/json", r.body());
        }
        return new ServletBridge.Answer(r.status(), "text/html", page(header, request, tab, r));
      };
      Class<?> holderClass = Class.forName("org.sparkproject.jetty.servlet.ServletHolder", false, SparkUI.class.getClassLoader());
      Class<?> contextClass = Class.forName("org.sparkproject.jetty.servlet.ServletContextHandler", false,
          SparkUI.class.getClassLoader());
      Constructor<?> holderOf = servletConstructor(holderClass);
      Object servlet = ServletBridge.servlet(holderOf.getParameterTypes()[0], handler);
      Object context = contextClass.getConstructor().newInstance();
      contextClass.getMethod("setContextPath", String.class).invoke(context, sparkUi.getBasePath() + "/" + PREFIX);
      contextClass.getMethod("addServlet", holderClass, String.class).invoke(context, holderOf.newInstance(servlet), "/*"); // path info = the page
      SparkUI.class.getMethod("attachHandler", contextClass).invoke(sparkUi, context);
      sparkUi.attachTab(tab);
      LOG.info("spark-sidecar: the Sidecars tab is at {}/{}/ (JSON at {}/{}/json/)", sparkUi.webUrl(), PREFIX,
          sparkUi.webUrl(), PREFIX);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warn("spark-sidecar: no Sidecars tab in the Spark UI (this Spark's UI internals differ: {})", e.toString());
      return false;
    }
  }

  /** {@code ServletHolder(Servlet)}: its parameter type says which servlet API this Jetty speaks. */
  private static Constructor<?> servletConstructor(Class<?> holderClass) throws NoSuchMethodException {
    for (Constructor<?> c : holderClass.getConstructors()) {
      Class<?>[] p = c.getParameterTypes();
      if (p.length == 1 && p[0].isInterface() && p[0].getName().endsWith("servlet.Servlet")) {
        return c;
      }
    }
    throw new NoSuchMethodException(holderClass.getName() + "(Servlet)");
  }

  /** {@code UIUtils.headerSparkPage(request, title, content, activeTab, helpText, showVisualization, useDataTables)}, or null. */
  private static Method headerMethod() {
    try {
      for (Method m : Class.forName("org.apache.spark.ui.UIUtils", false, SparkUI.class.getClassLoader()).getMethods()) {
        if (m.getName().equals("headerSparkPage") && m.getParameterCount() == 7) {
          return m;
        }
      }
    } catch (ClassNotFoundException | LinkageError e) {
      LOG.debug("spark-sidecar: no UIUtils.headerSparkPage", e);
    }
    LOG.warn("spark-sidecar: the Sidecars tab shows without Spark's page header (no UIUtils.headerSparkPage here)");
    return null;
  }

  /** The whole HTML page: Spark's header and navigation around the content. */
  private static String page(Method header, Object request, Tab tab, SidecarsPages.Response r) {
    if (header != null) {
      try {
        scala.xml.Node content = new scala.xml.Unparsed(r.body()); // verbatim: the content is escaped already
        scala.Function0<Object> lazyContent = () -> content; // a Node is a Seq[Node] on every Scala line
        Object nodes = header.invoke(null, request, r.title(), lazyContent, tab, scala.None$.MODULE$, false, false);
        return "<!DOCTYPE html>" + nodes;
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        LOG.warn("spark-sidecar: Spark's page header failed; the Sidecars tab shows without it: {}", e.toString());
      }
    }
    return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/static/bootstrap.min.css\">"
        + "<title>" + Format.html(r.title()) + "</title></head><body><div class=\"container-fluid\"><p><a href=\"/\">Spark UI</a></p>"
        + "<h3>" + Format.html(r.title()) + "</h3>" + r.body() + "</div></body></html>";
  }

  /** The tab in Spark's navigation bar; its name comes from the prefix ("Sidecars"). */
  static final class Tab extends SparkUITab {
    Tab(SparkUI ui) {
      super(ui, PREFIX);
    }
  }
}
