package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.SessionHistory;
import io.sparksidecar.plugin.metrics.HandoffTotals;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Spark Connect session sidecars of the whole application at one instant, for the Sidecars
 * tab's summary and its JSON: how many run now per state, on how many executors, for how many
 * sessions; the restarts and hand-offs of all of them so far; and the recently stopped ones.
 *
 * @param states    session sidecars per state now (STALE on silent executors)
 * @param live      session sidecars the executors report now
 * @param executors executors with at least one
 * @param sessions  distinct sessions among them
 * @param stopped   the recently stopped ones, newest first
 */
record SessionsSummary(Map<String, Long> states, long live, int executors, int sessions, long restarts,
    HandoffTotals handoffs, List<SessionRow> stopped) {

  /** The summary of {@code rows} (every executor's row) and the driver's memory of stopped ones. */
  static SessionsSummary of(List<SidecarRow> rows, SessionHistory history) {
    Map<String, Long> states = new TreeMap<>();
    java.util.Set<String> sessions = new java.util.HashSet<>();
    long live = 0;
    int executors = 0;
    for (SidecarRow r : rows) {
      if (r.sessions().isEmpty()) {
        continue;
      }
      executors++;
      for (SessionRow s : r.sessions()) {
        live++;
        states.merge(s.state(), 1L, Long::sum);
        sessions.add(s.session());
      }
    }
    List<SessionRow> stopped = new ArrayList<>();
    List<SessionHistory.Stopped> kept = history.stopped();
    for (int i = kept.size() - 1; i >= 0; i--) {
      stopped.add(SessionRow.of(kept.get(i).executorId(), kept.get(i).report(), false));
    }
    return new SessionsSummary(states, live, executors, sessions.size(), history.restarts(), history.handoffs(), stopped);
  }

  /** True when the application never had a session sidecar the driver knows of. */
  boolean none() {
    return live == 0 && stopped.isEmpty() && restarts == 0 && handoffs.done() == 0;
  }

  /** The stopped ones of {@code executorId}, newest first. */
  List<SessionRow> stoppedOn(String executorId) {
    return stopped.stream().filter(s -> s.executorId().equals(executorId)).toList();
  }
}
