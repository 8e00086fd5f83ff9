package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the driver, with the event log on: every {@code interval} (a daemon thread), and when asked
 * ({@link #publish}: at the application's end and at the plugin's shutdown), posts the registry's rows
 * that changed since the last post as one {@link SidecarsHistoryEvent}; nothing when none changed. An
 * executor's row is posted again only when its report says something new (a heartbeat that repeats the
 * last one is not), so the event log grows with what happens, not with time or the number of
 * executors. {@link #publish} is thread-safe and never throws (a failed post is logged); {@link #close}
 * stops the thread after one last post and is idempotent.
 */
public final class HistoryPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryPublisher.class);

  private final SidecarRegistry registry;
  private final Consumer<SidecarsHistoryEvent> post;
  private final LongSupplier clock;
  private final Map<String, HealthReport> posted = new HashMap<>(); // what was posted of each row, but its send time
  private final Thread thread;
  private volatile boolean closed;

  /** {@code post}: the listener bus's {@code post}. Starts the thread when {@code interval} is positive. */
  public HistoryPublisher(SidecarRegistry registry, Consumer<SidecarsHistoryEvent> post, Duration interval, LongSupplier clock) {
    this.registry = registry;
    this.post = post;
    this.clock = clock;
    long ms = interval.toMillis();
    this.thread = ms <= 0 ? null : new Thread(() -> {
      while (!closed) {
        try {
          Thread.sleep(ms);
        } catch (InterruptedException e) {
          return;
        }
        publish();
      }
    }, "spark-sidecar-history");
    if (thread != null) {
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Posts the rows that changed since the last post, if any. Returns how many it posted. */
  public synchronized int publish() {
    try {
      long now = clock.getAsLong();
      SidecarsHistoryEvent e = new SidecarsHistoryEvent();
      e.atMillis = now;
      Map<String, HealthReport> changed = new HashMap<>();
      for (SidecarRegistry.Entry entry : registry.entries(now)) {
        HealthReport r = entry.report();
        HealthReport content = r.with(r.snapshot(), 0); // a heartbeat that says nothing new is not a change
        if (!content.equals(posted.get(r.executorId()))) {
          changed.put(r.executorId(), content);
          e.reports.add(r.toWire());
          e.receivedMillis.add(entry.receivedMillis());
        }
      }
      if (changed.isEmpty()) {
        return 0;
      }
      post.accept(e);
      posted.putAll(changed);
      return changed.size();
    } catch (RuntimeException e) {
      LOG.warn("spark-sidecar: cannot record the sidecars in the event log: {}", e.toString());
      return 0;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
    publish();
  }
}
