package io.sparksidecar.it;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SessionReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.metrics.HandoffRecorder;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * How long the live driver UI takes to serve the Sidecars tab with 1,000 executors (target: under
 * 300 ms), next to Spark's own Jobs and Environment pages from the same server in the same run.
 * A local-mode driver with the plugin and its UI; the registry gets 1,000 simulated executors (one
 * in ten with a failure and a 20-line log tail, every one with latency buckets filled, and each with
 * two Spark Connect session sidecars of 20 sessions, one in twenty FAILED with the log tail), recorded
 * the way the driver plugin records a health report. Each page is fetched over HTTP (as a browser
 * would, Spark's header included) 30 times to warm up, then 101 times; the median and p90 are
 * printed with the ratio to Spark's Jobs page.
 *
 * <pre>
 * mvn -B -q -pl it-tests -am verify -DskipTests
 * java -cp "plugin/target/spark-sidecar-plugin-0.1.0-SNAPSHOT-shaded.jar:it-tests/target/test-classes:it-tests/target/spark-home-4.1.1/jars/*" \
 *   io.sparksidecar.it.SidecarsTabBenchmark
 * </pre>
 */
public final class SidecarsTabBenchmark {
  private SidecarsTabBenchmark() {}

  public static void main(String[] args) throws Exception {
    int executors = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    SparkConf conf = new SparkConf().setMaster("local[1]").setAppName("sidecars-tab-bench")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.port", "0")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin").set("spark.sidecar.runtime", "process")
        .set("spark.sidecar.command", "sleep 600").set("spark.sidecar.stopTimeout", "2s")
        .set("spark.sidecar.health.staleAfter", "600s");
    // a local-mode executor keeps its files in the working directory while it runs; it removes them when it stops
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      SidecarRegistry registry = SidecarDriverPlugin.registry();
      long now = System.currentTimeMillis();
      String tail = String.join("\n", java.util.stream.IntStream.range(0, 20)
          .mapToObj(i -> "2026-12-01 12:00:0" + (i % 10) + " worker " + i + ": loading shard " + i + " of 20 ... ok").toList());
      for (int i = 0; i < executors; i++) {
        HandoffRecorder rec = new HandoffRecorder();
        for (int k = 0; k < 200; k++) {
          rec.succeeded((long) ((1 + (i * 7 + k * 13) % 400) * 250_000L), 4096, 8192);
        }
        for (int k = 0; k < i % 4; k++) {
          rec.failed(1024);
        }
        boolean failed = i % 10 == 3;
        String failure = failed ? "the sidecar of executor " + i + " (docker) exited with 137 (OOM-killed); last lines of its log:\n"
            + tail : "";
        List<SessionReport> sessions = new java.util.ArrayList<>();
        for (int k = 0; k < 2; k++) {
          int session = (i + k * 7) % 20;
          boolean sessionFailed = (i + k) % 20 == 5;
          sessions.add(new SessionReport(String.format(Locale.ROOT, "%08d-1111-2222-3333-444444444444", session),
              String.format(Locale.ROOT, "%08d-aaaa-bbbb-cccc-dddddddddddd", session), "process",
              new Supervisor.Snapshot(sessionFailed ? Supervisor.State.FAILED : Supervisor.State.READY, sessionFailed ? 3 : 0,
                  sessionFailed ? 1 : -1, sessionFailed ? "exited with 1; last lines of its log:\n" + tail : "ready",
                  "pid " + (10_000 + i), now - 20_000, false),
              new ExecutorActivity(rec.totals(), sessionFailed ? "exited with 1; last lines of its log:\n" + tail : "",
                  sessionFailed ? now - 10_000 : 0), now - 50_000));
        }
        registry.update(new HealthReport(String.valueOf(i), "worker-" + (i % 250) + ".cluster.internal", "docker",
            new Supervisor.Snapshot(Supervisor.State.READY, failed ? 1 : 0, failed ? 137 : -1, "ready",
                "c0ffee" + i, now - 60_000, false), 200, now, new ExecutorActivity(rec.totals(), failure, failed ? now - 30_000 : 0),
            sessions), now);
      }
      String ui = sc.sc().uiWebUrl().get();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      System.out.printf(Locale.ROOT, "Sidecars tab, %d executors (+ the local driver's own) with %d session sidecars, Spark %s,"
          + " GET over HTTP, %d runs%n", registry.size() - 1, registry.sessionCount(Supervisor.State.READY, now)
          + registry.sessionCount(Supervisor.State.FAILED, now), sc.version(), 101);
      System.out.printf(Locale.ROOT, "%-44s %10s %10s %10s %10s%n", "page", "median ms", "p90 ms", "KiB", "× Jobs");
      double jobs = 0;
      for (String[] page : List.of(new String[] {"Spark's Jobs page", "/jobs/"},
          new String[] {"Spark's Environment page", "/environment/"},
          new String[] {"Sidecars tab, page 1 (100 rows)", "/sidecars/"},
          new String[] {"Sidecars tab, page 10 sorted by p99", "/sidecars/?page=10&sort=p99"},
          new String[] {"Sidecars tab, all rows on one page", "/sidecars/?size=1000"},
          new String[] {"Sidecars tab, READY only, by failures", "/sidecars/?state=READY&sort=failed"},
          new String[] {"one executor's detail page", "/sidecars/executor/?id=503"},
          new String[] {"JSON, every executor", "/sidecars/json/"},
          new String[] {"session sidecars, page 1 (200 of 2,000)", "/sidecars/sessions/"},
          new String[] {"session sidecars, 1,000 rows on one page", "/sidecars/sessions/?size=1000&page=2"},
          new String[] {"one session's sidecars (100 rows)", "/sidecars/sessions/?session=00000003-1111-2222-3333-444444444444"},
          new String[] {"JSON, every session sidecar", "/sidecars/json/sessions/"})) {
        double[] ms = time(http, ui + page[1]);
        if (jobs == 0) {
          jobs = ms[0];
        }
        System.out.printf(Locale.ROOT, "%-44s %10.1f %10.1f %10.0f %10.2f%n", page[0], ms[0], ms[1], ms[2] / 1024, ms[0] / jobs);
      }
    }
  }

  /** Median and p90 latency (ms) and body size (bytes) of GET {@code url}. */
  private static double[] time(HttpClient http, String url) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build();
    long size = 0;
    for (int i = 0; i < 30; i++) {
      size = check(http.send(req, HttpResponse.BodyHandlers.ofByteArray()), url).length;
    }
    double[] runs = new double[101];
    for (int i = 0; i < runs.length; i++) {
      long t0 = System.nanoTime();
      check(http.send(req, HttpResponse.BodyHandlers.ofByteArray()), url);
      runs[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(runs);
    return new double[] {runs[runs.length / 2], runs[(int) (runs.length * 0.9)], size};
  }

  private static byte[] check(HttpResponse<byte[]> r, String url) {
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + ": " + r.statusCode());
    }
    return r.body();
  }
}
