package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Engine hiccups on a real cluster: transient failures are retried, not taken for a broken image. */
@Timeout(300)
class EngineFaultsIT {

  @Test
  void anEngineThatFailsTheFirstCreateOfEachExecutorStillYieldsAWorkingApplication(@TempDir Path dir) throws Exception {
    String appId;
    try (FlakyEngine engine = new FlakyEngine(dir, Path.of("/var/run/docker.sock"))) {
      // failApplication: any sidecar failing for good would stop the application, so a pass means none did
      try (JavaSparkContext sc = LocalCluster.start("engine-hiccups", Map.of("spark.sidecar.runtime", "docker",
          "spark.sidecar.image", TestImages.HELLO_SERVER, "spark.sidecar.ports", "1234", "spark.sidecar.readiness", "http",
          "spark.sidecar.readiness.path", "/hello", "spark.sidecar.docker.host", engine.endpoint(),
          "spark.sidecar.failurePolicy", "failApplication"))) {
        appId = sc.sc().applicationId();
        List<String> answers = sc.parallelize(IntStream.range(0, 4).boxed().toList(), 4)
            .map(i -> SidecarClusterIT.get(Sidecars.get().url(1234, "/hello")))
            .collect();
        assertThat(answers).hasSize(4).allMatch(a -> a.equals("Hello World"));
        SidecarRegistry registry = SidecarDriverPlugin.registry();
        long deadline = System.currentTimeMillis() + 30_000;
        while (registry.count(State.READY, System.currentTimeMillis()) < 2) {
          assertThat(System.currentTimeMillis()).as("both sidecars READY:\n%s", SidecarDriverPlugin.statusReport())
              .isLessThan(deadline);
          Thread.sleep(100);
        }
        assertThat(engine.injected.get()).as("one injected create failure per executor").isEqualTo(2);
        assertThat(engine.creates.get()).as("creates: each executor's failed one and its retry").isEqualTo(4);
        assertThat(registry.totalRestarts()).as("a retried engine call is not a sidecar restart").isZero();
        System.out.printf("engine hiccups: %d create(s) failed by the engine, all retried; %d restarts%n%s",
            engine.injected.get(), registry.totalRestarts(), SidecarDriverPlugin.statusReport());
      }
      LocalCluster.awaitNoContainers(appId, 30_000);
    }
  }
}
