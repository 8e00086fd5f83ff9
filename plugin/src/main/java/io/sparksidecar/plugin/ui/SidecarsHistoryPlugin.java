package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.HandoffAggregates;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.status.AppHistoryServerPlugin;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.ui.SparkUI;
import org.apache.spark.util.kvstore.KVStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sidecars tab in Spark's history server, as Spark's SQL tab gets there: found by the history
 * server through {@code META-INF/services/org.apache.spark.status.AppHistoryServerPlugin} when the
 * plugin jar is on its classpath ({@code SPARK_DAEMON_CLASSPATH}). While an application's event log
 * is replayed, {@link #createListeners} keeps the driver's {@link SidecarsHistoryEvent}s; then
 * {@link #setupUI} rebuilds the driver's registry and hand-off totals from them, in order, and adds
 * the same tab, pages and JSON as the live UI's, as of the last event. An application that ran
 * without the plugin gets no tab. Both are called by the history server on its own threads; neither
 * throws (a failure is logged and the application's UI shows without the tab). Like {@link SidecarsUi}
 * it relies on Spark's UI internals ({@code AppHistoryServerPlugin} is {@code private[spark]}).
 */
public final class SidecarsHistoryPlugin extends HistoryPluginBase implements AppHistoryServerPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(SidecarsHistoryPlugin.class);
  /** Nothing goes stale in a finished application's view (10 x this must not overflow). */
  private static final long NEVER_STALE = Long.MAX_VALUE / 100;

  /** For the history server's service loader. */
  public SidecarsHistoryPlugin() {
  }

  @Override
  @SuppressWarnings("unchecked")
  public scala.collection.immutable.Seq<SparkListener> createListeners(SparkConf conf, ElementTrackingStore store) {
    scala.collection.immutable.List<SparkListener> none =
        (scala.collection.immutable.List<SparkListener>) (Object) scala.collection.immutable.Nil$.MODULE$;
    return none.$colon$colon(new SidecarsHistoryListener(store));
  }

  @Override
  public void setupUI(SparkUI ui) {
    try {
      List<SidecarsHistoryRecord> records = new ArrayList<>();
      try (KVStoreIterator<SidecarsHistoryRecord> it = ui.store().store().view(SidecarsHistoryRecord.class).closeableIterator()) {
        while (it.hasNext()) {
          records.add(it.next());
        }
      }
      if (records.isEmpty()) {
        return; // the application ran without the plugin (or without its events)
      }
      SidecarRegistry registry = new SidecarRegistry(NEVER_STALE);
      HandoffAggregates totals = new HandoffAggregates();
      registry.sessions().onHandoffs(totals::addSessions);
      long at = replay(records, registry, totals);
      SidecarsUi.attach(ui, registry, totals, () -> at);
    } catch (Exception | LinkageError e) {
      LOG.warn("spark-sidecar: no Sidecars tab in this application's history UI: {}", e.toString());
    }
  }

  /** Feeds the recorded rows to {@code registry} and {@code totals} as the driver received them; returns the last event's time. */
  static long replay(List<SidecarsHistoryRecord> records, SidecarRegistry registry, HandoffAggregates totals) {
    long at = 0;
    for (SidecarsHistoryRecord r : records) {
      for (int i = 0; i < r.reports.size() && i < r.receivedMillis.size(); i++) {
        HealthReport report = HealthReport.fromWire(r.reports.get(i));
        if (report != null) {
          registry.update(report, r.receivedMillis.get(i));
          totals.record(report);
        }
      }
      at = Math.max(at, r.atMillis);
    }
    return at;
  }
}
