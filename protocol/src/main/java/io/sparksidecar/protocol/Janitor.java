package io.sparksidecar.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Takes request directories off the hot path: {@link #dispose} renames one to a hidden
 * {@code requests/.trash-*} name (one syscall; agents ignore dot names) and a daemon thread deletes
 * it. {@link #close} finishes every pending deletion, so a closed volume leaves nothing behind.
 * A deletion that fails (whatever it throws, even an {@link Error}) is logged and skipped: the
 * thread goes on with the next one, and what was left stays in {@code requests/.trash-*}.
 */
final class Janitor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Janitor.class.getName());
  private static final Trash STOP = new Trash(Path.of(""), List.of());
  private final BlockingQueue<Trash> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Consumer<Trash> deleter;

  Janitor(String name) {
    this(name, Janitor::delete);
  }

  /** With another way to delete one directory (tests inject failures here). */
  Janitor(String name, Consumer<Trash> deleter) {
    this.deleter = deleter;
    thread = new Thread(this::loop, "sidecar-volume-janitor-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** A request directory and the names the client knows are in it. */
  record Trash(Path dir, List<String> known) {}

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
      deleteSafely(next);
    }
  }

  /** One deletion that never throws: the janitor must outlive any single bad directory. */
  private void deleteSafely(Trash t) {
    try {
      deleter.accept(t);
    } catch (Throwable e) { // NOPMD: even an Error from one directory must not stop the cleanup of the others
      LOG.log(System.Logger.Level.WARNING, "cannot delete the request directory " + t.dir() + "; left in place", e);
    }
  }

  /** Unlinks the known names, then walks whatever is left. Throws if the walk fails. */
  static void delete(Trash t) {
    try {
      for (String name : t.known()) {
        Files.deleteIfExists(t.dir().resolve(name)); // unlink or rmdir; never follows a link
      }
      Files.delete(t.dir());
    } catch (IOException e) {
      try {
        AtomicFiles.deleteRecursively(t.dir()); // something unexpected is left: walk it
      } catch (IOException walk) {
        throw new UncheckedIOException(walk);
      }
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
        deleteSafely(t);
      }
    }
  }
}
