package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Sidecars tab of a finished application in Spark's real history server (its own JVM, this Spark
 * line's jars and the plugin jar, as {@code SPARK_DAEMON_CLASSPATH} gives it): the application ran on
 * a real cluster with the event log on and {@code spark.sidecar.history.interval=0}, so all the history
 * server has is what the driver wrote at the application's end. Its JSON equals the live driver's last
 * view (hand-offs done and failed, bytes, the restart and its log tail per executor), and its page
 * renders inside Spark's own history UI. Run on Spark 4.1.1 and, by .ci/test, on 3.5.8 with one jar.
 */
@Timeout(240)
class SidecarsHistoryIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aFinishedApplicationShowsItsSidecarsInTheHistoryServer() throws Exception {
    Path events = Files.createTempDirectory("sidecar-events-");
    Map<String, String> conf = new HashMap<>(Map.of("spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.runtime",
        "docker", "spark.sidecar.protocol", "v1", "spark.sidecar.restart.backoff", "200ms",
        // "bad" fails its hand-off (exit 3); "die" kills its sidecar once (a restart with a log tail)
        "spark.sidecar.command", "sh -c 'if [ -e in/die ] && [ ! -e $SIDECAR_VOLUME_SHARED/died ]; then"
            + " touch $SIDECAR_VOLUME_SHARED/died; echo \"model file corrupt: simulated crash\" > /proc/1/fd/2; kill -TERM 1;"
            + " sleep 5; fi; if [ -e in/bad ]; then echo refused >&2; exit 3; fi; cat in/data > out/data'",
        "spark.eventLog.enabled", "true", "spark.eventLog.dir", events.toUri().toString(),
        "spark.sidecar.history.interval", "0"));
    conf.putAll(Map.of("spark.ui.enabled", "true", "spark.ui.port", "0", "spark.ui.showConsoleProgress", "false"));
    String appId;
    JsonNode live;
    try (JavaSparkContext sc = LocalCluster.start("sidecars-history", conf)) {
      appId = sc.sc().applicationId();
      List<String> inputs = List.of("apple", "bad", "cherry", "die", "elderberry", "fig", "grape", "kiwi");
      List<String> outcomes = sc.parallelize(inputs, inputs.size()).map(s -> {
        try (Handoff h = Sidecars.get().newHandoff()) {
          h.writeInput("data", s.getBytes(StandardCharsets.UTF_8));
          if (s.equals("bad") || s.equals("die")) {
            h.writeInput(s, new byte[0]);
          }
          h.expectOutput("data").run(Duration.ofSeconds(60));
          return "ok";
        } catch (RuntimeException e) {
          return "failed";
        }
      }).collect();
      assertThat(outcomes.stream().filter("failed"::equals)).hasSize(2);
      live = SidecarsTabIT.awaitJson(sc.sc().uiWebUrl().get() + "/sidecars/json/", j -> j.at("/summary/handoffs/done").asLong() == 6 && j.at("/summary/handoffs/failed").asLong() == 2
          && j.at("/summary/states/READY").asInt() == 2);
    }
    LocalCluster.awaitNoContainers(appId, 30_000);

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process server = startHistoryServer(events, port);
    try {
      String base = "http://127.0.0.1:" + port;
      awaitListed(base, appId, server);
      JsonNode history = JSON.readTree(get(base + "/history/" + appId + "/sidecars/json/"));
      assertThat(history.at("/summary/handoffs")).as("the application's hand-off totals").isEqualTo(live.at("/summary/handoffs"));
      assertThat(history.at("/executors")).hasSize(2);
      for (JsonNode e : history.at("/executors")) {
        JsonNode was = null;
        for (JsonNode l : live.at("/executors")) {
          if (l.at("/executorId").equals(e.at("/executorId"))) {
            was = l;
          }
        }
        assertThat(was).as("executor %s in the live view", e.at("/executorId")).isNotNull();
        assertThat(e.at("/handoffs")).isEqualTo(was.at("/handoffs"));
        assertThat(e.at("/restarts")).isEqualTo(was.at("/restarts"));
        assertThat(e.at("/lastFailure")).isEqualTo(was.at("/lastFailure"));
        assertThat(e.at("/host").asText()).isEqualTo(was.at("/host").asText());
      }
      assertThat(history.toString()).contains("simulated crash");
      String page = get(base + "/history/" + appId + "/sidecars/");
      assertThat(page).as("inside Spark's history UI, with the tab in its navigation bar")
          .containsPattern("<a class=\"nav-link\" href=\"[^\"]*/history/" + appId + "/sidecars/\">Sidecars</a>")
          .contains("<tr class=\"sidecar\" data-executor=\"0\"").contains("<tr class=\"sidecar\" data-executor=\"1\"");
      String dom = HeadlessChromium.dumpDom(base + "/history/" + appId + "/sidecars/");
      assertThat(dom).contains("data-executor=\"0\"").contains("simulated crash");
      Path png = Path.of(System.getProperty("sidecar.testClasses")).resolveSibling("sidecars-history-spark-"
          + org.apache.spark.package$.MODULE$.SPARK_VERSION() + ".png");
      HeadlessChromium.screenshot(base + "/history/" + appId + "/sidecars/", png, 1500, 420);
      assertThat(Files.size(png)).isGreaterThan(20_000);
    } finally {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroy();
      if (!server.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
      try (java.util.stream.Stream<Path> files = Files.walk(events)) {
        for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** Spark's {@code HistoryServer} in its own JVM: this line's Spark jars and the plugin jar on its classpath. */
  private static Process startHistoryServer(Path events, int port) throws Exception {
    Path jar = Path.of(System.getProperty("sidecar.jar")).toAbsolutePath().normalize();
    Path jars = Path.of(System.getenv("SPARK_HOME"), "jars");
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognized") || a.startsWith("-Djdk.reflect"))
        .forEach(argv::add); // Spark 3.5 on Java 17 needs its module flags
    argv.addAll(List.of("-Xmx512m", "-cp", jar + File.pathSeparator + jars + "/*",
        "-Dspark.history.fs.logDirectory=" + events.toUri(), "-Dspark.history.ui.port=" + port,
        "-Dspark.history.fs.update.interval=1s", "org.apache.spark.deploy.history.HistoryServer"));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(events.resolveSibling(events.getFileName() + "-history.log").toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start();
  }

  private static void awaitListed(String base, String appId, Process server) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    while (true) {
      try {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/v1/applications"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains(appId)) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      assertThat(server.isAlive()).as("the history server runs").isTrue();
      assertThat(System.currentTimeMillis()).as("%s listed by the history server", appId).isLessThan(deadline);
      Thread.sleep(300);
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
        .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
    return r.body();
  }
}
