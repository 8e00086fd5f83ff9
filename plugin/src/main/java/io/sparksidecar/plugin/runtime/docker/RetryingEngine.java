package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Engine} that retries calls which failed for a transient cause ({@link EngineFailures}):
 * up to {@code retries} more attempts, waiting {@code backoff}, then twice as long each time. A
 * permanent failure is thrown at once. {@code ping} is never retried (it answers "is there an
 * engine?", and no engine must be noticed at once). A retried {@code create} first force-removes a
 * container of the same name that a timed-out attempt may have left. Blocks the calling thread
 * while it waits; an interrupt ends the retries with the last failure.
 */
final class RetryingEngine implements Engine {
  private static final Logger LOG = LoggerFactory.getLogger(RetryingEngine.class);

  private final Engine engine;
  private final int retries;
  private final Duration backoff;

  RetryingEngine(Engine engine, int retries, Duration backoff) {
    this.engine = engine;
    this.retries = retries;
    this.backoff = backoff;
  }

  private <T> T retry(String what, Runnable beforeRetry, Supplier<T> call) {
    SidecarException last = null;
    for (int attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        LOG.warn("spark-sidecar: engine call '{}' failed for a transient cause (attempt {} of {}), retrying: {}", what,
            attempt, retries + 1, last.getMessage());
        try {
          Thread.sleep(backoff.toMillis() << Math.min(attempt - 1, 10));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw last;
        }
        try {
          beforeRetry.run();
        } catch (RuntimeException ignored) {
          // best effort; the retried call says what is wrong
        }
      }
      try {
        return call.get();
      } catch (SidecarException e) {
        if (e.isPermanent()) {
          throw e;
        }
        last = e;
      }
    }
    throw retries == 0 ? last
        : new SidecarException(last.getMessage() + " (a transient failure; tried " + (retries + 1) + " times)", last);
  }

  private void retryVoid(String what, Runnable call) {
    retry(what, () -> { }, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public String client() {
    return engine.client();
  }

  @Override
  public void ping() {
    engine.ping();
  }

  @Override
  public Optional<String> imageUser(String image) {
    return retry("inspect image " + image, () -> { }, () -> engine.imageUser(image));
  }

  @Override
  public String create(ContainerSpec spec) {
    return retry("create " + spec.name(), () -> engine.remove(spec.name()), () -> engine.create(spec));
  }

  @Override
  public void start(String id) {
    retryVoid("start " + id, () -> engine.start(id));
  }

  @Override
  public Optional<ContainerState> inspect(String id) {
    return retry("inspect " + id, () -> { }, () -> engine.inspect(id));
  }

  @Override
  public String logTail(String id, int lines) {
    return engine.logTail(id, lines);
  }

  @Override
  public boolean stop(String id, Duration grace) {
    return retry("stop " + id, () -> { }, () -> engine.stop(id, grace));
  }

  @Override
  public boolean remove(String id) {
    return retry("remove " + id, () -> { }, () -> engine.remove(id));
  }

  @Override
  public List<Listed> list(String key, String value) {
    return retry("list " + key + "=" + value, () -> { }, () -> engine.list(key, value));
  }

  @Override
  public void close() {
    engine.close();
  }
}
