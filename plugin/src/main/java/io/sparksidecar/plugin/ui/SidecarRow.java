package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.HandoffTotals;

/**
 * One executor's sidecar as the Sidecars tab and its JSON show it: the registry entry flattened at
 * one instant. {@code state} is STALE when the executor fell silent.
 *
 * @param stateSinceMillis  when the sidecar entered its state
 * @param reportAgeMillis   how long ago the driver heard from the executor
 * @param sessions          the executor's Spark Connect session sidecars now, by session
 */
record SidecarRow(String executorId, String host, String runtime, String state, int restarts, int lastExitCode,
    String reason, String instanceId, boolean permanent, long stateSinceMillis, long reportAgeMillis, String lastFailure,
    long lastFailureMillis, HandoffTotals handoffs, java.util.List<SessionRow> sessions) {

  static SidecarRow of(SidecarRegistry.Entry e, long nowMillis) {
    HealthReport r = e.report();
    return new SidecarRow(r.executorId(), r.host(), r.runtime(), e.stale() ? "STALE" : r.snapshot().state().name(),
        r.snapshot().restarts(), r.snapshot().lastExitCode(), r.snapshot().reason(), r.snapshot().instanceId(),
        r.snapshot().permanent(), r.snapshot().changedMillis(), Math.max(0, nowMillis - e.receivedMillis()),
        r.activity().lastFailure(), r.activity().lastFailureMillis(), r.activity().handoffs(),
        SessionRow.of(r.executorId(), r.sessions(), e.stale()));
  }

  /** The last failure in one line: its first line and, when a log tail follows, the tail's last line. */
  String lastFailureHeadline() {
    java.util.List<String> lines = lastFailure.lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? "" : lines.size() == 1 ? lines.get(0) : lines.get(0) + " … " + lines.get(lines.size() - 1).trim();
  }
}
