package io.sparksidecar.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fault injection from the outside, as an operator or the kernel would do it: the processes and
 * containers of one application, found by their command line and labels, and signals sent to them.
 */
final class Faults {
  private Faults() {}

  /** An executor JVM of an application: its Spark executor id and pid. */
  record Executor(String id, long pid) {}

  /**
   * The live executor JVMs of {@code appId} on this host ({@code CoarseGrainedExecutorBackend}
   * processes whose command line holds the app id), ordered by executor id.
   */
  static List<Executor> executors(String appId) {
    List<Executor> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs::iterator) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        List<String> argv = cmdline(proc);
        if (!argv.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend") || !argv.contains(appId)) {
          continue;
        }
        int i = argv.indexOf("--executor-id");
        if (i >= 0 && i + 1 < argv.size() && state(proc) != 'Z') {
          found.add(new Executor(argv.get(i + 1), Long.parseLong(name)));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    found.sort(Comparator.comparingInt((Executor e) -> e.id().length()).thenComparing(Executor::id));
    return found;
  }

  private static List<String> cmdline(Path proc) {
    try {
      String raw = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
      return Arrays.asList(raw.split("\0"));
    } catch (IOException e) {
      return List.of(); // gone meanwhile
    }
  }

  private static char state(Path proc) {
    try {
      String stat = Files.readString(proc.resolve("stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException | RuntimeException e) {
      return 'Z';
    }
  }

  /** Sends {@code signal} (KILL, STOP, CONT) to {@code pid} with kill(1); true when it was delivered. */
  static boolean signal(long pid, String signal) {
    return run("kill", "-" + signal, String.valueOf(pid)) == 0;
  }

  /** The running containers of {@code appId} (label io.sparksidecar.app) by executor id (label io.sparksidecar.executor). */
  static java.util.SortedMap<String, String> runningContainers(String appId) {
    String out = LocalCluster.docker("ps", "--no-trunc", "--filter", "label=io.sparksidecar.app=" + appId,
        "--filter", "status=running", "--format", "{{.Label \"io.sparksidecar.executor\"}} {{.ID}}");
    java.util.SortedMap<String, String> byExecutor = new java.util.TreeMap<>();
    for (String line : out.isEmpty() ? new String[0] : out.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length == 2) {
        byExecutor.put(f[0], f[1]);
      }
    }
    return byExecutor;
  }

  /** {@code docker kill -s KILL id}; true when the engine killed it (false when it was not running any more). */
  static boolean killContainer(String id) {
    return run("docker", "kill", "-s", "KILL", id) == 0;
  }

  private static int run(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", argv), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
