package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A volume speaking the legacy flag convention (PROTOCOL.md section 8): one hand-off at a time,
 * inputs/outputs/flags in the volume root. Hand-offs wait their turn in {@link #newHandoff}.
 */
public final class LegacyVolume implements Volume {

  /**
   * Prepares the volume before each hand-off. The default clears flags left by the previous
   * hand-off; a runtime supplies one that also waits for the previous agent to exit and starts a
   * fresh one (one hand-off per agent lifetime).
   */
  @FunctionalInterface
  public interface Cycle {
    void beforeHandoff(Path root) throws IOException;
  }

  /** Removes {@code start_flag}, {@code done_flag}, {@code close_flag} and {@code logfile}. */
  public static final Cycle CLEAR_FLAGS = root -> {
    for (String flag : new String[] {Protocol.START_FLAG, Protocol.DONE_FLAG, Protocol.CLOSE_FLAG, Protocol.LEGACY_LOG}) {
      Files.deleteIfExists(root.resolve(flag));
    }
  };

  private final Path root;
  private final VolumeOptions options;
  private final Cycle cycle;
  private final Semaphore turn = new Semaphore(1, true);
  private final AtomicLong counter = new AtomicLong();
  private final DirectoryWatcher watcher;
  private volatile boolean closed;

  public LegacyVolume(Path root, VolumeOptions options, Cycle cycle) {
    this.root = root.toAbsolutePath();
    this.options = options;
    this.cycle = cycle;
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new HandoffException("cannot prepare legacy volume " + root + ": " + e.getMessage(), e);
    }
    this.watcher = new DirectoryWatcher(this.root);
  }

  @Override
  public Handoff newHandoff() {
    return newHandoff("legacy-" + counter.incrementAndGet());
  }

  @Override
  public Handoff newHandoff(String requestId) {
    Names.checkId(requestId);
    if (closed) {
      throw new HandoffException("legacy volume " + root + " is closed; cannot create request " + requestId);
    }
    try {
      turn.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HandoffException("interrupted while waiting for the legacy volume " + root, e);
    }
    java.nio.channels.FileChannel lock = null;
    try {
      // other processes on this volume (Python workers of the same executor) take the same lock
      lock = java.nio.channels.FileChannel.open(root.resolve(Protocol.LEGACY_LOCK),
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
      lock.lock();
      cycle.beforeHandoff(root);
      java.nio.channels.FileChannel held = lock;
      return new LegacyHandoff(requestId, root, options, watcher, () -> {
        try {
          held.close(); // drops the lock
        } catch (IOException ignored) {
          // closing a lock file cannot lose data
        } finally {
          turn.release();
        }
      });
    } catch (IOException | RuntimeException e) {
      if (lock != null) {
        try {
          lock.close();
        } catch (IOException ignored) {
          // as above
        }
      }
      turn.release();
      throw new HandoffException("request " + requestId + ": cannot prepare legacy volume " + root + ": " + e.getMessage(),
          requestId, HandoffException.NO_EXIT_CODE, "", e);
    }
  }

  @Override
  public void awaitAgent(Duration timeout) {
    Liveness extra = options.extraLiveness();
    if (extra == null) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (extra.goneReason().isPresent()) {
      if (System.nanoTime() > deadline) {
        throw new HandoffException("legacy agent on " + root + " not alive within " + timeout.toMillis() + " ms: "
            + extra.goneReason().orElse("?"));
      }
      try {
        Thread.sleep(options.pollInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public Path root() {
    return root;
  }

  @Override
  public void close() {
    closed = true;
    watcher.close();
  }
}
