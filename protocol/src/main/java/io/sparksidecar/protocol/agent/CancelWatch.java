package io.sparksidecar.protocol.agent;

import java.util.List;

/**
 * One daemon thread per agent in worker mode that asks every {@link Worker} every period whether
 * its current request was cancelled ({@link Worker#checkCancel}); the slot threads meanwhile block
 * on their workers' output. It runs at a fixed period (50 ms) whether or not requests run, so a
 * request costs it nothing: no wake-up, no registration. {@link #close} stops it; idempotent.
 */
final class CancelWatch implements AutoCloseable {
  static final long PERIOD_MILLIS = 50;

  private final Thread thread;
  private volatile boolean running = true;

  CancelWatch(List<Worker> workers) {
    thread = new Thread(() -> {
      while (running) {
        try {
          Thread.sleep(PERIOD_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        long now = System.currentTimeMillis();
        for (Worker w : workers) {
          try {
            w.checkCancel(now);
          } catch (RuntimeException e) {
            System.err.println("sidecar-agent: cancel check of a worker failed: " + e);
          }
        }
      }
    }, "sidecar-agent-cancel-watch");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
