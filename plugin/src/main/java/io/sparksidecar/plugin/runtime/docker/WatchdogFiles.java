package io.sparksidecar.plugin.runtime.docker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Where a {@link Watchdog} keeps its files: {@code <tmp>/spark-sidecar-<user>/watchdog-<app>-<executor>-<pid>.*}
 * ({@code .log}, {@code .pids}: the process runtime's pid list, {@code .dirs}: directories to delete
 * once the owner is gone), outside the executor's working directory, which YARN deletes. All methods
 * block only for local file I/O and may be called from any thread.
 */
final class WatchdogFiles {
  static final String LOG_PREFIX = "watchdog-";
  private static final Duration KEEP_LOGS = Duration.ofDays(7);

  /** The watchdog log of this owner, created 0600 (see the class comment for where). */
  static File logFile(String appId, String executorId, long pid) throws IOException {
    Path dir = stateDir();
    if (dir == null) {
      return new File("sidecar-watchdog.log").getAbsoluteFile();
    }
    Path log = dir.resolve(baseName(appId, executorId, pid) + ".log");
    try {
      Files.createFile(log, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE)));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(log + " exists and is not a regular file");
      }
    }
    return log.toFile();
  }

  static String baseName(String appId, String executorId, long pid) {
    return LOG_PREFIX + safe(appId) + "-" + safe(executorId) + "-" + pid;
  }

  private static String safe(String s) {
    String t = (s == null || s.isEmpty() ? "unknown" : s).replaceAll("[^A-Za-z0-9._]", "_");
    return t.length() > 80 ? t.substring(0, 80) : t;
  }

  /**
   * {@code <tmp>/spark-sidecar-<user>}: created 0700, or checked to be a directory (not a link)
   * owned by this user that nobody else may write; null when there is no such directory.
   */
  static Path stateDir() {
    Path cwd = Path.of("").toAbsolutePath().normalize();
    List<String> candidates = new ArrayList<>();
    candidates.add(System.getenv("TMPDIR"));
    candidates.add(System.getProperty("java.io.tmpdir"));
    candidates.add("/tmp");
    String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
    for (String c : candidates) {
      if (c == null || c.isBlank()) {
        continue;
      }
      Path base = Path.of(c).toAbsolutePath().normalize();
      if (base.startsWith(cwd) || !Files.isDirectory(base)) {
        continue; // inside the executor's working directory, which YARN deletes
      }
      Path dir = base.resolve("spark-sidecar-" + user);
      try {
        try {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // checked below
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        boolean mine = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
            && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))
            && !perms.contains(PosixFilePermission.GROUP_WRITE) && !perms.contains(PosixFilePermission.OTHERS_WRITE);
        if (!mine) {
          System.err.println("spark-sidecar: " + dir + " is not a private directory of this user; the watchdog does not use it");
          continue;
        }
        prune(dir);
        return dir;
      } catch (IOException | UnsupportedOperationException e) {
        // not usable: try the next one
      }
    }
    return null;
  }

  /** Removes watchdog files of this directory not touched for {@link #KEEP_LOGS}. */
  private static void prune(Path dir) {
    FileTime old = FileTime.from(Instant.now().minus(KEEP_LOGS));
    try (var files = Files.newDirectoryStream(dir, LOG_PREFIX + "*")) {
      for (Path f : files) {
        try {
          if (Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).compareTo(old) < 0) {
            Files.deleteIfExists(f);
          }
        } catch (IOException e) {
          // someone else's race: leave it
        }
      }
    } catch (IOException e) {
      // best effort
    }
  }

  /**
   * The file listing directories for the watchdog of {@code owner} (this JVM) to delete once the
   * owner is gone, or null when there is no private state directory. One per JVM, whatever
   * executor id registers (session sidecars have their own), since one watchdog serves the JVM.
   */
  static Path dirsFile(Owner owner) {
    Path dir = stateDir();
    return dir == null ? null : dir.resolve(LOG_PREFIX + "dirs-" + owner.pid() + "-" + owner.startMillis() + ".dirs");
  }

  /** Appends {@code dir} to {@code list} (one absolute path per line, created 0600). */
  static synchronized void appendDir(Path list, Path dir) throws IOException {
    if (!Files.exists(list, LinkOption.NOFOLLOW_LINKS)) {
      Files.createFile(list, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE)));
    }
    Files.writeString(list, line(dir), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  /** Removes {@code dir} from {@code list}; deletes the list when nothing is left in it. */
  static synchronized void removeDir(Path list, Path dir) throws IOException {
    if (!Files.exists(list, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    String me = line(dir);
    StringBuilder rest = new StringBuilder();
    for (String l : Files.readAllLines(list, StandardCharsets.UTF_8)) {
      if (!l.isBlank() && !(l + "\n").equals(me)) {
        rest.append(l).append('\n');
      }
    }
    if (rest.length() == 0) {
      Files.deleteIfExists(list);
    } else {
      Files.writeString(list, rest, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }
  }

  private static String line(Path dir) {
    return dir.toAbsolutePath().normalize() + "\n";
  }

  private WatchdogFiles() {}
}
