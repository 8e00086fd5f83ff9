package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.Sidecars;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The plugin on a standalone cluster of separate Master and Worker JVMs, and an executor killed with SIGKILL. */
@Timeout(300)
class StandaloneClusterIT {

  @Test
  void serverSidecarsAndASigkilledExecutorLeavesNoContainer(@TempDir Path dir) throws Exception {
    try (StandaloneCluster cluster = StandaloneCluster.start(dir, 2)) {
      String appId;
      try (JavaSparkContext sc = LocalCluster.start("standalone", Map.of("spark.sidecar.image", TestImages.HELLO_SERVER,
          "spark.sidecar.ports", "1234", "spark.sidecar.readiness", "http", "spark.sidecar.readiness.path", "/hello",
          "spark.executor.cores", "1", "spark.cores.max", "2"), cluster.url)) {
        appId = sc.sc().applicationId();
        // both executors ready and idle, and every task holds its executor's only core for 1 s:
        // the scheduler's first round of offers gives each executor a task (no luck involved)
        long deadline = System.currentTimeMillis() + 60_000;
        while (SidecarDriverPlugin.registry().count(io.sparksidecar.plugin.runtime.Supervisor.State.READY,
            System.currentTimeMillis()) < 2) {
          assertThat(System.currentTimeMillis()).as("two READY sidecars:\n%s", SidecarDriverPlugin.statusReport())
              .isLessThan(deadline);
          Thread.sleep(100);
        }
        List<String> answers = sc.parallelize(IntStream.range(0, 4).boxed().toList(), 4)
            .map(i -> {
              Thread.sleep(1000);
              return Sidecars.get().executorId() + "|" + ProcessHandle.current().pid() + "|"
                  + SidecarClusterIT.get(Sidecars.get().url(1234, "/hello"));
            })
            .collect();
        assertThat(answers).allMatch(a -> a.endsWith("|Hello World"));
        List<String> executors = answers.stream().map(a -> a.substring(0, a.lastIndexOf('|'))).distinct().toList();
        assertThat(executors).hasSize(2);
        assertThat(LocalCluster.containersOf(appId)).isEqualTo(2);

        // SIGKILL one executor JVM: no shutdown hook, no plugin shutdown. Its container must go within 30 s.
        String[] victim = executors.get(0).split("\\|");
        long killedAt = System.currentTimeMillis();
        ProcessHandle.of(Long.parseLong(victim[1])).orElseThrow().destroyForcibly();
        String label = "label=io.sparksidecar.executor=" + victim[0];
        while (!LocalCluster.docker("ps", "-aq", "--filter", "label=io.sparksidecar.app=" + appId, "--filter", label).isEmpty()) {
          assertThat(System.currentTimeMillis() - killedAt).as("container of SIGKILLed executor %s removed", victim[0])
              .isLessThan(30_000);
          Thread.sleep(200);
        }
        System.out.printf("container of SIGKILLed executor %s removed after %d ms%n", victim[0], System.currentTimeMillis() - killedAt);
        assertThat(SidecarDriverPlugin.statusReport()).contains("READY");
      }
      LocalCluster.awaitNoContainers(appId, 30_000);
    }
  }
}
