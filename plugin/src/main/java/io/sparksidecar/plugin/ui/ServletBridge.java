package io.sparksidecar.plugin.ui;

import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A servlet for whichever servlet API the running Spark's Jetty speaks: {@code javax.servlet} (Spark
 * 3.x) or {@code jakarta.servlet} (Spark 4.x). The same jar serves both because the servlet is a
 * {@link Proxy} of the {@code Servlet} interface found at run time, and requests and responses are
 * used through a handful of reflected methods. Jetty calls {@code service} on its request threads;
 * what {@link Handler} throws becomes a 500 answer naming the error (and is logged by the caller).
 */
final class ServletBridge implements InvocationHandler {

  /** What the servlet answers: the request as path and parameters, the request object for Spark's own page header. */
  interface Handler {
    Answer handle(String pathInfo, Map<String, String> params, Object request) throws Exception;
  }

  /** The bytes to send. */
  record Answer(int status, String contentType, String body) {}

  private final Handler handler;
  private final Method getPathInfo;
  private final Method getParameterMap;
  private final Method getMethod;
  private final Method setStatus;
  private final Method setContentType;
  private final Method setHeader;
  private final Method getOutputStream;
  private volatile Object config;

  private ServletBridge(Class<?> servletInterface, Handler handler) throws ReflectiveOperationException {
    this.handler = handler;
    String pkg = servletInterface.getPackageName(); // javax.servlet or jakarta.servlet
    ClassLoader loader = servletInterface.getClassLoader();
    Class<?> request = Class.forName(pkg + ".http.HttpServletRequest", false, loader);
    Class<?> response = Class.forName(pkg + ".http.HttpServletResponse", false, loader);
    getPathInfo = request.getMethod("getPathInfo");
    getParameterMap = request.getMethod("getParameterMap");
    getMethod = request.getMethod("getMethod");
    setStatus = response.getMethod("setStatus", int.class);
    setContentType = response.getMethod("setContentType", String.class);
    setHeader = response.getMethod("setHeader", String.class, String.class);
    getOutputStream = response.getMethod("getOutputStream");
  }

  /** A servlet instance implementing {@code servletInterface} ({@code javax.servlet.Servlet} or {@code jakarta.servlet.Servlet}). */
  static Object servlet(Class<?> servletInterface, Handler handler) throws ReflectiveOperationException {
    return Proxy.newProxyInstance(servletInterface.getClassLoader(), new Class<?>[] {servletInterface},
        new ServletBridge(servletInterface, handler));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "service" -> {
        service(args[0], args[1]);
        return null;
      }
      case "init" -> {
        config = args[0];
        return null;
      }
      case "getServletConfig" -> {
        return config;
      }
      case "getServletInfo" -> {
        return "spark-sidecar Sidecars tab";
      }
      case "destroy" -> {
        return null;
      }
      case "hashCode" -> {
        return System.identityHashCode(proxy);
      }
      case "equals" -> {
        return proxy == args[0];
      }
      case "toString" -> {
        return "spark-sidecar Sidecars servlet";
      }
      default -> throw new UnsupportedOperationException(method.toString());
    }
  }

  private void service(Object request, Object response) throws Exception {
    Answer a;
    if (!"GET".equals(getMethod.invoke(request)) && !"HEAD".equals(getMethod.invoke(request))) {
      a = new Answer(405, "text/plain", "only GET");
    } else {
      try {
        a = handler.handle((String) getPathInfo.invoke(request), params(request), request);
      } catch (Exception e) {
        a = new Answer(500, "text/plain", "spark-sidecar: the Sidecars page failed: " + e);
        org.slf4j.LoggerFactory.getLogger(ServletBridge.class).warn("spark-sidecar: the Sidecars page failed", e);
      }
    }
    byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
    setStatus.invoke(response, a.status());
    setContentType.invoke(response, a.contentType() + ";charset=utf-8");
    setHeader.invoke(response, "Cache-Control", "no-cache, no-store, must-revalidate");
    setHeader.invoke(response, "X-Content-Type-Options", "nosniff");
    setHeader.invoke(response, "Content-Length", String.valueOf(body.length));
    OutputStream out = (OutputStream) getOutputStream.invoke(response);
    out.write(body);
    out.flush();
  }

  private Map<String, String> params(Object request) throws ReflectiveOperationException {
    Map<String, String> out = new HashMap<>();
    Map<?, ?> raw = (Map<?, ?>) getParameterMap.invoke(request);
    raw.forEach((k, v) -> {
      if (v instanceof String[] values && values.length > 0) {
        out.put(k.toString(), values[0]);
      }
    });
    return out;
  }
}
