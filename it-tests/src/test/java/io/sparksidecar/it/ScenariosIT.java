package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import scala.Tuple2;

/**
 * The reference scenarios on a real cluster with the example images (images/build.sh), asserted
 * on real outputs; every test also checks that no container of its application is left.
 */
@Timeout(300)
class ScenariosIT {

  private static Map<String, String> dd() {
    return Map.of("spark.sidecar.image", TestImages.DD_CLI, "spark.sidecar.protocol", "v1", "spark.sidecar.runtime", "docker");
  }

  @Test
  void cliOnceCopiesAFileByteIdenticalWithItsLog() throws Exception {
    String appId;
    try (JavaSparkContext sc = LocalCluster.start("cli-once", dd())) {
      appId = sc.sc().applicationId();
      byte[] data = new byte[3 << 20];
      new Random(5).nextBytes(data);
      List<String> out = sc.parallelize(List.of(1), 1).map(i -> {
        try (Handoff h = Sidecars.get().newHandoff()) {
          h.writeInput("infile.csv", data).expectOutput("outfile.csv");
          h.run(Duration.ofSeconds(60));
          byte[] copy = h.readOutput("outfile.csv");
          return java.util.Arrays.equals(copy, data) + "|" + h.log();
        }
      }).collect();
      assertThat(out).singleElement().satisfies(r -> {
        assertThat(r).startsWith("true|");
        assertThat(r).contains("records in").contains("records out"); // dd's own report, from the container
      });
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  @Test
  void fourExecutorsEachProcessOneRowInTheirOwnSidecar(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    String appId;
    java.nio.file.Path saved = tmp.resolve("out");
    try (JavaSparkContext sc = LocalCluster.start("parallel", dd(), "local-cluster[4,1,1024]")) {
      appId = sc.sc().applicationId();
      var rows = sc.parallelize(List.of("apple,1", "banana,2", "cherry,3", "date,4"), 1).repartition(4);
      var done = rows.mapPartitions(part -> {
        List<String> out = new ArrayList<>();
        while (part.hasNext()) {
          String row = part.next();
          try (Handoff h = Sidecars.get().newHandoff()) {
            h.writeInput("infile.csv", (row + "\n").getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
            h.run(Duration.ofSeconds(60));
            out.add(new String(h.readOutput("outfile.csv"), StandardCharsets.UTF_8).trim() + "@" + Sidecars.get().executorId()
                + "@" + Sidecars.get().status().instanceId());
          }
        }
        return out.iterator();
      }).cache();
      List<String> results = done.collect();
      assertThat(results).hasSize(4);
      assertThat(results.stream().map(r -> r.substring(0, r.indexOf('@')))).containsExactlyInAnyOrder("apple,1", "banana,2",
          "cherry,3", "date,4");
      assertThat(results.stream().map(r -> r.split("@")[1]).distinct().count()).as("4 executors").isEqualTo(4);
      assertThat(results.stream().map(r -> r.split("@")[2]).distinct().count()).as("4 distinct sidecars").isEqualTo(4);
      assertThat(LocalCluster.containersOf(appId)).isEqualTo(4);
      done.map(r -> r.substring(0, r.indexOf('@'))).saveAsTextFile(saved.toString());
    }
    List<String> files = new ArrayList<>();
    try (var parts = java.nio.file.Files.list(saved)) {
      for (java.nio.file.Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
        files.addAll(java.nio.file.Files.readAllLines(p));
      }
    }
    assertThat(files).containsExactlyInAnyOrder("apple,1", "banana,2", "cherry,3", "date,4");
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  @Test
  void anUnchangedLegacyFlagImageServesHandOffsOneContainerEach() throws Exception {
    String appId;
    try (JavaSparkContext sc = LocalCluster.start("legacy", Map.of("spark.sidecar.image", TestImages.LEGACY_FLAGS,
        "spark.sidecar.protocol", "legacy", "spark.sidecar.runtime", "docker"), "local-cluster[1,1,1024]")) {
      appId = sc.sc().applicationId();
      List<String> out = sc.parallelize(List.of("first,1", "second,2"), 2).map(row -> {
        try (Handoff h = Sidecars.get().newHandoff()) {
          h.writeInput("infile.csv", (row + "\n").getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
          h.run(Duration.ofSeconds(60));
          return new String(h.readOutput("outfile.csv"), StandardCharsets.UTF_8).trim() + "|" + h.log().contains("legacy image");
        }
      }).collect();
      assertThat(out).containsExactly("first,1|true", "second,2|true");
      assertThat(SidecarDriverPlugin.registry().totalRestarts()).as("a fresh container per hand-off is no restart").isZero();
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  @Test
  void manyTasksShareOneSidecarConcurrently() throws Exception {
    String appId;
    Map<String, String> conf = new java.util.HashMap<>(dd());
    conf.put("spark.sidecar.agent.concurrency", "4");
    try (JavaSparkContext sc = LocalCluster.start("concurrent", conf, "local-cluster[1,4,2048]")) {
      appId = sc.sc().applicationId();
      List<String> out = sc.parallelize(IntStream.range(0, 32).boxed().toList(), 32).map(i -> {
        String payload = "row-" + i + "\n".repeat(1 + i % 3);
        try (Handoff h = Sidecars.get().newHandoff()) {
          h.writeInput("infile.csv", payload.getBytes(StandardCharsets.UTF_8));
          h.run(Duration.ofSeconds(60));
          String back = new String(h.readOutput("outfile.csv"), StandardCharsets.UTF_8);
          return back.equals(payload) ? Sidecars.get().executorId() : "WRONG " + back;
        }
      }).collect();
      assertThat(out).hasSize(32).allMatch(e -> !e.startsWith("WRONG"));
      assertThat(new java.util.HashSet<>(out)).as("one executor").hasSize(1);
      assertThat(LocalCluster.containersOf(appId)).as("one shared sidecar").isEqualTo(1);
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  @Test
  void fruitCountThroughSidecarsEqualsSparksOwnCount() throws Exception {
    String[] fruit = {"apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "Unknown"};
    List<String> lines = new ArrayList<>(1_000_000);
    Random random = new Random(11);
    for (int i = 0; i < 1_000_000; i++) {
      lines.add(fruit[random.nextInt(fruit.length)]);
    }
    String appId;
    try (JavaSparkContext sc = LocalCluster.start("fruit-count", Map.of("spark.sidecar.image", "spark-sidecar/fruit-count:1",
        "spark.sidecar.protocol", "v1", "spark.sidecar.runtime", "docker"))) {
      appId = sc.sc().applicationId();
      var words = sc.parallelize(lines, 8).cache();
      Map<String, Long> sidecar = words.mapPartitionsToPair(FruitCount::viaSidecar).reduceByKey(Long::sum).collectAsMap();
      JavaPairRDD<String, Long> spark = words.filter(w -> !w.equals("Unknown")).mapToPair(w -> new Tuple2<>(w, 1L));
      Map<String, Long> expected = spark.reduceByKey(Long::sum).collectAsMap();
      assertThat(sidecar).isEqualTo(expected).doesNotContainKey("Unknown").hasSize(7);
      assertThat(sidecar.values().stream().mapToLong(Long::longValue).sum()).isGreaterThan(800_000);
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  @Test
  void aSidecarKilledDuringATaskIsRestartedAndSparksRetryFinishesTheJob() throws Exception {
    String appId;
    Map<String, String> conf = Map.of("spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.runtime", "docker",
        "spark.sidecar.protocol", "v1", "spark.sidecar.command",
        "sh -c 'if [ -e in/die ] && [ ! -e $SIDECAR_VOLUME_SHARED/died ]; then touch $SIDECAR_VOLUME_SHARED/died; kill -TERM 1; sleep 5; fi; cat in/data > out/data'",
        "spark.sidecar.restart.backoff", "200ms", "spark.task.maxFailures", "4");
    try (JavaSparkContext sc = LocalCluster.start("failure", conf)) {
      appId = sc.sc().applicationId();
      List<String> out = sc.parallelize(List.of("a", "b", "c", "d"), 4).map(s -> {
        try (Handoff h = Sidecars.get().newHandoff()) {
          h.writeInput("data", s.getBytes(StandardCharsets.UTF_8));
          if (s.equals("c")) {
            h.writeInput("die", new byte[0]); // the sidecar's PID 1 is terminated during this hand-off, once
          }
          h.run(Duration.ofSeconds(60));
          return new String(h.readOutput("data"), StandardCharsets.UTF_8);
        } catch (HandoffException e) {
          throw new IllegalStateException("hand-off failed: " + e.getMessage(), e);
        }
      }).collect();
      assertThat(out).containsExactly("a", "b", "c", "d");
      long restarts = SidecarDriverPlugin.registry().totalRestarts();
      assertThat(restarts).as("the driver's registry shows the restart").isGreaterThanOrEqualTo(1);
      // the restarted executor's READY report may still be on its way: wait for it, bounded
      long deadline = System.currentTimeMillis() + 30_000;
      while (SidecarDriverPlugin.registry().count(Supervisor.State.READY, System.currentTimeMillis()) < 2) {
        assertThat(System.currentTimeMillis()).as("both sidecars READY again:%n%s", SidecarDriverPlugin.statusReport())
            .isLessThan(deadline);
        Thread.sleep(100);
      }
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  @Test
  void anExecutorWhoseSidecarFailsForGoodIsReplacedByOneWithAWorkingSidecar() throws Exception {
    String appId;
    // executor 0's sidecar exits with 3 a few seconds after it was ready; no restart is allowed
    Map<String, String> conf = Map.of("spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.runtime", "docker",
        "spark.sidecar.command", "sh -c 'if [ \"$SIDECAR_EXECUTOR_ID\" = 0 ]; then sleep 3; exit 3; fi; exec sleep 600'",
        "spark.sidecar.restart.maxRestarts", "0", "spark.sidecar.failurePolicy", "replaceExecutor");
    try (JavaSparkContext sc = LocalCluster.start("replace", conf)) {
      appId = sc.sc().applicationId();
      long deadline = System.currentTimeMillis() + 90_000;
      while (!replaced()) {
        assertThat(System.currentTimeMillis()).as("executor 0 replaced:%n%s", SidecarDriverPlugin.statusReport())
            .isLessThan(deadline);
        Thread.sleep(200);
      }
      assertThat(SidecarDriverPlugin.registry().entries(System.currentTimeMillis()))
          .anyMatch(e -> e.report().executorId().equals("0") && e.report().runtime().equals("docker")
              && e.report().snapshot().lastExitCode() == 3
              && e.report().snapshot().reason().contains("exited with 3 (gave up after 0 restart(s)"));
      while (sc.sc().getExecutorIds().mkString(",").matches("(.*,)?0(,.*)?")) {
        assertThat(System.currentTimeMillis()).as("executor 0 gone from the driver").isLessThan(deadline);
        Thread.sleep(200);
      }
      List<String> ran = sc.parallelize(List.of(1, 2, 3, 4), 4)
          .map(i -> Sidecars.get().executorId() + ":" + Sidecars.get().status().state()).distinct().collect();
      assertThat(ran).isNotEmpty().allMatch(r -> r.endsWith(":READY")).noneMatch(r -> r.startsWith("0:"));
      while (!LocalCluster.docker("ps", "-aq", "--filter", "label=io.sparksidecar.app=" + appId,
          "--filter", "label=io.sparksidecar.executor=0").isEmpty()) {
        assertThat(System.currentTimeMillis()).as("executor 0's container removed").isLessThan(deadline);
        Thread.sleep(200);
      }
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  /** A sidecar of an executor other than the first two is READY. */
  private static boolean replaced() {
    return SidecarDriverPlugin.registry().entries(System.currentTimeMillis()).stream()
        .anyMatch(e -> !List.of("0", "1").contains(e.report().executorId())
            && e.report().snapshot().state() == Supervisor.State.READY);
  }
}
