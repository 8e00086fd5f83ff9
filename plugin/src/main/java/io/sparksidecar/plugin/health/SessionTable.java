package io.sparksidecar.plugin.health;

import java.util.List;
import java.util.Locale;

/** The session sidecars' part of the driver's status report ({@link SidecarRegistry#table}): fixed-width text. */
final class SessionTable {
  private SessionTable() {}

  /** Appends one line per session sidecar (running ones by executor, then the recently stopped), nothing when there are none. */
  static void append(StringBuilder sb, List<SidecarRegistry.Entry> entries, List<SessionHistory.Stopped> stopped,
      long nowMillis) {
    boolean any = stopped.size() > 0 || entries.stream().anyMatch(e -> !e.report().sessions().isEmpty());
    if (!any) {
      return;
    }
    sb.append(String.format(Locale.ROOT, "%nsession sidecars (Spark Connect):%n%-8s %-36s %-8s %-11s %8s %6s %9s %8s  %s%n",
        "executor", "session", "runtime", "state", "restarts", "exit", "handoffs", "since(s)", "reason"));
    for (SidecarRegistry.Entry e : entries) {
      List<SessionReport> sessions = e.report().sessions().stream()
          .sorted(java.util.Comparator.comparing(SessionReport::uuid)).toList();
      for (SessionReport s : sessions) {
        line(sb, e.report().executorId(), s, e.stale() && s.live() ? "STALE" : s.snapshot().state().name(), nowMillis);
      }
    }
    for (SessionHistory.Stopped s : stopped) {
      line(sb, s.executorId(), s.report(), "STOPPED", nowMillis);
    }
  }

  private static void line(StringBuilder sb, String executor, SessionReport s, String state, long nowMillis) {
    String reason = s.snapshot().reason().lines().findFirst().orElse("");
    sb.append(String.format(Locale.ROOT, "%-8s %-36s %-8s %-11s %8d %6s %9d %8.1f  %s%n", executor, s.uuid(), s.runtime(),
        state, s.snapshot().restarts(), s.snapshot().lastExitCode() < 0 ? "-" : String.valueOf(s.snapshot().lastExitCode()),
        s.activity().handoffs().done(), s.snapshot().changedMillis() <= 0 ? 0 : (nowMillis - s.snapshot().changedMillis()) / 1000.0,
        SidecarRegistry.truncate(reason, 100)));
  }
}
