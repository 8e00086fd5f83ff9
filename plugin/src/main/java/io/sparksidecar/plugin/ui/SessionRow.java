package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.SessionReport;
import io.sparksidecar.plugin.metrics.HandoffTotals;
import java.util.List;

/**
 * One Spark Connect session's sidecar on one executor as the Sidecars tab and its JSON show it.
 * {@code state} is STALE when its executor fell silent, STOPPED for one that left (kept a while by
 * the driver, with the reason).
 *
 * @param stateSinceMillis when it entered its state
 * @param startedMillis    when its executor made it
 */
record SessionRow(String executorId, String session, String connectSession, String runtime, String state, int restarts,
    int lastExitCode, String reason, String instanceId, long stateSinceMillis, long startedMillis, String lastFailure,
    long lastFailureMillis, HandoffTotals handoffs) {

  static SessionRow of(String executorId, SessionReport s, boolean stale) {
    return new SessionRow(executorId, s.uuid(), s.connectId(), s.runtime(),
        stale && s.live() ? "STALE" : s.snapshot().state().name(), s.snapshot().restarts(), s.snapshot().lastExitCode(),
        s.snapshot().reason(), s.snapshot().instanceId(), s.snapshot().changedMillis(), s.startedMillis(),
        s.activity().lastFailure(), s.activity().lastFailureMillis(), s.activity().handoffs());
  }

  /** The rows of one executor's sessions, by session uuid. */
  static List<SessionRow> of(String executorId, List<SessionReport> sessions, boolean stale) {
    if (sessions.isEmpty()) {
      return List.of();
    }
    return sessions.stream().map(s -> of(executorId, s, stale))
        .sorted(java.util.Comparator.comparing(SessionRow::session)).toList();
  }

  String lastFailureHeadline() {
    List<String> lines = lastFailure.lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? "" : lines.size() == 1 ? lines.get(0) : lines.get(0) + " … " + lines.get(lines.size() - 1).trim();
  }
}
