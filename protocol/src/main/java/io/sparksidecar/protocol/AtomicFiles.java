package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/** Temporary-name-then-rename writes and link-safe recursive deletes. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** A hidden sibling of {@code target} to write before {@link #publish}. */
  public static Path tempSibling(Path target) {
    return target.resolveSibling("." + target.getFileName() + ".tmp."
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
  }

  /** Renames {@code temp} onto {@code target} atomically (rename(2)). */
  public static void publish(Path temp, Path target) throws IOException {
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Writes {@code data} to a temporary sibling and renames it onto {@code target}. */
  public static void write(Path target, byte[] data) throws IOException {
    write(target, tempSibling(target), data);
  }

  /** Writes {@code data} to {@code temp} (hidden, on the same file system) and renames it onto {@code target}. */
  public static void write(Path target, Path temp, byte[] data) throws IOException {
    try {
      Files.write(temp, data);
      publish(temp, target);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** How many walks {@link #deleteRecursively} makes before it gives up on a directory that keeps refilling. */
  static final int DELETE_PASSES = 16;

  /**
   * Deletes {@code path} and everything below it without ever following a symbolic link. Runs on
   * the calling thread and blocks for the walk. A concurrent writer that adds entries while the walk
   * runs makes a directory's removal fail; the walk is then repeated, at most {@value #DELETE_PASSES}
   * times in all (iteratively: the stack does not grow with the number of races). Outcomes: returns
   * when {@code path} no longer exists (also when it never did); throws an {@link IOException}
   * naming {@code path} when an entry cannot be deleted, or when something still refilled it after
   * the last pass. What was deleted stays deleted.
   */
  public static void deleteRecursively(Path path) throws IOException {
    deleteRecursively(path, AtomicFiles::deleteOnce);
  }

  /** One walk over a tree: deletes what it finds; false when a directory was refilled meanwhile. */
  @FunctionalInterface
  interface Pass {
    boolean delete(Path path) throws IOException;
  }

  /** {@link #deleteRecursively(Path)} with the walk given (tests substitute one that always races). */
  static void deleteRecursively(Path path, Pass pass) throws IOException {
    for (int n = 1; n <= DELETE_PASSES; n++) {
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || pass.delete(path)) {
        return;
      }
    }
    throw new IOException("cannot delete " + path + ": something kept adding entries to it through "
        + DELETE_PASSES + " passes");
  }

  /** One walk; false when a directory gained entries while it was walked (the caller walks again). */
  private static boolean deleteOnce(Path path) throws IOException {
    boolean[] raced = {false};
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        try {
          Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException refilled) {
          raced[0] = true; // a concurrent writer added an entry: the next pass takes it
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return !raced[0];
  }

  /** {@link #deleteRecursively} that reports nothing; for best-effort cleanup paths. */
  public static void deleteQuietly(Path path) {
    try {
      deleteRecursively(path);
    } catch (IOException | RuntimeException ignored) {
      // best effort: the caller is already cleaning up after a failure or a close
    }
  }
}
