package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver's view of every executor's sidecar: the last report and when it came. Thread-safe;
 * {@link #update} is O(1) so the driver's RPC thread is never held up.
 */
public final class SidecarRegistry {

  /** One executor's row. {@code stale} is derived from the report age. */
  public record Entry(HealthReport report, long receivedMillis, boolean stale) {}

  private final Map<String, HealthReport> reports = new ConcurrentHashMap<>();
  private final Map<String, Long> received = new ConcurrentHashMap<>();
  private final long staleAfterMillis;

  public SidecarRegistry(long staleAfterMillis) {
    this.staleAfterMillis = staleAfterMillis;
  }

  /** Records a report; returns the previous one of that executor (null when new). */
  public HealthReport update(HealthReport report, long nowMillis) {
    received.put(report.executorId(), nowMillis);
    return reports.put(report.executorId(), report);
  }

  public List<Entry> entries(long nowMillis) {
    List<Entry> out = new ArrayList<>();
    reports.forEach((id, r) -> {
      long at = received.getOrDefault(id, 0L);
      boolean live = r.snapshot().state() != State.STOPPED && r.snapshot().state() != State.FAILED;
      out.add(new Entry(r, at, live && nowMillis - at > staleAfterMillis));
    });
    out.sort(Comparator.comparing(e -> e.report().executorId()));
    return out;
  }

  public long count(State state, long nowMillis) {
    return entries(nowMillis).stream().filter(e -> !e.stale() && e.report().snapshot().state() == state).count();
  }

  public long stale(long nowMillis) {
    return entries(nowMillis).stream().filter(Entry::stale).count();
  }

  public long totalRestarts() {
    return reports.values().stream().mapToLong(r -> r.snapshot().restarts()).sum();
  }

  /** A fixed-width table: one row per executor. */
  public String table(long nowMillis) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-8s %-16s %-8s %-11s %8s %6s %9s %8s  %s%n", "executor", "host", "runtime",
        "state", "restarts", "exit", "handoffs", "age(s)", "reason"));
    for (Entry e : entries(nowMillis)) {
      HealthReport r = e.report();
      String reason = r.snapshot().reason().lines().findFirst().orElse("");
      sb.append(String.format(Locale.ROOT, "%-8s %-16s %-8s %-11s %8d %6s %9d %8.1f  %s%n", r.executorId(),
          truncate(r.host(), 16), r.runtime(), e.stale() ? "STALE" : r.snapshot().state(), r.snapshot().restarts(),
          r.snapshot().lastExitCode() < 0 ? "-" : String.valueOf(r.snapshot().lastExitCode()), r.handoffs(),
          (nowMillis - e.receivedMillis()) / 1000.0, truncate(reason, 100)));
    }
    return sb.toString();
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
