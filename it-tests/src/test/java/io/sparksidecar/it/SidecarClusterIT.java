package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.Sidecar;
import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.protocol.Handoff;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The plugin on a real cluster: separate executor JVMs, a real Docker engine, the shaded jar. */
@Timeout(300)
class SidecarClusterIT {

  static String get(URI uri) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void everyExecutorReachesItsOwnServerSidecarOnLoopback() throws Exception {
    String appId;
    try (JavaSparkContext sc = LocalCluster.start("server", Map.of("spark.sidecar.image", TestImages.HELLO_SERVER,
        "spark.sidecar.ports", "1234", "spark.sidecar.readiness", "http", "spark.sidecar.readiness.path", "/hello"))) {
      appId = sc.sc().applicationId();
      List<String> answers = sc.parallelize(IntStream.range(0, 8).boxed().toList(), 8).map(i -> {
        Sidecar s = Sidecars.get();
        return s.executorId() + "=" + get(s.url(1234, "/hello"));
      }).collect();
      assertThat(answers).hasSize(8).allMatch(a -> a.endsWith("=Hello World"));
      assertThat(answers.stream().map(a -> a.substring(0, a.indexOf('='))).collect(Collectors.toSet())).hasSize(2);
      assertThat(LocalCluster.containersOf(appId)).as("one container per executor").isEqualTo(2);
      SidecarRegistry registry = SidecarDriverPlugin.registry();
      long now = System.currentTimeMillis();
      assertThat(registry.count(Supervisor.State.READY, now)).isEqualTo(2);
      assertThat(registry.entries(now)).allMatch(e -> e.report().runtime().equals("docker"));
      String report = SidecarDriverPlugin.statusReport();
      System.out.println(report);
      assertThat(report).contains("READY").contains("docker");
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  @Test
  void tasksHandFilesToAProcessSidecarThroughProtocolV1() {
    try (JavaSparkContext sc = LocalCluster.start("v1-process", Map.of("spark.sidecar.runtime", "process",
        "spark.sidecar.protocol", "v1", "spark.sidecar.command", "sh -c 'tr a-z A-Z < in/infile.csv > out/outfile.csv'"))) {
      List<String> out = sc.parallelize(List.of("apple", "banana", "cherry", "date"), 4).mapPartitions(rows -> {
        List<String> lines = new ArrayList<>();
        rows.forEachRemaining(lines::add);
        try (Handoff h = Sidecars.get().newHandoff()) {
          h.writeLines("infile.csv", lines).expectOutput("outfile.csv");
          h.run(Duration.ofSeconds(60));
          String executor = Sidecars.get().executorId();
          return h.readLines("outfile.csv").stream().map(l -> l + "@" + executor).iterator();
        }
      }).collect();
      assertThat(out.stream().map(o -> o.substring(0, o.indexOf('@')))).containsExactlyInAnyOrder("APPLE", "BANANA", "CHERRY", "DATE");
      assertThat(SidecarDriverPlugin.registry().entries(System.currentTimeMillis()))
          .allMatch(e -> e.report().runtime().equals("process"));
      // each executor's own metric registry counted exactly its hand-offs
      Map<String, Long> expected = out.stream().collect(Collectors.groupingBy(o -> o.substring(o.indexOf('@') + 1),
          Collectors.counting()));
      List<String> metered = sc.parallelize(IntStream.range(0, 8).boxed().toList(), 8).map(i -> {
        var source = org.apache.spark.SparkEnv.get().metricsSystem()
            .getSourcesByName("plugin.io.sparksidecar.plugin.SidecarPlugin").head();
        return Sidecars.get().executorId() + "=" + source.metricRegistry().getTimers().get("handoffs").getCount();
      }).collect();
      for (String m : metered) {
        String[] kv = m.split("=");
        assertThat(Long.parseLong(kv[1])).as("handoffs timer of executor %s", kv[0]).isEqualTo(expected.getOrDefault(kv[0], 0L));
      }
    }
  }

  @Test
  void aBadKeyStopsTheApplicationAtStartNamingTheKey() {
    assertThatThrownBy(() -> LocalCluster.start("bad-key", Map.of("spark.sidecar.image", TestImages.HELLO_SERVER,
        "spark.sidecar.readiness.timeout", "soon")).close())
        .hasStackTraceContaining("invalid value 'soon' for spark.sidecar.readiness.timeout");
    // a start-up that could outlast Spark's executor heartbeat timeout cannot work: refused at driver start
    assertThatThrownBy(() -> LocalCluster.start("bad-timeouts", Map.of("spark.sidecar.image", TestImages.HELLO_SERVER,
        "spark.network.timeout", "60s")).close())
        .hasStackTraceContaining("spark.sidecar.startup.timeout=90 s must stay below the executor heartbeat timeout"
            + " (spark.network.timeout=1 min)");
  }

  @Test
  void aMissingImageFailsTheApplicationFastNamingTheImage() {
    JavaSparkContext sc = LocalCluster.start("missing-image", Map.of("spark.sidecar.image", TestImages.MISSING,
        "spark.sidecar.runtime", "docker"));
    long t0 = System.currentTimeMillis();
    try {
      assertThatThrownBy(() -> sc.parallelize(List.of(1, 2, 3, 4), 4).map(i -> i + 1).collect())
          .hasStackTraceContaining("SparkContext");
      long millis = System.currentTimeMillis() - t0;
      assertThat(millis).as("failed after %d ms", millis).isLessThan(60_000);
      assertThat(SidecarDriverPlugin.registry().entries(System.currentTimeMillis()))
          .anyMatch(e -> e.report().snapshot().state() == Supervisor.State.FAILED
              && e.report().snapshot().reason().contains(TestImages.MISSING))
          .noneMatch(e -> e.report().snapshot().state() == Supervisor.State.READY);
    } finally {
      sc.close();
    }
  }
}
