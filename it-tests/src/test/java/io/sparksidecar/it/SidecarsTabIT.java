package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Sidecars tab of the live driver UI, its JSON and the driver's hand-off metrics, on a real
 * cluster (separate executor JVMs, Docker sidecars speaking protocol v1), read by a real browser
 * (headless Chromium) and by a Prometheus scrape of Spark's own {@code PrometheusServlet}.
 * Run on Spark 4.1.1 and, by .ci/test, on 3.5.8 with the same jar.
 */
@Timeout(240)
class SidecarsTabIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one task saw: its executor, whether its hand-off returned a result, and the bytes it wrote and read. */
  record Outcome(String executor, boolean ok, long in, long out) {
    static Outcome parse(String s) {
      String[] f = s.split(":");
      return new Outcome(f[0], f[1].equals("ok"), Long.parseLong(f[2]), Long.parseLong(f[3]));
    }
  }

  @Test
  void theTabShowsEveryExecutorsSidecarAndItsHandoffsInABrowserAndPrometheusShowsTheTotals() throws Exception {
    Map<String, String> conf = new HashMap<>(Map.of("spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.runtime",
        "docker", "spark.sidecar.protocol", "v1", "spark.sidecar.restart.backoff", "200ms",
        // a hand-off with input "bad" fails (exit 3); one with "die" kills its sidecar once (a restart, a last failure)
        "spark.sidecar.command", "sh -c 'if [ -e in/die ] && [ ! -e $SIDECAR_VOLUME_SHARED/died ]; then"
            + " touch $SIDECAR_VOLUME_SHARED/died; echo \"model file corrupt: simulated crash\" > /proc/1/fd/2; kill -TERM 1;"
            + " sleep 5; fi; if [ -e in/bad ]; then echo refused >&2; exit 3; fi; cat in/data > out/data'"));
    conf.putAll(Map.of("spark.ui.enabled", "true", "spark.ui.port", "0", "spark.ui.showConsoleProgress", "false",
        "spark.metrics.conf.*.sink.prometheusServlet.class", "org.apache.spark.metrics.sink.PrometheusServlet",
        "spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus"));
    String appId;
    try (JavaSparkContext sc = LocalCluster.start("sidecars-tab", conf)) {
      appId = sc.sc().applicationId();
      String ui = sc.sc().uiWebUrl().get();
      List<String> inputs = List.of("apple", "bad", "cherry", "die", "elderberry", "fig", "grape", "bad", "kiwi", "lemon",
          "mango", "nectarine");
      List<Outcome> outcomes = sc.parallelize(inputs, inputs.size()).map(s -> {
        String executor = Sidecars.get().executorId();
        byte[] data = s.getBytes(StandardCharsets.UTF_8);
        try (Handoff h = Sidecars.get().newHandoff()) {
          h.writeInput("data", data);
          if (s.equals("bad") || s.equals("die")) {
            h.writeInput(s, new byte[0]);
          }
          h.expectOutput("data").run(Duration.ofSeconds(60));
          return executor + ":ok:" + data.length + ":" + h.readOutput("data").length;
        } catch (RuntimeException e) {
          return executor + ":failed:" + data.length + ":0";
        }
      }).collect().stream().map(Outcome::parse).toList();
      assertThat(outcomes.stream().filter(o -> !o.ok())).as("the two 'bad' and the 'die' hand-offs fail").hasSize(3);
      Map<String, long[]> expected = new HashMap<>(); // executor -> done, failed, bytes in, bytes out
      for (Outcome o : outcomes) {
        long[] e = expected.computeIfAbsent(o.executor(), k -> new long[4]);
        e[o.ok() ? 0 : 1]++;
        e[2] += o.in();
        e[3] += o.out();
      }

      // the driver hears of every hand-off with the next health report (1 s here); the restarted sidecar is READY again
      JsonNode json = awaitJson(ui + "/sidecars/json/", j -> j.at("/summary/handoffs/done").asLong() == 9
          && j.at("/summary/handoffs/failed").asLong() == 3 && j.at("/summary/states/READY").asInt() == 2);
      assertThat(json.at("/executors")).hasSize(2);
      String crashed = null;
      for (JsonNode e : json.at("/executors")) {
        long[] want = expected.getOrDefault(e.at("/executorId").asText(), new long[4]);
        assertThat(new long[] {e.at("/handoffs/done").asLong(), e.at("/handoffs/failed").asLong(), e.at("/handoffs/bytesIn").asLong(),
            e.at("/handoffs/bytesOut").asLong()}).as("executor %s: done, failed, bytes in, bytes out", e.at("/executorId"))
            .containsExactly(want);
        assertThat(e.at("/runtime").asText()).isEqualTo("docker");
        if (want[0] > 0) {
          assertThat(e.at("/handoffs/p50Ms").asDouble()).isPositive().isLessThanOrEqualTo(e.at("/handoffs/p99Ms").asDouble());
        }
        if (e.at("/restarts").asInt() > 0) {
          crashed = e.at("/executorId").asText();
          assertThat(e.at("/lastFailure").asText()).as("the crash with its log tail").contains("simulated crash");
        }
      }
      assertThat(crashed).as("the executor whose sidecar was killed shows a restart").isNotNull();

      // Spark's own Prometheus servlet on the driver shows the application's hand-off totals
      String scrape = get(ui + "/metrics/prometheus/");
      assertThat(gauge(scrape, "handoffs_count")).isEqualTo(9);
      assertThat(gauge(scrape, "handoffs_failed")).isEqualTo(3);
      assertThat(gauge(scrape, "handoffs_bytesIn")).isEqualTo(expected.values().stream().mapToLong(e -> e[2]).sum());
      assertThat(gauge(scrape, "handoffs_bytesOut")).isEqualTo(expected.values().stream().mapToLong(e -> e[3]).sum());
      assertThat(gauge(scrape, "handoffs_latencyP99Ms")).isPositive();

      // a real browser renders the tab inside Spark's own page, one row per executor
      String dom = HeadlessChromium.dumpDom(ui + "/sidecars/");
      assertThat(dom).as("Spark's navigation bar with the tab active").containsPattern(
          "<li class=\"nav-item active\">\\s*<a class=\"nav-link\" href=\"[^\"]*/sidecars/\">Sidecars</a>");
      Map<String, String> rows = rows(dom);
      assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      expected.forEach((executor, e) -> assertThat(rows.get(executor)).as("row of executor %s", executor)
          .contains("data-state=\"READY\" data-done=\"" + e[0] + "\" data-failed=\"" + e[1] + "\""));
      assertThat(rows.get(crashed)).contains("simulated crash");
      String detail = HeadlessChromium.dumpDom(ui + "/sidecars/executor/?id=" + crashed);
      assertThat(detail).contains("data-executor=\"" + crashed + "\"").containsPattern(
          "id=\"sidecar-last-failure\" class=\"log-tail\">[^<]*simulated crash");
      Path png = Path.of(System.getProperty("sidecar.testClasses")).resolveSibling("sidecars-tab-spark-"
          + org.apache.spark.package$.MODULE$.SPARK_VERSION() + ".png");
      HeadlessChromium.screenshot(ui + "/sidecars/", png, 1500, 420);
      assertThat(Files.size(png)).as("a screenshot of the page, not of nothing").isGreaterThan(20_000);
      System.out.println("screenshot of the Sidecars tab: " + png);
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  /**
   * The driver above runs the plugin classes of this build's Spark line; users run one jar, built
   * against 4.1.1, on every line. A driver JVM with just that jar and this line's Spark jars (as
   * spark-submit would give it) serves the tab, its detail page and the JSON.
   */
  @Test
  void theOneJarServesTheTabOnTheDriverOfThisSparkLine() throws Exception {
    Path jar = Path.of(System.getProperty("sidecar.jar")).toAbsolutePath().normalize();
    Path jars = Path.of(System.getenv("SPARK_HOME"), "jars");
    List<String> argv = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    // Spark 3.5 on Java 17 needs its module flags, as this JVM got them
    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognized") || a.startsWith("-Djdk.reflect"))
        .forEach(argv::add);
    argv.addAll(List.of("-Xmx512m", "-cp", jar + java.io.File.pathSeparator + jars + "/*" + java.io.File.pathSeparator
        + System.getProperty("sidecar.testClasses"), UiProbe.class.getName(), "/sidecars/", "/sidecars/json/",
        "/sidecars/executor/?id=driver"));
    // its own working directory: a local-mode executor keeps its process sidecar's files there
    Path cwd = Files.createTempDirectory("sidecar-ui-probe-");
    Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the probe driver ends").isTrue();
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      try (java.util.stream.Stream<Path> files = Files.walk(cwd)) {
        for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(f);
        }
      }
    }
    assertThat(p.exitValue()).as("probe driver output:%n%s", out).isZero();
    String version = org.apache.spark.package$.MODULE$.SPARK_VERSION();
    assertThat(out).contains("SPARK " + version).containsPattern("JAR file:/*" + Pattern.quote(jar.toAbsolutePath().toString().replaceFirst("^/", "")) + "\\s")
        .contains("STATUS /sidecars/ 200 text/html").contains("STATUS /sidecars/json/ 200 application/json")
        .contains("STATUS /sidecars/executor/?id=driver 200 text/html")
        .containsPattern("BODY /sidecars/ .*<span class=\"version\">" + Pattern.quote(version) + "</span>")
        .containsPattern("BODY /sidecars/ .*<li class=\"nav-item active\">\\s*<a class=\"nav-link\" href=\"/sidecars/\">Sidecars</a>")
        .containsPattern("BODY /sidecars/ .*<tr class=\"sidecar\" data-executor=\"driver\" data-state=\"READY\"")
        .containsPattern("BODY /sidecars/json/ \\{\"summary\":\\{\"executors\":1,\"states\":\\{\"READY\":1}")
        .containsPattern("BODY /sidecars/executor/\\?id=driver .*id=\"sidecar-detail\" class=\"table table-sm\" data-executor=\"driver\"");
  }

  private static Map<String, String> rows(String dom) {
    Map<String, String> rows = new HashMap<>();
    Matcher m = Pattern.compile("<tr class=\"sidecar\" data-executor=\"([^\"]+)\"(.*?)</tr>", Pattern.DOTALL).matcher(dom);
    while (m.find()) {
      rows.put(m.group(1), m.group(0));
    }
    return rows;
  }

  /** The value of the driver plugin's gauge {@code name} in a Prometheus text scrape. */
  private static double gauge(String scrape, String name) {
    Matcher m = Pattern.compile("^metrics_\\S*_driver_plugin_io_sparksidecar_plugin_SidecarPlugin_" + name
        + "_Value\\{type=\"gauges\"\\} (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    assertThat(m.find()).as("gauge %s in the scrape:%n%s", name, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** The JSON at {@code url} once {@code ready} (30 s at most). */
  static JsonNode awaitJson(String url, java.util.function.Predicate<JsonNode> ready) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      JsonNode j = JSON.readTree(get(url));
      if (ready.test(j)) {
        return j;
      }
      assertThat(System.currentTimeMillis()).as("the driver's view of the hand-offs:%n%s", j.toPrettyString())
          .isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s", url).isEqualTo(200);
    return r.body();
  }
}
