package io.sparksidecar.plugin.runtime;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one executor's sidecar: starts it and waits for readiness ({@link #start}, blocking, on the
 * caller's thread), then watches it on its own daemon thread, restarting it in place by policy
 * (STARTING → READY ⇄ UNHEALTHY, → RESTARTING → READY, → FAILED), and stops it on {@link #close}.
 * Every state change goes to the listener; a listener that throws is logged and otherwise ignored.
 *
 * <p>Concurrency: the watch thread's restart and {@link #recycle} (a task thread) exclude each other
 * (this object's monitor), so a recycled instance is never taken for a crashed one. The running
 * instance changes only in {@link #adopt}, which refuses (and stops) an instance started after
 * {@link #close} began: a close never leaves a container behind, whichever thread starts one.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  public enum State { STARTING, READY, UNHEALTHY, RESTARTING, FAILED, STOPPED }

  /**
   * The supervisor's state as reported to the driver; {@code permanent} marks a failure that no
   * restart or replacement can fix (a missing image, a refused root user).
   */
  public record Snapshot(State state, int restarts, int lastExitCode, String reason, String instanceId,
      long changedMillis, boolean permanent) {}

  private final SidecarRuntime runtime;
  private final SidecarSpec spec;
  private final Readiness readiness;
  private final RestartPolicy policy;
  private final Duration readyTimeout;
  private final Duration stopGrace;
  private final Duration pollInterval;
  private final Consumer<Snapshot> listener;
  private final String what;
  private final Object lock = new Object();
  private volatile SidecarInstance instance;
  private volatile Snapshot snapshot;
  private volatile boolean closed;
  private volatile boolean oneShot;
  private volatile boolean spent;
  private volatile Runnable recycleHook;
  private volatile Thread thread;
  private final java.util.Deque<Long> restartTimes = new java.util.ArrayDeque<>(); // guarded by itself
  private final Object adoptLock = new Object();
  private volatile Duration startupTimeout;
  private volatile long startDeadline; // nanoTime bound of start(), 0 once started
  private final java.util.concurrent.atomic.AtomicLong listenerFailures = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong statusFailures = new java.util.concurrent.atomic.AtomicLong();

  public Supervisor(SidecarRuntime runtime, SidecarSpec spec, Readiness readiness, RestartPolicy policy,
      Duration readyTimeout, Duration stopGrace, Duration pollInterval, Consumer<Snapshot> listener) {
    this.runtime = runtime;
    this.spec = spec;
    this.readiness = readiness;
    this.policy = policy;
    this.readyTimeout = readyTimeout;
    this.stopGrace = stopGrace;
    this.pollInterval = pollInterval;
    this.listener = listener;
    this.what = "the sidecar of executor " + spec.executorId() + " (" + runtime.name() + ")";
    this.snapshot = new Snapshot(State.STARTING, 0, -1, "", "", System.currentTimeMillis(), false);
  }

  /**
   * Bounds {@link #start} as a whole (every attempt, backoff and readiness wait included): once it
   * passes, the sidecar is FAILED (not permanent) with the reason of the last attempt.
   */
  public Supervisor startupTimeout(Duration timeout) {
    this.startupTimeout = timeout;
    return this;
  }

  /**
   * Starts the sidecar and blocks until it is ready, restarting by policy, at most the startup
   * timeout. Throws (state FAILED) when it cannot be made ready; then nothing is left running.
   * Idempotent once ready.
   */
  public void start() {
    if (snapshot.state() != State.STARTING || instance != null) {
      return;
    }
    Duration bound = startupTimeout;
    startDeadline = bound == null ? 0 : System.nanoTime() + bound.toNanos();
    set(State.STARTING, 0, -1, "starting");
    try {
      try {
        launch();
      } catch (SidecarException first) {
        if (!restartUntilReady(first.getMessage(), first)) {
          throw new SidecarException(snapshot.reason(), first);
        }
      }
    } finally {
      startDeadline = 0;
    }
    Thread t = new Thread(this::watch, "sidecar-supervisor-" + spec.executorId());
    t.setDaemon(true);
    thread = t;
    t.start();
    if (closed) {
      t.interrupt();
    }
  }

  /**
   * One-shot sidecars (legacy flag images run one hand-off, then exit 0): an exit with 0 is then
   * not a failure; the instance is spent until {@link #recycle} starts the next one.
   */
  public Supervisor oneShot(boolean value) {
    this.oneShot = value;
    return this;
  }

  /**
   * One-shot sidecars only: as soon as an instance is spent, the watch thread replaces it with a
   * fresh one (running {@code beforeStart} in between), so that clients that cannot call
   * {@link #recycle} themselves (Python workers, other processes) find a ready instance by just
   * waiting. A failed replacement counts as a crash (restart policy).
   */
  public Supervisor recycleWhenSpent(Runnable beforeStart) {
    this.recycleHook = beforeStart;
    return this;
  }

  /**
   * Replaces a spent (or still running) instance with a fresh, ready one without counting a
   * restart: runs {@code beforeStart} in between (e.g. clearing legacy flags). Blocks until ready.
   */
  public synchronized void recycle(Duration waitForExit, Runnable beforeStart) {
    if (closed) {
      throw new SidecarException(what + " is stopped");
    }
    SidecarInstance old = instance;
    if (old != null) {
      long deadline = System.nanoTime() + waitForExit.toNanos();
      while (old.status().running() && System.nanoTime() < deadline) {
        if (!sleep(Duration.ofMillis(20))) {
          throw new SidecarException(what + ": interrupted while waiting for the spent instance to exit");
        }
      }
      old.stop(stopGrace);
    }
    beforeStart.run();
    launch();
    spent = false;
  }

  private void launch() {
    Duration wait = readyTimeout;
    long deadline = startDeadline;
    if (deadline != 0) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      wait = left.compareTo(wait) < 0 ? left : wait;
    }
    SidecarInstance started = runtime.start(spec);
    adopt(started);
    try {
      Readiness.await(started, readiness, wait, what);
    } catch (SidecarException e) {
      started.stop(stopGrace);
      throw e;
    }
    set(State.READY, snapshot.restarts(), snapshot.lastExitCode(), "ready");
  }

  /** Makes {@code started} the running instance, unless {@link #close} began: then it is stopped. */
  private void adopt(SidecarInstance started) {
    synchronized (adoptLock) {
      if (!closed) {
        instance = started;
        return;
      }
    }
    started.stop(stopGrace);
    throw new SidecarException(what + " was stopped while it started");
  }

  /** Restarts by policy after {@code reason}; true once ready, false (state FAILED) when out of restarts. */
  private boolean restartUntilReady(String reason, SidecarException cause) {
    String why = reason;
    boolean permanent = cause != null && cause.isPermanent();
    while (!closed) {
      int recent;
      synchronized (restartTimes) {
        recent = policy.recent(restartTimes, System.nanoTime());
      }
      Optional<Duration> delay = permanent ? Optional.empty() : policy.delayBeforeRestart(recent);
      long deadline = startDeadline;
      if (delay.isPresent() && deadline != 0 && System.nanoTime() + delay.get().toNanos() >= deadline) {
        setFailed(why + " (not ready within the startup timeout of " + startupTimeout.toSeconds() + " s, "
            + "spark.sidecar.startup.timeout)", false);
        return false;
      }
      if (delay.isEmpty()) {
        setFailed(permanent ? why : why + " (gave up after " + policy.describe(recent) + ")", permanent);
        return false;
      }
      set(State.RESTARTING, snapshot.restarts(), snapshot.lastExitCode(), why);
      if (!sleep(delay.get()) || closed) {
        return false; // close() (or an interrupt) came during the backoff: start nothing new
      }
      if (instance != null) {
        instance.stop(stopGrace);
      }
      synchronized (restartTimes) {
        restartTimes.addLast(System.nanoTime());
      }
      snapshot = new Snapshot(State.RESTARTING, snapshot.restarts() + 1, snapshot.lastExitCode(), why,
          snapshot.instanceId(), snapshot.changedMillis(), false);
      try {
        launch();
        return true;
      } catch (SidecarException e) {
        why = e.getMessage();
        permanent = e.isPermanent();
      }
    }
    return false;
  }

  private void watch() {
    while (!closed) {
      if (!sleep(pollInterval)) {
        return; // close() interrupts the watch thread
      }
      SidecarInstance current = instance;
      if (closed || current == null) {
        return;
      }
      if (spent) {
        continue;
      }
      InstanceStatus status;
      try {
        status = current.status();
      } catch (RuntimeException e) {
        // the engine did not answer (its client already retried): the sidecar is not known to be
        // gone, so keep watching rather than let the watch thread die
        if (statusFailures.incrementAndGet() % 20 == 1) {
          LOG.warn("spark-sidecar: {}: cannot read its status; still watching: {}", what, e.getMessage());
        }
        continue;
      }
      if (!status.running() && oneShot && status.exitCode() == 0) {
        if (!spendAndMaybeRecycle(current)) {
          return;
        }
        continue;
      }
      if (!status.running()) {
        synchronized (this) { // not while recycle() replaces the instance
          if (closed || instance != current || spent) {
            continue; // recycled or closed meanwhile: that exit was ours
          }
          String tail = current.logTail(20);
          snapshot = new Snapshot(snapshot.state(), snapshot.restarts(), status.exitCode(), snapshot.reason(),
              snapshot.instanceId(), snapshot.changedMillis(), false);
          String reason = what + " " + status.describe() + (tail.isBlank() ? "" : "; last lines of its log:\n" + tail);
          if (!restartUntilReady(reason, null)) {
            return;
          }
        }
      } else if ("unhealthy".equals(status.health()) && snapshot.state() == State.READY) {
        set(State.UNHEALTHY, snapshot.restarts(), snapshot.lastExitCode(), "its HEALTHCHECK reports unhealthy");
      } else if ("healthy".equals(status.health()) && snapshot.state() == State.UNHEALTHY) {
        set(State.READY, snapshot.restarts(), snapshot.lastExitCode(), "healthy again");
      }
    }
  }

  /**
   * A one-shot instance finished its hand-off: marks it spent (unless recycle() replaced it
   * meanwhile) and, with {@link #recycleWhenSpent}, starts the next. False when the sidecar then
   * failed for good.
   */
  private synchronized boolean spendAndMaybeRecycle(SidecarInstance current) {
    if (closed || instance != current) {
      return true; // recycled (or closed) meanwhile: that exit was ours
    }
    spent = true;
    Runnable hook = recycleHook;
    if (hook == null) {
      return true; // recycle() starts the next, called by the client
    }
    try {
      recycle(Duration.ZERO, hook);
      return true;
    } catch (SidecarException e) {
      if (closed) {
        return false;
      }
      spent = false;
      return restartUntilReady(what + ": the next one-shot instance did not start: " + e.getMessage(), e);
    }
  }

  /**
   * Blocks until the sidecar is ready (a task arriving during a restart waits here), or throws
   * with the reason when it failed for good, was stopped, or {@code timeout} passed.
   */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        Snapshot s = snapshot;
        if (s.state() == State.READY || s.state() == State.UNHEALTHY) {
          return;
        }
        if (s.state() == State.FAILED || s.state() == State.STOPPED) {
          throw new SidecarException(what + " is " + s.state() + ": " + s.reason());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SidecarException(what + " not ready after " + timeout.toSeconds() + " s (state " + s.state() + "): " + s.reason());
        }
        try {
          lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SidecarException(what + ": interrupted while waiting for readiness", e);
        }
      }
    }
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  /** The running instance, or null. */
  public SidecarInstance instance() {
    return instance;
  }

  private void setFailed(String reason, boolean permanent) {
    publish(new Snapshot(State.FAILED, snapshot.restarts(), snapshot.lastExitCode(), reason,
        instance == null ? "" : instance.id(), System.currentTimeMillis(), permanent));
  }

  private void set(State state, int restarts, int lastExit, String reason) {
    SidecarInstance i = instance;
    publish(new Snapshot(state, restarts, lastExit, reason, i == null ? "" : i.id(), System.currentTimeMillis(), false));
  }

  private void publish(Snapshot s) {
    synchronized (lock) {
      snapshot = s;
      lock.notifyAll();
    }
    try {
      listener.accept(s);
    } catch (RuntimeException e) {
      // a reporting problem must never break supervision; say so, without flooding the log
      long n = listenerFailures.incrementAndGet();
      if (n == 1 || n % 100 == 0) {
        LOG.warn("spark-sidecar: {}: the state listener failed ({} time(s)) on {}", what, n, s.state(), e);
      }
    }
  }

  /** Sleeps; false (interrupt flag kept) when interrupted. An interrupted task thread does not close the supervisor. */
  private static boolean sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops watching, stops and removes the sidecar. Idempotent; blocks up to the stop grace period. */
  @Override
  public void close() {
    if (snapshot.state() == State.STOPPED) {
      return;
    }
    SidecarInstance i;
    synchronized (adoptLock) {
      closed = true; // from here on adopt() refuses new instances
      i = instance;
    }
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(stopGrace.toMillis() + 5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (i != null) {
      i.stop(stopGrace);
    }
    SidecarInstance late = instance; // adopted just before closed was set
    if (late != null && late != i) {
      late.stop(stopGrace);
    }
    Snapshot last = snapshot;
    set(State.STOPPED, last.restarts(), last.lastExitCode(),
        last.state() == State.FAILED ? "stopped; had failed: " + last.reason() : "stopped");
  }
}
