package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Takes request directories off the hot path: {@link #dispose} renames one to a hidden
 * {@code requests/.trash-*} name (one syscall; agents ignore dot names) and a daemon thread deletes
 * it. {@link #close} finishes every pending deletion, so a closed volume leaves nothing behind.
 */
final class Janitor implements AutoCloseable {
  private static final Path STOP = Path.of("");
  private final BlockingQueue<Path> queue = new LinkedBlockingQueue<>();
  private final Thread thread;

  Janitor(String name) {
    thread = new Thread(this::loop, "sidecar-volume-janitor-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Makes {@code dir} disappear from its name at once and deletes it in the background. */
  void dispose(Path dir) {
    Path trash = dir.resolveSibling(".trash-" + dir.getFileName() + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
    try {
      Files.move(dir, trash);
      queue.add(trash);
    } catch (NoSuchFileException gone) {
      // nothing to do
    } catch (IOException e) {
      AtomicFiles.deleteQuietly(dir);
    }
  }

  private void loop() {
    while (true) {
      Path next;
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (next == STOP) {
        return;
      }
      AtomicFiles.deleteQuietly(next);
    }
  }

  /** Deletes everything still queued, on the calling thread, and stops. Idempotent. */
  @Override
  public void close() {
    queue.add(STOP);
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Path p = queue.poll(); p != null; p = queue.poll()) {
      if (p != STOP) {
        AtomicFiles.deleteQuietly(p);
      }
    }
  }
}
