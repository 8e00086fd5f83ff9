package io.sparksidecar.plugin.session;

import io.sparksidecar.plugin.DiscoveryFile;
import io.sparksidecar.plugin.ExecutorSidecar;
import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One session's sidecar on this executor: the wish it was built from, the running
 * {@link ExecutorSidecar} (or why there is none), its discovery file for Python workers, and its use
 * (tasks running now, last use). Built and closed by {@link SessionSidecars}.
 */
final class SessionSidecar implements AutoCloseable {
  final SessionRef session;
  final SessionWish wish;
  final DiscoveryFile discovery;
  final AtomicInteger running = new AtomicInteger(); // tasks of the session running on this executor now
  /** Spark made {@code <executor cwd>/<uuid>} for the session (Connect sessions; not a classic session without artifacts). */
  final boolean hadSessionDir;
  private final long createdMillis;
  private volatile long lastUsedMillis;
  private volatile ExecutorSidecar sidecar; // null while not built, or when it could not be
  private volatile String failure; // why it could not be built, or null
  private volatile String runtime = "?";
  private volatile SidecarSettings settings;
  private volatile boolean closed;
  private volatile boolean refused;
  // for the driver's health report: every state change in order (the last failure outlives a recovery)
  private final io.sparksidecar.plugin.metrics.FailureMemory failures = new io.sparksidecar.plugin.metrics.FailureMemory();
  private volatile Supervisor.Snapshot last;

  /** Stopped after this long without tasks (the server's idle timeout, or the session's shorter one). */
  final long idleMillis;

  SessionSidecar(SessionRef session, SessionWish wish, DiscoveryFile discovery, long nowMillis, boolean hadSessionDir,
      long idleMillis) {
    this.hadSessionDir = hadSessionDir;
    this.idleMillis = idleMillis;
    this.session = session;
    this.wish = wish;
    this.discovery = discovery;
    this.createdMillis = nowMillis;
    this.lastUsedMillis = nowMillis;
  }

  void used(long nowMillis) {
    lastUsedMillis = nowMillis;
  }

  long lastUsedMillis() {
    return lastUsedMillis;
  }

  long createdMillis() {
    return createdMillis;
  }

  boolean failed() {
    return failure != null || refused;
  }

  /** It will not run (its failure is published next): it takes no place among the running ones. */
  void refused() {
    refused = true;
  }

  /** The sidecar tasks use; throws the reason when it could not be built. Does not wait for readiness. */
  ExecutorSidecar sidecar() {
    String f = failure;
    if (f != null) {
      throw new SidecarException(f);
    }
    if (refused) {
      throw new SidecarException("the sidecar of session " + session.uuid() + " was refused");
    }
    ExecutorSidecar s = sidecar;
    if (s == null || closed) {
      throw new SidecarException("the sidecar of session " + session.uuid() + " is stopped");
    }
    return s;
  }

  /** Called once, before the sidecar starts (its state changes reach the discovery file from then on). */
  void built(ExecutorSidecar s, SidecarSettings settings) {
    this.settings = settings;
    this.runtime = s.runtimeName();
    this.sidecar = s;
  }

  /** The sidecar cannot be built or started: tasks of the session get {@code reason}. */
  void fail(String reason) {
    failure = reason;
    changed(new Supervisor.Snapshot(Supervisor.State.FAILED, 0, -1, reason, "", System.currentTimeMillis(), true));
  }

  /** Every supervisor state change: to the discovery file. */
  void changed(Supervisor.Snapshot snap) {
    last = snap;
    failures.observe(snap);
    if (!closed) {
      discovery.publish(snap, runtime, sidecar, settings);
    }
  }

  /** A one-line state for the driver: {@code <session uuid> <state> <reason's first line>}. */
  String stateLine() {
    String f = failure;
    if (f != null) {
      return session.uuid() + " FAILED " + f.lines().findFirst().orElse("");
    }
    ExecutorSidecar s = sidecar;
    if (s == null) {
      return session.uuid() + " STARTING";
    }
    Supervisor.Snapshot snap = s.status();
    return session.uuid() + " " + snap.state() + " " + snap.reason().lines().findFirst().orElse("");
  }

  /** What the executor's health report says of this session's sidecar now (reporting thread; reads the Python meters). */
  io.sparksidecar.plugin.health.SessionReport report() {
    ExecutorSidecar s = sidecar;
    return new io.sparksidecar.plugin.health.SessionReport(session.uuid(), session.connectId(), runtime, snapshot(),
        failures.activity((s == null ? io.sparksidecar.plugin.metrics.HandoffTotals.NONE : s.handoffTotals())
            .plus(discovery.pythonHandoffs())), createdMillis); // the Python workers' too
  }

  /**
   * What the driver must hear of at once (the reporter's 250-ms watch): uuid, start, state, restarts
   * and the last failure's time. In memory only: no hand-off totals, no file read.
   */
  String watchKey() {
    Supervisor.Snapshot snap = snapshot();
    return session.uuid() + " " + createdMillis + " " + snap.state() + " " + snap.restarts() + " "
        + failures.activity(io.sparksidecar.plugin.metrics.HandoffTotals.NONE).lastFailureMillis();
  }

  private Supervisor.Snapshot snapshot() {
    ExecutorSidecar s = sidecar;
    Supervisor.Snapshot l = last;
    return failure != null && l != null ? l // FAILED with the reason (see fail)
        : s != null ? s.status() : l != null ? l
        : new Supervisor.Snapshot(Supervisor.State.STARTING, 0, -1, "", "", createdMillis, false);
  }

  /** Stops the sidecar (SIGTERM, then SIGKILL after the stop timeout), removes its volumes and discovery file. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ExecutorSidecar s = sidecar;
      if (s != null) {
        s.close();
      }
    } finally {
      discovery.close();
    }
  }
}
