package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import io.sparksidecar.protocol.Handoff;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real SparkContext on {@code k8s://} against fabric8's mock API server (CRUD mode), whose
 * executor pods a {@link SimulatedKubelet} runs: the sidecar from Spark's built pod with the Docker
 * engine and the test image, the executor as a local JVM. Tasks complete v1 hand-offs through the
 * pod's emptyDir; a sidecar the kubelet restarts shows in the driver's registry (from the pod status).
 * Needs a Docker engine and {@code spark-sidecar/busybox:1} (images/build.sh).
 */
class SimulatedKubeletIT {
  @TempDir
  Path node;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void handOffsThroughThePodsVolumeAndKubeletRestartsInTheRegistry() throws Exception {
    Process inspect = new ProcessBuilder("docker", "image", "inspect", "spark-sidecar/busybox:1").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(inspect.waitFor(20, TimeUnit.SECONDS) && inspect.exitValue() == 0,
        "needs a Docker engine with spark-sidecar/busybox:1 (images/build.sh)");
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        SimulatedKubelet.apiServer(), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    try (KubernetesClient client = server.createClient();
         SimulatedKubelet kubelet = new SimulatedKubelet(client, "default", node).start()) {
      SparkConf conf = new SparkConf().setAppName("simulated-kubelet")
          .setMaster("k8s://http://127.0.0.1:" + server.getPort())
          .set("spark.kubernetes.namespace", "default")
          .set("spark.kubernetes.container.image", "apache/spark:simulated")
          .set("spark.kubernetes.executor.podNamePrefix", "simk")
          .set("spark.executor.instances", "1")
          .set("spark.scheduler.minRegisteredResourcesRatio", "0")
          .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
          .set("spark.ui.enabled", "false")
          .set("spark.local.dir", node.resolve("spark-local").toString())
          .set("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin")
          .set(KubernetesChecks.FEATURE_STEPS, SidecarFeatureStep.class.getName())
          .set("spark.sidecar.image", "spark-sidecar/busybox:1")
          .set("spark.sidecar.user", "5001")
          .set("spark.sidecar.kubernetes.nativeSidecar", "true")
          .set("spark.sidecar.protocol", "v1")
          .set("spark.sidecar.command", "sh -c 'tr a-z A-Z < \"$SIDECAR_IN/in\" > \"$SIDECAR_OUT/out\"'")
          .set("spark.sidecar.volumes.mountBase", node.resolve("volumes").toString())
          .set("spark.sidecar.health.interval", "500ms");
      try (JavaSparkContext sc = new JavaSparkContext(conf)) {
        long t0 = System.nanoTime();
        List<String> upper = sc.parallelize(List.of("apple", "pear", "fig"), 2).mapPartitions(it -> {
          List<String> rows = new ArrayList<>();
          it.forEachRemaining(rows::add);
          try (Handoff h = Sidecars.get().newHandoff()) {
            h.writeLines("in", rows).expectOutput("out").run(Duration.ofSeconds(30));
            return h.readLines("out").iterator();
          }
        }).collect();
        System.out.printf("first job through the pod's sidecar: %d ms (pod start included)%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(upper).as(kubelet.executorLog("simk-exec-1")).containsExactly("APPLE", "PEAR", "FIG");
        HealthReport ready = await(r -> r.snapshot().state() == State.READY && r.handoffs() >= 2, "READY with hand-offs");
        assertThat(ready.runtime()).isEqualTo("kubernetes");

        kubelet.crashSidecar("simk-exec-1");
        HealthReport restarted = await(r -> r.snapshot().restarts() >= 1, "a kubelet restart in the registry");
        assertThat(restarted.snapshot().lastExitCode()).isEqualTo(137);
        assertThat(SidecarDriverPlugin.statusReport()).contains("kubernetes");
        // after the restart, hand-offs work again (the executor side waits for the agent to come back)
        assertThat(sc.parallelize(List.of("kiwi"), 1).mapPartitions(it -> {
          try (Handoff h = Sidecars.get().newHandoff()) {
            h.writeLines("in", List.of(it.next())).expectOutput("out").run(Duration.ofSeconds(30));
            return h.readLines("out").iterator();
          }
        }).collect()).containsExactly("KIWI");
      }
    } finally {
      server.destroy();
    }
  }

  private static HealthReport await(Predicate<HealthReport> what, String description) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    HealthReport last = null;
    while (System.nanoTime() < deadline) {
      SidecarRegistry registry = SidecarDriverPlugin.registry();
      if (registry != null) {
        for (SidecarRegistry.Entry e : registry.entries(System.currentTimeMillis())) {
          last = e.report();
          if (what.test(last)) {
            return last;
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no registry row became " + description + " within 30 s; last " + last);
  }
}
