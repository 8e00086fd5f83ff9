package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.runtime.Supervisor;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's reporting thread: registers with the driver by {@code ask} (on this thread, so
 * executor init never waits on the driver), then {@code send}s every state change at once and a
 * heartbeat every health interval. What {@link #watch} watches (the executor's session sidecars) is
 * looked at every {@value #WATCH_MS} ms besides, and a change of it is sent at once too. Never runs
 * on a task thread; failures are logged and retried at the next beat.
 */
public final class HealthReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthReporter.class);
  private static final Object STOP = new Object();
  /** How often {@link #watch}'s probe is looked at, ms. */
  static final long WATCH_MS = 250;

  private final PluginContext ctx;
  private final String executorId;
  private final Duration interval;
  private final Function<Supervisor.Snapshot, HealthReport> toReport;
  private final BlockingQueue<Object> changes = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile Supervisor.Snapshot latest;
  private volatile java.util.function.Supplier<?> probe;

  public HealthReporter(PluginContext ctx, String executorId, Duration interval,
      Function<Supervisor.Snapshot, HealthReport> toReport) {
    this.ctx = ctx;
    this.executorId = executorId;
    this.interval = interval;
    this.toReport = toReport;
    this.thread = new Thread(this::loop, "sidecar-health-reporter-" + executorId);
    thread.setDaemon(true);
  }

  /**
   * Also sends a report when {@code probe}'s value changes ({@code equals}), looked at every
   * {@value #WATCH_MS} ms on the reporting thread; call before {@link #start}. {@code probe} must not
   * block; what it throws is logged and counts as no change.
   */
  public HealthReporter watch(java.util.function.Supplier<?> probe) {
    this.probe = probe;
    return this;
  }

  public HealthReporter start() {
    thread.start();
    return this;
  }

  /** Called by the supervisor on every change; never blocks. */
  public void changed(Supervisor.Snapshot snapshot) {
    latest = snapshot;
    changes.add(snapshot);
  }

  private void loop() {
    boolean registered = false;
    Object sentProbe = null;
    long nextBeat = System.nanoTime() + interval.toNanos();
    while (true) {
      java.util.function.Supplier<?> p = probe;
      long untilBeat = Math.max(0, nextBeat - System.nanoTime()) / 1_000_000;
      Object next;
      try {
        next = changes.poll(p == null ? untilBeat : Math.min(WATCH_MS, untilBeat), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (next == STOP) {
        return;
      }
      Object seen = sentProbe;
      if (p != null) {
        try {
          seen = p.get();
        } catch (RuntimeException e) {
          LOG.debug("spark-sidecar: executor {} reporting probe failed: {}", executorId, e.toString());
        }
      }
      boolean beat = System.nanoTime() >= nextBeat;
      if (next == null && !beat && java.util.Objects.equals(seen, sentProbe)) {
        continue;
      }
      Supervisor.Snapshot s = next instanceof Supervisor.Snapshot snap ? snap : latest;
      nextBeat = System.nanoTime() + interval.toNanos();
      if (s == null) {
        continue; // nothing to say yet (the supervisor publishes its first state at once)
      }
      sentProbe = seen;
      try {
        if (!registered) {
          ctx.ask(toReport.apply(s).toWire(true)); // bounded by spark.rpc.askTimeout, on this thread only
          registered = true;
        } else {
          ctx.send(toReport.apply(s).toWire());
        }
      } catch (Exception e) {
        LOG.warn("spark-sidecar: executor {} cannot report sidecar health to the driver: {}", executorId, e.toString());
      }
    }
  }

  /** Sends the last state synchronously (best effort) and stops the thread. */
  @Override
  public void close() {
    changes.add(STOP);
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Supervisor.Snapshot s = latest;
    if (s != null) {
      try {
        ctx.send(toReport.apply(s).toWire());
      } catch (Exception e) {
        LOG.debug("spark-sidecar: final report of executor {} not sent: {}", executorId, e.toString());
      }
    }
  }
}
