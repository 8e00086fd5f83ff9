package io.sparksidecar.plugin.runtime.docker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a YARN NodeManager does to a container, for tests on plain processes: a stand-in executor
 * JVM is started as the leader of its own session and process group ({@code setsid}), and the
 * whole group is killed with TERM, then KILL 250 ms later.
 */
public final class GroupKill {
  private GroupKill() {}

  /**
   * Starts {@code main} of {@code mainClass} in {@code dir} (its "container directory") as the leader
   * of a new process group; its output goes to {@code log}.
   */
  public static Process startGroupLeader(Path dir, Path log, Class<?> mainClass, String... args) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> argv = new ArrayList<>(List.of("setsid", java.toString(), "-cp", System.getProperty("java.class.path"),
        mainClass.getName()));
    argv.addAll(List.of(args));
    return new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
  }

  /** TERM to the whole group, then KILL 250 ms later, as a NodeManager stops a container. */
  public static void killGroup(long pgid) throws Exception {
    new ProcessBuilder("kill", "-TERM", "--", "-" + pgid).inheritIO().start().waitFor();
    Thread.sleep(250);
    new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(); // may be gone already
  }

  /** Deletes a directory tree, as YARN deletes a container's directory once it is killed. */
  public static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Process group of {@code pid} (field 5 of /proc/pid/stat), or -1. */
  public static long pgid(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(") ") + 2).split(" ")[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Live watchdog processes of the owner with this pid: its sh guard ({@code sidecar-watchdog <pid>})
   * or its cleanup JVM (owner id {@code host/<pid>/start}).
   */
  public static List<Long> watchdogsOf(long ownerPid) {
    List<Long> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String[] cmd;
        try {
          String stat = Files.readString(p.resolve("stat"));
          if (stat.substring(stat.lastIndexOf(") ") + 2).startsWith("Z")) {
            continue; // a zombie is gone
          }
          cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
        } catch (IOException e) {
          continue;
        }
        List<String> args = List.of(cmd);
        int g = args.indexOf("sidecar-watchdog");
        boolean guard = g >= 0 && g + 1 < args.size() && args.get(g + 1).equals(String.valueOf(ownerPid));
        int w = args.indexOf(Watchdog.class.getName());
        boolean jvm = w >= 0 && w + 1 < args.size() && args.get(w + 1).contains("/" + ownerPid + "/");
        if (guard || jvm) {
          found.add(Long.parseLong(name));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return found;
  }
}
