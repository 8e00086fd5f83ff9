package io.sparksidecar.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
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
      if (!deleteKnown(t)) {
        throw new IOException("not only the known names");
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

  /**
   * Deletes the known names ({@code name} or {@code sub/name}, deepest first) relative to open
   * directory handles that never follow a link: a command that replaced {@code in/} or
   * {@code out/} by a symbolic link cannot make the client delete anything outside the volume.
   * False when the file system offers no such handles (the caller walks instead).
   */
  private static boolean deleteKnown(Trash t) throws IOException {
    try (DirectoryStream<Path> top = Files.newDirectoryStream(t.dir())) {
      if (!(top instanceof SecureDirectoryStream<Path> dir)) {
        return false;
      }
      SecureDirectoryStream<Path> sub = null;
      String subName = null;
      try {
        for (String name : t.known()) {
          int slash = name.indexOf('/');
          if (slash < 0) {
            deleteEntry(dir, name);
            continue;
          }
          String parent = name.substring(0, slash);
          if (!parent.equals(subName)) {
            if (sub != null) {
              sub.close();
              sub = null;
            }
            subName = parent;
            try {
              sub = dir.newDirectoryStream(Path.of(parent), LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
              continue;
            }
          }
          if (sub != null) {
            try {
              sub.deleteFile(Path.of(name.substring(slash + 1)));
            } catch (NoSuchFileException gone) {
              // fine
            }
          }
        }
      } finally {
        if (sub != null) {
          sub.close();
        }
      }
      return true;
    }
  }

  private static void deleteEntry(SecureDirectoryStream<Path> dir, String name) throws IOException {
    Path p = Path.of(name);
    BasicFileAttributes attrs;
    try {
      attrs = dir.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    } catch (NoSuchFileException gone) {
      return;
    }
    try {
      if (attrs.isDirectory()) {
        dir.deleteDirectory(p);
      } else {
        dir.deleteFile(p);
      }
    } catch (NoSuchFileException gone) {
      // fine
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
