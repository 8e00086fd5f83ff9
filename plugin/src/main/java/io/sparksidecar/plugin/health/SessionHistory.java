package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.metrics.HandoffTotals;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The driver's memory of session sidecars beyond what executors report now (those live in the
 * executors' rows of {@link SidecarRegistry}, one per (executor, session)): the restarts and
 * hand-offs of every session sidecar the application ever had (gauges never go down when a session
 * leaves), and the most recently stopped ones, kept as STOPPED with the reason so that the status
 * report and the Sidecars tab can say why a session's sidecar went. At most {@code retained}
 * stopped ones are kept (the oldest go first): with 1,000 executors and sessions coming and going
 * the driver holds the live ones (bounded by {@code spark.sidecar.session.maxPerExecutor} per
 * executor) plus these.
 *
 * <p>Fed by the registry under the executor's row lock, on Spark's RPC threads; thread-safe (one
 * short lock).
 */
public final class SessionHistory {

  /** A session sidecar that stopped: its last report (state STOPPED, the reason why), where and when. */
  public record Stopped(String executorId, SessionReport report, long stoppedMillis) {}

  /** Stopped session sidecars kept by default. */
  public static final int DEFAULT_RETAINED = 200;

  private final int retained;
  private final ArrayDeque<Stopped> stopped = new ArrayDeque<>();
  private long restarts;
  private HandoffTotals handoffs = HandoffTotals.NONE;
  private volatile Predicate<String> closedSessions = id -> false;
  private volatile Consumer<HandoffTotals> growth = g -> { };

  public SessionHistory(int retained) {
    this.retained = retained;
  }

  /** Which Connect session ids the driver knows closed (to say so when their sidecars leave). */
  public void closedSessions(Predicate<String> closed) {
    this.closedSessions = closed;
  }

  /** Gets the growth of the session sidecars' hand-off totals (e.g. to add them to the application's). */
  public void onHandoffs(Consumer<HandoffTotals> consumer) {
    this.growth = consumer;
  }

  /**
   * One executor's session sidecars went from {@code before} to {@code after} (two reports in send
   * order): counts their new restarts and hand-offs, and keeps those that left as STOPPED, with
   * {@code why} (null: the executor stopped it, see {@link #why}).
   */
  void changed(String executorId, List<SessionReport> before, List<SessionReport> after, String why, long nowMillis) {
    if (before.isEmpty() && after.isEmpty()) {
      return;
    }
    Map<String, SessionReport> previous = new HashMap<>();
    before.forEach(s -> previous.put(s.uuid(), s));
    HandoffTotals grown = HandoffTotals.NONE;
    synchronized (this) {
      for (SessionReport now : after) {
        SessionReport was = previous.remove(now.uuid());
        boolean same = was != null && was.startedMillis() == now.startedMillis(); // else a new sidecar of the session
        HandoffTotals t = now.activity().handoffs();
        HandoffTotals g = same ? t.max(was.activity().handoffs()).minus(was.activity().handoffs()) : t;
        grown = grown.plus(g);
        restarts += Math.max(0, now.snapshot().restarts() - (same ? was.snapshot().restarts() : 0));
        if (was == null) {
          stopped.removeIf(s -> s.executorId().equals(executorId) && s.report().uuid().equals(now.uuid()));
        }
      }
      for (SessionReport gone : previous.values()) {
        Snapshot s = gone.snapshot();
        String reason = why != null ? why : why(executorId, gone);
        stopped.addLast(new Stopped(executorId, gone.with(new Snapshot(State.STOPPED, s.restarts(), s.lastExitCode(), reason,
            s.instanceId(), nowMillis, false)), nowMillis));
        while (stopped.size() > retained) {
          stopped.removeFirst();
        }
      }
      handoffs = handoffs.plus(grown);
    }
    if (grown.done() + grown.failed() + grown.bytesIn() > 0) {
      growth.accept(grown);
    }
  }

  /** Why a session sidecar an executor no longer reports went. */
  String why(String executorId, SessionReport gone) {
    if (!gone.connectId().isEmpty() && closedSessions.test(gone.connectId())) {
      return "stopped: its Spark Connect session " + gone.connectId() + " closed";
    }
    if (gone.snapshot().state() == State.FAILED) {
      return "gone from executor " + executorId + " after it failed (the session's next task there tries again): "
          + gone.snapshot().reason().lines().findFirst().orElse("");
    }
    return "stopped by executor " + executorId + ": idle for " + SidecarKeys.SESSION_IDLE_TIMEOUT.name()
        + ", its session's directory or archive gone, or its keys changed (the executor's log says which)";
  }

  /** Restarts of every session sidecar of the application so far. */
  public synchronized long restarts() {
    return restarts;
  }

  /** Hand-offs of every session sidecar of the application so far. */
  public synchronized HandoffTotals handoffs() {
    return handoffs;
  }

  /** The most recently stopped session sidecars, oldest first. */
  public synchronized List<Stopped> stopped() {
    return new ArrayList<>(stopped);
  }
}
