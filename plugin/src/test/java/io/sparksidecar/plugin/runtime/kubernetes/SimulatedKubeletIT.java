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

  private KubernetesMockServer server;

  @org.junit.jupiter.api.BeforeEach
  void apiServer() throws Exception {
    Process inspect = new ProcessBuilder("docker", "image", "inspect", "spark-sidecar/busybox:1", "spark-sidecar/hello-server:1",
        "spark-sidecar/legacy-flags:1")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(inspect.waitFor(20, TimeUnit.SECONDS) && inspect.exitValue() == 0,
        "needs a Docker engine with spark-sidecar/busybox:1, hello-server:1 and legacy-flags:1 (images/build.sh)");
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), SimulatedKubelet.apiServer(), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
  }

  @org.junit.jupiter.api.AfterEach
  void stopApiServer() {
    if (server != null) {
      server.destroy();
    }
  }

  /** What every scenario shares: Spark's k8s scheduler against the mock API server, our feature step, the sidecar's user. */
  private SparkConf conf(String app, int executors) {
    return new SparkConf().setAppName(app)
        .setMaster("k8s://http://127.0.0.1:" + server.getPort())
        .set("spark.kubernetes.namespace", "default")
        .set("spark.kubernetes.container.image", "apache/spark:simulated")
        .set("spark.kubernetes.executor.podNamePrefix", "simk")
        .set("spark.executor.instances", String.valueOf(executors))
        .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
        .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.local.dir", node.resolve("spark-local").toString())
        .set("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin")
        .set(KubernetesChecks.FEATURE_STEPS, SidecarFeatureStep.class.getName())
        .set("spark.sidecar.user", "5001")
        .set("spark.sidecar.kubernetes.nativeSidecar", "true")
        .set("spark.sidecar.volumes.mountBase", node.resolve("volumes").toString())
        .set("spark.sidecar.health.interval", "500ms");
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void handOffsThroughThePodsVolumeAndKubeletRestartsInTheRegistry() throws Exception {
    try (KubernetesClient client = server.createClient();
         SimulatedKubelet kubelet = new SimulatedKubelet(client, "default", node).start()) {
      SparkConf conf = conf("simulated-kubelet", 1)
          .set("spark.sidecar.image", "spark-sidecar/busybox:1")
          .set("spark.sidecar.protocol", "v1")
          .set("spark.sidecar.command", "sh -c 'tr a-z A-Z < \"$SIDECAR_IN/in\" > \"$SIDECAR_OUT/out\"'");
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
      awaitNoSidecars(kubelet);
    }
  }

  /** Seed (a) in a pod: a server sidecar answering /hello on the pod's localhost, ready by an HTTP startup probe. */
  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void aServerSidecarAnswersHelloOnThePodsLocalhost() throws Exception {
    try (KubernetesClient client = server.createClient();
         SimulatedKubelet kubelet = new SimulatedKubelet(client, "default", node).start()) {
      SparkConf conf = conf("simulated-kubelet-server", 1)
          .set("spark.sidecar.image", "spark-sidecar/hello-server:1")
          .set("spark.sidecar.ports", "1234")
          .set("spark.sidecar.readiness", "http")
          .set("spark.sidecar.readiness.path", "/hello");
      try (JavaSparkContext sc = new JavaSparkContext(conf)) {
        io.fabric8.kubernetes.api.model.Pod pod = client.pods().inNamespace("default").withName("simk-exec-1").get();
        io.fabric8.kubernetes.api.model.Probe probe = pod.getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals(SidecarPodSpec.CONTAINER_NAME)).findFirst().orElseThrow().getStartupProbe();
        assertThat(probe.getHttpGet().getPath()).isEqualTo("/hello");
        assertThat(probe.getHttpGet().getPort().getIntVal()).isEqualTo(1234);
        List<String> bodies = sc.parallelize(List.of(1, 2, 3), 3).map(i -> {
          java.net.InetSocketAddress at = Sidecars.get().endpoint(1234);
          java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(
              "http://" + at.getHostString() + ":" + at.getPort() + "/hello").toURL().openConnection();
          try (java.io.InputStream in = c.getInputStream()) {
            return at.getPort() + " " + new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
          }
        }).collect();
        assertThat(bodies).as(kubelet.executorLog("simk-exec-1")).containsOnly("1234 Hello World").hasSize(3);
        await(r -> r.snapshot().state() == State.READY && r.runtime().equals("kubernetes"), "READY on kubernetes");
      }
      awaitNoSidecars(kubelet);
    }
  }

  /** Seed (c) in pods: rows spread over three executor pods, each through its own pod's sidecar (dd), one sidecar per pod. */
  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void theParallelRunUsesOneSidecarPerExecutorPod() throws Exception {
    try (KubernetesClient client = server.createClient();
         SimulatedKubelet kubelet = new SimulatedKubelet(client, "default", node).start()) {
      SparkConf conf = conf("simulated-kubelet-parallel", 3)
          .set("spark.sidecar.image", "spark-sidecar/busybox:1")
          .set("spark.sidecar.protocol", "v1")
          .set("spark.sidecar.command", "sh -c 'dd if=\"$SIDECAR_IN/infile.csv\" of=\"$SIDECAR_OUT/outfile.csv\"'");
      try (JavaSparkContext sc = new JavaSparkContext(conf)) {
        List<String> rows = List.of("apple,1", "banana,2", "cherry,3", "date,4", "elder,5", "fig,6");
        List<String> out = sc.parallelize(rows, 6).map(row -> {
          try (Handoff h = Sidecars.get().newHandoff()) {
            h.writeInput("infile.csv", (row + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)).expectOutput("outfile.csv");
            h.run(Duration.ofSeconds(60));
            boolean ddLog = h.log().contains("records out");
            return new String(h.readOutput("outfile.csv"), java.nio.charset.StandardCharsets.UTF_8).trim() + "|" + ddLog + "|"
                + Sidecars.get().executorId();
          }
        }).collect();
        assertThat(out.stream().map(o -> o.substring(0, o.indexOf('|'))).toList()).containsExactlyElementsOf(rows);
        assertThat(out).allMatch(o -> o.contains("|true|"), "dd's log came back with every row");
        assertThat(kubelet.runningSidecars()).as("one sidecar container per executor pod").isEqualTo(3);
        java.util.Set<String> pods = new java.util.HashSet<>();
        for (int i = 0; i < 200 && pods.size() < 3; i++) {
          pods.clear();
          for (SidecarRegistry.Entry e : SidecarDriverPlugin.registry().entries(System.currentTimeMillis())) {
            if (e.report().snapshot().state() == State.READY && e.report().runtime().equals("kubernetes")) {
              pods.add(e.report().executorId());
            }
          }
          Thread.sleep(100);
        }
        assertThat(pods).as("three READY sidecars in the registry, one per executor").hasSize(3);
        java.util.Set<String> served = new java.util.HashSet<>();
        out.forEach(o -> served.add(o.substring(o.lastIndexOf('|') + 1)));
        assertThat(pods).containsAll(served);
      }
      awaitNoSidecars(kubelet);
    }
  }

  /**
   * Seed (d) in a pod: the unchanged legacy flag image (fixed volume path, one hand-off per run),
   * run by the legacy loop: every hand-off from one container life, no kubelet restart.
   */
  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void anUnchangedLegacyImageServesEveryHandOffWithoutARestart() throws Exception {
    Path fixed = Path.of("/opt/sidecar/shared-volumes"); // where images/legacy-flags looks, unchangeable
    org.junit.jupiter.api.Assumptions.assumeFalse(java.nio.file.Files.exists(fixed),
        fixed + " exists on this host already: the simulated kubelet maps emptyDirs to host paths and will not share it");
    try (KubernetesClient client = server.createClient();
         SimulatedKubelet kubelet = new SimulatedKubelet(client, "default", node).allowing(fixed).start()) {
      SparkConf conf = conf("simulated-kubelet-legacy", 1)
          .set("spark.sidecar.image", "spark-sidecar/legacy-flags:1")
          .set("spark.sidecar.protocol", "legacy")
          .set("spark.sidecar.command", "/bin/sh /opt/sidecar/entrypoint.sh") // the image's ENTRYPOINT
          .set("spark.sidecar.volumes.mountBase", fixed.toString());
      try (JavaSparkContext sc = new JavaSparkContext(conf)) {
        List<String> rows = List.of("first,1", "second,2", "third,3");
        List<String> out = sc.parallelize(rows, 3).map(row -> {
          try (Handoff h = Sidecars.get().newHandoff()) {
            h.writeInput("infile.csv", (row + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)).expectOutput("outfile.csv");
            h.run(Duration.ofSeconds(60));
            return new String(h.readOutput("outfile.csv"), java.nio.charset.StandardCharsets.UTF_8).trim() + "|"
                + h.log().contains("legacy image: copying infile.csv");
          }
        }).collect();
        assertThat(out).as(kubelet.executorLog("simk-exec-1")).containsExactly("first,1|true", "second,2|true", "third,3|true");
        assertThat(kubelet.restarts("simk-exec-1")).as("the loop ran the image again in place: no kubelet restart").isZero();
        assertThat(kubelet.runningSidecars()).isEqualTo(1);
        HealthReport r = await(x -> x.snapshot().state() == State.READY && x.handoffs() >= 3, "READY after 3 legacy hand-offs");
        assertThat(r.snapshot().restarts()).isZero();
      }
      awaitNoSidecars(kubelet);
    } finally {
      // the host path stood for the pod's emptyDir: it goes with the pod
      if (java.nio.file.Files.exists(fixed)) {
        new ProcessBuilder("rm", "-rf", fixed.toString()).start().waitFor(30, TimeUnit.SECONDS);
        Path parent = fixed.getParent();
        try (var entries = java.nio.file.Files.list(parent)) {
          if (entries.findAny().isEmpty()) {
            java.nio.file.Files.delete(parent);
          }
        }
      }
    }
  }

  /** Spark deletes its executor pods when the application stops: the kubelet then removes their sidecars too. */
  private static void awaitNoSidecars(SimulatedKubelet kubelet) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (kubelet.runningSidecars() > 0) {
      assertThat(System.nanoTime()).as("sidecar containers still running 30 s after the application stopped").isLessThan(deadline);
      Thread.sleep(200);
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
