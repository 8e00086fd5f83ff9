package io.sparksidecar.plugin.metrics;

import io.sparksidecar.plugin.health.HealthReport;
import java.util.HashMap;
import java.util.Map;

/**
 * The driver's application-wide hand-off totals, fed every health report ({@link #record}, Spark's
 * RPC threads, short lock). Reports are cumulative per executor and may arrive out of order, so each
 * executor's highest totals are kept and only their growth is added: the totals never go down, also
 * when the registry evicts dead executors. An executor's entry costs about 1 KB (its latency buckets).
 * The hand-offs of Spark Connect session sidecars are added as the registry sees them grow
 * ({@link #addSessions}), so the totals are those of every sidecar of the application.
 */
public final class HandoffAggregates {
  private final Map<String, HandoffTotals> byExecutor = new HashMap<>();
  private HandoffTotals total = HandoffTotals.NONE;

  /** Adds what {@code report} says beyond the highest totals seen from its executor. */
  public synchronized void record(HealthReport report) {
    HandoffTotals now = report.activity().handoffs();
    HandoffTotals before = byExecutor.getOrDefault(report.executorId(), HandoffTotals.NONE);
    HandoffTotals highest = before.max(now);
    if (!highest.equals(before)) {
      total = total.plus(highest.minus(before));
      byExecutor.put(report.executorId(), highest);
    }
  }

  /** Adds the growth of session sidecars' hand-offs (computed by the registry, once per report). */
  public synchronized void addSessions(HandoffTotals growth) {
    total = total.plus(growth);
  }

  /** The application's totals so far. */
  public synchronized HandoffTotals total() {
    return total;
  }
}
