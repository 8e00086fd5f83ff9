package io.sparksidecar.plugin.metrics;

import io.sparksidecar.plugin.runtime.Supervisor;

/**
 * Remembers the sidecar's last failure across recoveries, for the health report: fed every snapshot
 * the reporter sends, in order, on the reporting thread (thread-safe all the same).
 */
public final class FailureMemory {
  private String reason = "";
  private long at;

  /** Notes {@code s} when it is a failure (UNHEALTHY, RESTARTING, FAILED with a reason). */
  public synchronized void observe(Supervisor.Snapshot s) {
    if (s == null || s.reason() == null || s.reason().isBlank()) {
      return;
    }
    switch (s.state()) {
      case UNHEALTHY, RESTARTING, FAILED -> {
        reason = s.reason();
        at = s.changedMillis();
      }
      default -> { }
    }
  }

  /** Whether a failure was ever noted (asked at the executor's stop). */
  public synchronized boolean any() {
    return !reason.isEmpty(); // observe keeps only failures with a reason
  }

  /** The activity to report: {@code totals} with the remembered failure. */
  public synchronized ExecutorActivity activity(HandoffTotals totals) {
    return new ExecutorActivity(totals, reason, at);
  }
}
