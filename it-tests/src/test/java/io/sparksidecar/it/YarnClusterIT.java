package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin on YARN: a real in-process MiniYARNCluster whose NodeManager runs the executors as
 * YARN containers, the docker runtime and the test images (images/build.sh). Spark 3.5.6 (the
 * newest spark-yarn here) with the plugin jar built against 4.1.1; mvn -Pyarn (see it-tests/pom.xml).
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterIT {
  @TempDir
  static Path work;
  private static YarnCluster yarn;
  private static final List<String> apps = new ArrayList<>();

  @BeforeAll
  static void startYarn() throws Exception {
    long t0 = System.currentTimeMillis();
    yarn = new YarnCluster(work);
    System.out.printf("MiniYARNCluster up in %d ms%n", System.currentTimeMillis() - t0);
  }

  @AfterAll
  static void stopYarn() throws Exception {
    try {
      for (String app : apps) {
        LocalCluster.awaitNoContainers(app, 30_000);
      }
    } finally {
      for (String app : apps) { // whatever happened: leave no container behind
        String ids = LocalCluster.docker("ps", "-aq", "--filter", "label=io.sparksidecar.app=" + app);
        if (!ids.isBlank()) {
          LocalCluster.docker(Stream.concat(Stream.of("rm", "-f"), Stream.of(ids.split("\\s+"))).toArray(String[]::new));
        }
      }
      if (yarn != null) {
        yarn.close();
      }
    }
  }

  private static JavaSparkContext start(String name, int executors, Map<String, String> sidecar) {
    long t0 = System.currentTimeMillis();
    JavaSparkContext sc = yarn.start(name, executors, sidecar);
    apps.add(sc.sc().applicationId());
    System.out.printf("%s: %s on YARN with %d executor(s) in %d ms%n", name, sc.sc().applicationId(), executors,
        System.currentTimeMillis() - t0);
    return sc;
  }

  /**
   * (a) a server sidecar answers /hello from tasks on each executor; (c) an executor whose YARN
   * container the NodeManager kills (sc.killExecutor: TERM then KILL to the container's process
   * group) leaves neither its sidecar container nor its watchdog behind, and the other executor's
   * sidecar stays.
   */
  @Test
  @Order(1)
  void serverSidecarsAnswerAndAKilledContainersSidecarAndWatchdogAreGone() throws Exception {
    String appId;
    try (JavaSparkContext sc = start("yarn-server", 2, Map.of("spark.sidecar.runtime", "docker",
        "spark.sidecar.image", TestImages.HELLO_SERVER, "spark.sidecar.ports", "1234", "spark.sidecar.readiness", "http",
        "spark.sidecar.readiness.path", "/hello"))) {
      appId = sc.sc().applicationId();
      String where = YarnTasks.workDir(sc);
      assertThat(where).as("tasks run in a YARN container").contains("container_").endsWith(" true");

      List<String> answers = YarnTasks.hello(sc, 8);
      assertThat(answers).hasSize(8).allMatch(a -> a.endsWith(" Hello World"));
      Map<String, Long> pids = new java.util.TreeMap<>();
      answers.forEach(a -> pids.put(a.split(" ")[0], Long.parseLong(a.split(" ")[1])));
      assertThat(pids).as("two executors").hasSize(2);
      assertThat(LocalCluster.containersOf(appId)).as("one sidecar per executor").isEqualTo(2);

      String victim = pids.keySet().iterator().next();
      long pid = pids.get(victim);
      String survivor = pids.keySet().stream().filter(e -> !e.equals(victim)).findFirst().orElseThrow();
      List<String> sidecar = containersOf(appId, victim);
      assertThat(sidecar).as("executor %s's sidecar", victim).hasSize(1);
      List<Long> watchdog = Watchdogs.of(pid);
      assertThat(watchdog).as("executor %s's watchdog", victim).hasSize(1);
      assertThat(Watchdogs.sessionOf(watchdog.get(0))).as("the watchdog has its own session")
          .isNotEqualTo(Watchdogs.sessionOf(pid));

      long t0 = System.currentTimeMillis();
      assertThat(sc.sc().killExecutor(victim)).as("Spark asked YARN to kill executor %s", victim).isTrue();
      long executorGone = -1;
      long sidecarGone = -1;
      long watchdogGone = -1;
      while (executorGone < 0 || sidecarGone < 0 || watchdogGone < 0) {
        long t = System.currentTimeMillis() - t0;
        if (executorGone < 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          executorGone = t;
        }
        if (sidecarGone < 0 && containersOf(appId, victim).isEmpty()) {
          sidecarGone = t;
        }
        if (watchdogGone < 0 && Watchdogs.of(pid).isEmpty()) {
          watchdogGone = t;
        }
        // Spark -> ApplicationMaster -> ResourceManager -> NodeManager takes a few heartbeats; then the
        // NodeManager kills the container's process group, and the sidecar must follow within 10 s
        assertThat(t).as("executor JVM gone within 30 s of killExecutor (executor %d ms, sidecar %d ms, watchdog %d ms)",
            executorGone, sidecarGone, watchdogGone).isLessThan(executorGone < 0 ? 30_000 : executorGone + 10_000);
        Thread.sleep(50);
      }
      String log = Files.readString(Watchdogs.logOf(appId, victim, pid));
      System.out.printf("YARN killed executor %s's container: after killExecutor, the executor JVM was gone after %d ms, its"
          + " sidecar container after %d ms (%d ms after the JVM), its watchdog after %d ms (%d ms after the JVM)%n"
          + "watchdog log:%n%s", victim, executorGone, sidecarGone, sidecarGone - executorGone, watchdogGone,
          watchdogGone - executorGone, log);
      assertThat(sidecarGone - executorGone).as("sidecar gone within 10 s of the container kill").isLessThan(10_000);
      assertThat(watchdogGone - executorGone).as("watchdog gone within 10 s of the container kill").isLessThan(10_000);
      assertThat(log).contains("in its own session").contains("is gone; removed");
      assertThat(containersOf(appId, survivor)).as("executor %s's sidecar stays", survivor).hasSize(1);
      assertThat(YarnTasks.hello(sc, 2)).as("the other executor still serves").allMatch(a -> a.startsWith(survivor + " "));
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  /** (b) a CLI sidecar run once: a file in, dd copies it, the file and dd's log come back. */
  @Test
  @Order(2)
  void aCliSidecarCopiesAFileWithItsLog() throws Exception {
    String appId;
    try (JavaSparkContext sc = start("yarn-cli", 1, Map.of("spark.sidecar.runtime", "docker",
        "spark.sidecar.image", TestImages.DD_CLI, "spark.sidecar.protocol", "v1"))) {
      appId = sc.sc().applicationId();
      byte[] data = new byte[1 << 20];
      new Random(8).nextBytes(data);
      String r = YarnTasks.ddOnce(sc, data);
      assertThat(r).startsWith("true ").contains("records in").contains("records out");
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  private static List<String> containersOf(String appId, String executorId) {
    String out = LocalCluster.docker("ps", "-aq", "--filter", "label=io.sparksidecar.app=" + appId, "--filter",
        "label=io.sparksidecar.executor=" + executorId);
    return out.isBlank() ? List.of() : List.of(out.split("\\s+"));
  }

  /** Watchdog processes seen from the outside (/proc), and their logs. */
  static final class Watchdogs {
    /** Live processes of the watchdog of the executor with this pid: its sh loop or its cleanup JVM. */
    static List<Long> of(long ownerPid) throws Exception {
      List<Long> found = new ArrayList<>();
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path p : (Iterable<Path>) procs::iterator) {
          String name = p.getFileName().toString();
          if (!name.chars().allMatch(Character::isDigit)) {
            continue;
          }
          List<String> args;
          try {
            String stat = Files.readString(p.resolve("stat"));
            if (stat.substring(stat.lastIndexOf(") ") + 2).startsWith("Z")) {
              continue;
            }
            args = List.of(new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0"));
          } catch (java.io.IOException e) {
            continue;
          }
          int g = args.indexOf("sidecar-watchdog");
          int w = args.indexOf("io.sparksidecar.plugin.runtime.docker.Watchdog");
          if ((g >= 0 && g + 1 < args.size() && args.get(g + 1).equals(String.valueOf(ownerPid)))
              || (w >= 0 && w + 1 < args.size() && args.get(w + 1).contains("/" + ownerPid + "/"))) {
            found.add(Long.parseLong(name));
          }
        }
      }
      return found;
    }

    /** Session id (field 6 of /proc/pid/stat). */
    static long sessionOf(long pid) throws Exception {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(") ") + 2).split(" ")[3]);
    }

    /** The watchdog's log: {@code <tmp>/spark-sidecar-<user>/watchdog-<app>-<executor>-<pid>.log}. */
    static Path logOf(String appId, String executorId, long pid) {
      return Path.of(System.getProperty("java.io.tmpdir"), "spark-sidecar-" + System.getProperty("user.name"),
          "watchdog-" + appId + "-" + executorId + "-" + pid + ".log");
    }
  }
}
