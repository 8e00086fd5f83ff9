package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Takes request directories off the hot path: {@link #dispose} renames one to a hidden
 * {@code requests/.trash-*} name (one syscall; agents ignore dot names) and a daemon thread deletes
 * it. {@link #close} finishes every pending deletion, so a closed volume leaves nothing behind.
 */
final class Janitor implements AutoCloseable {
  private static final Trash STOP = new Trash(Path.of(""), List.of());
  private final BlockingQueue<Trash> queue = new LinkedBlockingQueue<>();
  private final Thread thread;

  Janitor(String name) {
    thread = new Thread(this::loop, "sidecar-volume-janitor-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** A request directory and the names the client knows are in it. */
  private record Trash(Path dir, List<String> known) {}

  /**
   * Makes {@code dir} disappear from its name at once and deletes it in the background, first by
   * the names it is known to hold (no listing, no stat), then by a walk if anything is left.
   */
  void dispose(Path dir, List<String> known) {
    Path trash = dir.resolveSibling(".trash-" + dir.getFileName() + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
    try {
      Files.move(dir, trash);
      queue.add(new Trash(trash, known));
    } catch (NoSuchFileException gone) {
      // nothing to do
    } catch (IOException e) {
      AtomicFiles.deleteQuietly(dir);
    }
  }

  private void loop() {
    while (true) {
      Trash next;
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (next == STOP) {
        return;
      }
      delete(next);
    }
  }

  private static void delete(Trash t) {
    try {
      for (String name : t.known()) {
        Files.deleteIfExists(t.dir().resolve(name)); // unlink or rmdir; never follows a link
      }
      Files.delete(t.dir());
    } catch (IOException e) {
      AtomicFiles.deleteQuietly(t.dir()); // something unexpected is left: walk it
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
    for (Trash t = queue.poll(); t != null; t = queue.poll()) {
      if (t != STOP) {
        delete(t);
      }
    }
  }
}
