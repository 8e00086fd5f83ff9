package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
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
    Path temp = tempSibling(target);
    try {
      Files.write(temp, data);
      publish(temp, target);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** Deletes {@code path} and everything below it without ever following a symbolic link. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
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
        try {
          Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException raced) {
          // a concurrent writer added a file; one more pass
          deleteRecursively(dir);
        }
        return FileVisitResult.CONTINUE;
      }
    });
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
