package io.sparksidecar.protocol;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Rewrites a heartbeat file ({@code <counter> <epoch millis>}, temporary name + rename) at a fixed
 * period on its own daemon thread until closed. Write failures are retried at the next beat; a
 * volume that vanished simply stops being beaten.
 */
public final class Heartbeat implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;

  private Heartbeat(Path file, Duration period, String name) {
    long periodMillis = period.toMillis();
    thread = new Thread(() -> {
      long counter = 0;
      while (running) {
        beat(file, ++counter);
        try {
          Thread.sleep(periodMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, name);
    thread.setDaemon(true);
  }

  /** Writes the first beat synchronously, then keeps beating in the background. */
  public static Heartbeat start(Path file, Duration period, String threadName) {
    beat(file, 0);
    Heartbeat hb = new Heartbeat(file, period, threadName);
    hb.thread.start();
    return hb;
  }

  private static void beat(Path file, long counter) {
    try {
      AtomicFiles.write(file, (counter + " " + System.currentTimeMillis() + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (java.io.IOException | RuntimeException e) {
      // the next beat tries again; a reader only sees an older heartbeat
    }
  }

  /** Stops beating; idempotent. Does not delete the file. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
