package io.sparksidecar.plugin.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

/**
 * The application's hand-off totals as gauges in the driver plugin's metric registry (so in every
 * Spark metrics sink, e.g. {@code PrometheusServlet}):
 * {@code handoffs.count}, {@code handoffs.failed}, {@code handoffs.bytesIn}, {@code handoffs.bytesOut}
 * (cumulative) and {@code handoffs.latencyP50Ms}, {@code handoffs.latencyP99Ms} (over all completed
 * hand-offs of the application, see {@link LatencyBuckets} for the resolution). Values are as fresh as
 * the executors' last health reports (one health interval).
 */
public final class DriverHandoffMetrics {
  private DriverHandoffMetrics() {}

  /** Registers the gauges; called once from the driver plugin's {@code registerMetrics}. */
  public static void register(MetricRegistry m, HandoffAggregates totals) {
    m.register("handoffs.count", (Gauge<Long>) () -> totals.total().done());
    m.register("handoffs.failed", (Gauge<Long>) () -> totals.total().failed());
    m.register("handoffs.bytesIn", (Gauge<Long>) () -> totals.total().bytesIn());
    m.register("handoffs.bytesOut", (Gauge<Long>) () -> totals.total().bytesOut());
    m.register("handoffs.latencyP50Ms", (Gauge<Double>) () -> totals.total().p50Millis());
    m.register("handoffs.latencyP99Ms", (Gauge<Double>) () -> totals.total().p99Millis());
  }
}
