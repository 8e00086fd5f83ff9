package io.sparksidecar.plugin.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * The rows of the driver's sidecar registry that changed since the previous event, posted on Spark's
 * listener bus so that the event log keeps them (with {@code spark.eventLog.enabled}) and the history
 * server can show the Sidecars tab of a finished application ({@link SidecarsHistoryPlugin}).
 *
 * <p>Spark writes and reads it with its own JSON mapper (the {@code "Event"} field names this class),
 * so it is a plain bean: public fields and a public no-argument constructor; the history server needs
 * this class on its classpath (the plugin jar in {@code SPARK_DAEMON_CLASSPATH}), and ignores the event
 * without it. Not part of the task API.
 */
public final class SidecarsHistoryEvent implements SparkListenerEvent {
  /** When the driver took these rows (epoch ms): "now" for the history server's ages. */
  public long atMillis;
  /** Each changed executor's row, as the health report's wire form ({@code HealthReport.toWire}). */
  public List<Map<String, String>> reports = new ArrayList<>();
  /** When the driver received each of {@link #reports} (epoch ms), in the same order. */
  public List<Long> receivedMillis = new ArrayList<>();

  /** For Spark's JSON reader. */
  public SidecarsHistoryEvent() {
  }
}
