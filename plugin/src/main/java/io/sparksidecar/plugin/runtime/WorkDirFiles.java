package io.sparksidecar.plugin.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The files the plugin keeps in an executor's working directory, and their removal when the
 * executor stops cleanly. In a cluster that directory is Spark's own per-executor one; in local mode
 * it is the driver's working directory (the user's), so nothing must be left there that is not worth
 * keeping: the watchdog's pid list and the sh agent's copy are removed, empty directories and
 * empty logs too; a sidecar log with something in it stays (it is the sidecar's diagnostics, next
 * to the executor's own logs), except in local mode after a run in which the sidecar never failed:
 * there it holds only the agent's own start and stop lines, and it goes too. The names carry this
 * JVM's pid where two executors (two local-mode applications) could share a directory; while another one runs there (its pid list is there and its
 * JVM alive), only this JVM's own files are removed. Best effort: a failure to remove is not an error.
 */
public final class WorkDirFiles {
  private static final long PID = ProcessHandle.current().pid();

  private WorkDirFiles() {}

  /** Where this executor JVM lists its process sidecars' pids for the watchdog (one file per JVM). */
  public static Path pids(Path workDir) {
    return workDir.resolve("sidecar-pids-" + PID);
  }

  /** The log of {@code executorId}'s process sidecar (its agent and command write there). */
  public static Path sidecarLog(Path workDir, String executorId) {
    return workDir.resolve("sidecar-" + executorId + ".log");
  }

  /** The log of this executor's warm agent JVMs while they wait (a sidecar that takes one logs to its own). */
  public static Path warmAgentsLog(Path workDir) {
    return workDir.resolve("sidecar-warm-agents.log");
  }

  /** Where this executor JVM puts the copy of the sh agent its containers mount. */
  public static Path agentScript(Path workDir) {
    return workDir.resolve("sidecar-agent-" + PID + ".sh");
  }

  /**
   * At the executor's clean stop, after its sidecars stopped (the plugin's shutdown; blocks for a
   * few file operations; never throws): removes this JVM's pid list and agent copy, the volumes'
   * parent and the discovery directory when empty, and empty {@code sidecar-*.log} files (these three
   * only when no other live executor JVM shares the directory).
   */
  public static void tidy(Path workDir) {
    tidy(workDir, List.of());
  }

  /**
   * {@link #tidy(Path)}, and also removes {@code cleanLogs} (logs of this directory) whatever they hold,
   * when no other live executor JVM shares the directory: a local-mode executor's logs of sidecars
   * that never failed.
   */
  public static void tidy(Path workDir, List<Path> cleanLogs) {
    delete(pids(workDir));
    delete(agentScript(workDir));
    if (sharedWithALiveExecutor(workDir)) {
      return; // its sidecars may still log into an empty log of the same name, or be making their directories
    }
    deleteIfEmpty(workDir.resolve("sidecar-volumes"));
    deleteIfEmpty(workDir.resolve(".spark-sidecar"));
    for (Path log : cleanLogs) {
      if (workDir.equals(log.getParent()) && Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS)) {
        delete(log);
      }
    }
    try (DirectoryStream<Path> logs = Files.newDirectoryStream(workDir, "sidecar-*.log")) {
      for (Path log : logs) {
        if (Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS) && Files.size(log) == 0) {
          delete(log);
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort
    }
  }

  /** Another executor JVM that is still running keeps its pid list here (two local-mode applications in one directory). */
  private static boolean sharedWithALiveExecutor(Path workDir) {
    try (DirectoryStream<Path> lists = Files.newDirectoryStream(workDir, "sidecar-pids-*")) {
      for (Path list : lists) {
        String suffix = list.getFileName().toString().substring("sidecar-pids-".length());
        if (suffix.matches("\\d{1,18}") && Long.parseLong(suffix) != PID
            && ProcessHandle.of(Long.parseLong(suffix)).map(ProcessHandle::isAlive).orElse(false)) {
          return true;
        }
      }
    } catch (IOException | RuntimeException e) {
      return true; // cannot tell: keep what might be shared
    }
    return false;
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException | RuntimeException e) {
      // best effort (a directory that is not empty stays)
    }
  }

  private static void deleteIfEmpty(Path dir) {
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      delete(dir);
    }
  }
}
