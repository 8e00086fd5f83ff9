package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver's view of every executor's sidecar: the last report and when it came. Thread-safe:
 * Spark calls the driver plugin's {@code receive} from several RPC threads at once, so recording a
 * report and deciding what it means happen in one atomic step per executor ({@link #update}), and a
 * report older than the one recorded (sent earlier, delivered later) changes nothing. Executors
 * whose sidecar stopped, failed or fell silent long ago are evicted beyond {@code retainedDead}
 * (the oldest first), so a long application with executors coming and going keeps a bounded registry.
 *
 * <p>What the cluster manager observed of the sidecar containers ({@link #observed}, e.g. pod
 * statuses on Kubernetes) is merged into every executor's row: its restarts count when higher, its
 * exit code when the executor knows none, and a container that is not running makes the row
 * RESTARTING (or FAILED when it will not run again), whatever the executor last said.
 *
 * <p>Spark Connect session sidecars are kept per (executor, session): each executor's row holds the
 * session sidecars of its last report ({@link HealthReport#sessions}); one that the next report no
 * longer carries, or whose executor was removed, leaves the row and is kept a while as STOPPED in
 * {@link #sessions()} with the reason, which also counts the restarts and hand-offs of all of them.
 */
public final class SidecarRegistry {

  /** One executor's row. {@code stale} is derived from the report age. */
  public record Entry(HealthReport report, long receivedMillis, boolean stale) {}

  /**
   * What {@link #update} recorded: the previous report (null when new), the decision about the new
   * one, and the report as stored (with what the cluster manager observed merged in; the previous
   * one when the new one was dropped).
   */
  public record Update<A>(HealthReport previous, A decision, boolean recorded, HealthReport stored) {}

  /** What {@link #observed} changed in one executor's row: the previous report (null when new), the merged one, the decision. */
  public record Observed<A>(HealthReport previous, HealthReport report, A decision) {}

  /** Dead executors kept for the status report, like Spark's UI (spark.ui.retainedDeadExecutors). */
  public static final int DEFAULT_RETAINED_DEAD = 100;

  private record Row(HealthReport report, long receivedMillis) {}

  private final Map<String, Row> rows = new ConcurrentHashMap<>();
  private volatile Map<String, ObservedStatus> observed = Map.of();
  private final long staleAfterMillis;
  private final int retainedDead;
  private final java.util.concurrent.atomic.AtomicLong lastEviction = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong evictedRestarts = new java.util.concurrent.atomic.AtomicLong();
  private final SessionHistory sessions = new SessionHistory(SessionHistory.DEFAULT_RETAINED);

  public SidecarRegistry(long staleAfterMillis) {
    this(staleAfterMillis, DEFAULT_RETAINED_DEAD);
  }

  public SidecarRegistry(long staleAfterMillis, int retainedDead) {
    this.staleAfterMillis = staleAfterMillis;
    this.retainedDead = retainedDead;
  }

  /** Records a report; returns the previous one of that executor (null when new). */
  public HealthReport update(HealthReport report, long nowMillis) {
    return update(report, nowMillis, (previous, next) -> null).previous();
  }

  /**
   * Records {@code report} and applies {@code decide(previous, report)} atomically for its executor:
   * two threads delivering reports of one executor never both see the same previous report. A
   * report sent before the recorded one is dropped ({@code recorded=false}, decision of nothing:
   * {@code decide} is not called). {@code decide} runs under the executor's lock: keep it short.
   */
  public <A> Update<A> update(HealthReport report, long nowMillis,
      java.util.function.BiFunction<HealthReport, HealthReport, A> decide) {
    Object[] out = new Object[4];
    rows.compute(report.executorId(), (id, row) -> {
      HealthReport previous = row == null ? null : row.report();
      if (previous != null && report.sentMillis() < previous.sentMillis()) {
        out[0] = previous;
        out[2] = Boolean.FALSE;
        out[3] = previous;
        return row;
      }
      HealthReport merged = merge(report, observed.get(id));
      sessions.changed(id, previous == null ? List.of() : previous.sessions(), merged.sessions(), null, nowMillis);
      out[0] = previous;
      out[1] = decide.apply(previous, merged);
      out[2] = Boolean.TRUE;
      out[3] = merged;
      return new Row(merged, nowMillis);
    });
    long last = lastEviction.get();
    if (nowMillis - last >= 1000 && lastEviction.compareAndSet(last, nowMillis)) {
      evict(nowMillis); // at most once a second: one pass over the rows
    }
    @SuppressWarnings("unchecked")
    A decision = (A) out[1];
    return new Update<>((HealthReport) out[0], decision, (Boolean) out[2], (HealthReport) out[3]);
  }

  /**
   * Replaces what the cluster manager observed (one entry per executor it still knows) and merges it
   * into the rows at once, applying {@code decide(previous, merged)} per executor under its lock, as
   * {@link #update} does. An executor with no row yet (its JVM never reported, e.g. kept from starting
   * by a native sidecar that never got ready) gets one, on host {@code source}. A row's age is not
   * refreshed by this: an executor that fell silent stays stale. Rows STOPPED are left as they are.
   *
   * @return the updates whose merged report differs from the previous one (state, restarts, exit code
   *         or reason), in executor order
   */
  public <A> List<Observed<A>> observed(java.util.Collection<ObservedStatus> statuses, long nowMillis,
      java.util.function.BiFunction<HealthReport, HealthReport, A> decide) {
    Map<String, ObservedStatus> byId = new java.util.TreeMap<>();
    statuses.forEach(o -> byId.put(o.executorId(), o));
    observed = Map.copyOf(byId);
    List<Observed<A>> out = new ArrayList<>();
    byId.forEach((id, o) -> rows.compute(id, (key, row) -> {
      HealthReport previous = row == null ? null : row.report();
      if (previous != null && previous.snapshot().state() == State.STOPPED) {
        return row;
      }
      HealthReport base = previous != null ? previous : new HealthReport(id, o.source(), "kubernetes",
          new Snapshot(State.STARTING, 0, -1, "seen in the pod status only: the executor has not reported yet", o.source(),
              nowMillis, false), 0, nowMillis);
      HealthReport merged = merge(base, o);
      if (previous != null && merged.snapshot().equals(previous.snapshot())) {
        return row;
      }
      out.add(new Observed<>(previous, merged, decide.apply(previous, merged)));
      return new Row(merged, row == null ? nowMillis : row.receivedMillis());
    }));
    return out;
  }

  /** {@code report} with what the cluster manager observed folded in (see the class comment). */
  static HealthReport merge(HealthReport report, ObservedStatus o) {
    Snapshot s = report.snapshot();
    if (o == null || s.state() == State.STOPPED) {
      return report;
    }
    int restarts = Math.max(s.restarts(), o.restarts());
    int exit = s.lastExitCode() >= 0 ? s.lastExitCode() : o.lastExitCode();
    State state = s.state();
    String reason = s.reason();
    boolean permanent = s.permanent();
    long changed = s.changedMillis();
    if (!o.running() && state != State.FAILED) {
      State next = o.failed() ? State.FAILED : State.RESTARTING;
      String why = "container " + o.source() + ": " + o.problem();
      if (next != state || !reason.equals(why)) {
        state = next;
        reason = why;
        changed = Math.max(changed, report.sentMillis());
      }
    }
    if (restarts == s.restarts() && exit == s.lastExitCode() && state == s.state() && reason.equals(s.reason())) {
      return report;
    }
    return report.with(new Snapshot(state, restarts, exit, reason, s.instanceId(), changed, permanent), report.sentMillis());
  }

  /**
   * The executor is gone (Spark removed it: killed, lost, decommissioned): its row becomes STOPPED
   * with {@code reason}, unless it already stopped or failed, and reports it sent before now are
   * dropped. An executor killed with SIGKILL sends no last report, so without this it would count
   * as READY until its silence made it stale. Returns true when a live row was stopped.
   */
  public boolean executorRemoved(String executorId, String reason, long nowMillis) {
    boolean[] stopped = {false};
    rows.computeIfPresent(executorId, (id, row) -> {
      HealthReport r = row.report();
      Snapshot s = r.snapshot();
      if (s.state() == State.STOPPED || s.state() == State.FAILED) {
        if (!r.sessions().isEmpty()) { // a failed executor-wide sidecar: its session sidecars went with the executor
          sessions.changed(id, r.sessions(), List.of(), "stopped: executor " + id + " removed: " + reason, nowMillis);
          return new Row(r.with(s, Math.max(r.sentMillis(), nowMillis)).withSessions(List.of()), row.receivedMillis());
        }
        return row;
      }
      stopped[0] = true;
      Snapshot gone = new Snapshot(State.STOPPED, s.restarts(), s.lastExitCode(), "executor removed: " + reason,
          s.instanceId(), nowMillis, false);
      sessions.changed(id, r.sessions(), List.of(), "stopped: executor " + id + " removed: " + reason, nowMillis);
      return new Row(r.with(gone, Math.max(r.sentMillis(), nowMillis)).withSessions(List.of()), nowMillis);
    });
    return stopped[0];
  }

  /** Drops the oldest dead rows (stopped, failed, or silent for 10 × the stale bound) beyond {@code retainedDead}. */
  void evict(long nowMillis) {
    List<Map.Entry<String, Row>> dead = new ArrayList<>();
    for (Map.Entry<String, Row> e : rows.entrySet()) {
      if (dead(e.getValue(), nowMillis)) {
        dead.add(e);
      }
    }
    if (dead.size() <= retainedDead) {
      return;
    }
    dead.sort(Comparator.comparingLong(e -> e.getValue().receivedMillis()));
    for (Map.Entry<String, Row> e : dead.subList(0, dead.size() - retainedDead)) {
      if (rows.remove(e.getKey(), e.getValue())) { // only if no newer report came meanwhile
        HealthReport r = e.getValue().report();
        evictedRestarts.addAndGet(r.snapshot().restarts());
        // a silent executor's session sidecars stay listed as stopped, with why, as a removed executor's do
        sessions.changed(e.getKey(), r.sessions(), List.of(), "stopped: executor " + e.getKey() + " silent for "
            + (nowMillis - e.getValue().receivedMillis()) / 1000 + " s, dropped from the registry", nowMillis);
      }
    }
  }

  private boolean dead(Row row, long nowMillis) {
    State s = row.report().snapshot().state();
    boolean sessionsLive = !row.report().sessions().isEmpty(); // they may run beside a failed executor-wide sidecar
    return s == State.STOPPED || (s == State.FAILED && !sessionsLive) || nowMillis - row.receivedMillis() > 10 * staleAfterMillis;
  }

  /** How many executors the registry holds. */
  public int size() {
    return rows.size();
  }

  public List<Entry> entries(long nowMillis) {
    List<Entry> out = new ArrayList<>();
    rows.forEach((id, row) -> {
      HealthReport r = row.report();
      long at = row.receivedMillis();
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
    return evictedRestarts.get() + rows.values().stream().mapToLong(r -> r.report().snapshot().restarts()).sum();
  }

  /** Restarts, hand-offs and recently stopped ones of the session sidecars. */
  public SessionHistory sessions() {
    return sessions;
  }

  /** How many session sidecars of executors that report now are in {@code state} (not stale). */
  public long sessionCount(State state, long nowMillis) {
    long n = 0;
    for (Entry e : entries(nowMillis)) {
      if (!e.stale()) {
        n += e.report().sessions().stream().filter(x -> x.snapshot().state() == state).count();
      }
    }
    return n;
  }

  /** How many session sidecars run on executors that fell silent. */
  public long sessionStale(long nowMillis) {
    return entries(nowMillis).stream().filter(Entry::stale).mapToLong(e -> e.report().sessions().size()).sum();
  }

  /** A fixed-width table: one row per executor, then one per session sidecar (running, then recently stopped). */
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
    SessionTable.append(sb, entries(nowMillis), sessions.stopped(), nowMillis);
    return sb.toString();
  }

  static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
