package io.sparksidecar.plugin.metrics;

import java.util.Map;

/**
 * What a health report carries beside the sidecar's state: the executor's hand-off totals and the
 * sidecar's last failure (the reason of its last UNHEALTHY, RESTARTING or FAILED state, with the
 * log tail the supervisor put in it), which stays shown after the sidecar recovered.
 *
 * @param handoffs           cumulative hand-off totals of the executor
 * @param lastFailure        the last failure's reason, empty when the sidecar never failed
 * @param lastFailureMillis  when it failed (0 when never)
 */
public record ExecutorActivity(HandoffTotals handoffs, String lastFailure, long lastFailureMillis) {

  public ExecutorActivity {
    handoffs = handoffs == null ? HandoffTotals.NONE : handoffs;
    lastFailure = lastFailure == null ? "" : lastFailure;
  }

  /** Nothing known but the completed count (a report built without activity). */
  public static ExecutorActivity none(long done) {
    return new ExecutorActivity(new HandoffTotals(done, 0, 0, 0, new long[LatencyBuckets.COUNT]), "", 0);
  }

  /** Adds this to a health report's wire map; only JDK Strings, as the report itself. */
  public void toWire(Map<String, String> m) {
    handoffs.toWire(m);
    if (!lastFailure.isEmpty()) {
      m.put("lastFailure", lastFailure);
      m.put("lastFailureAt", String.valueOf(lastFailureMillis));
    }
  }

  /** Reads what {@link #toWire} wrote; keys an older sender did not write read as none. */
  public static ExecutorActivity fromWire(Map<?, ?> m, long done) {
    Object failure = m.get("lastFailure");
    Object at = m.get("lastFailureAt");
    return new ExecutorActivity(HandoffTotals.fromWire(m, done), failure == null ? "" : failure.toString(),
        at == null ? 0 : Long.parseLong(at.toString()));
  }
}
