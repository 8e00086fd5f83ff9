package io.sparksidecar.it;

import io.sparksidecar.plugin.Sidecar;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The task code of {@link YarnClusterIT}, apart from the test class so that executors never load a
 * class that names Hadoop's test cluster.
 */
final class YarnTasks {
  private YarnTasks() {}

  /** Per task: {@code <executor id> <executor pid> <answer of /hello>}. */
  static List<String> hello(JavaSparkContext sc, int tasks) {
    return sc.parallelize(Stream.iterate(0, i -> i + 1).limit(tasks).collect(Collectors.toList()), tasks).map(i -> {
      Sidecar s = Sidecars.get();
      URI uri = s.url(1234, "/hello");
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      return s.executorId() + " " + ProcessHandle.current().pid() + " " + body.trim();
    }).collect();
  }

  /** One hand-off: {@code data} in, dd copies it; {@code <identical> <dd's log>}. */
  static String ddOnce(JavaSparkContext sc, byte[] data) {
    return sc.parallelize(List.of(1), 1).map(i -> {
      try (Handoff h = Sidecars.get().newHandoff()) {
        h.writeInput("infile.csv", data).expectOutput("outfile.csv");
        h.run(Duration.ofSeconds(60));
        return Arrays.equals(h.readOutput("outfile.csv"), data) + " " + h.log();
      }
    }).collect().get(0);
  }

  /** The working directory of the executor running the task: a YARN container's. */
  static String workDir(JavaSparkContext sc) {
    return sc.parallelize(List.of(1), 1).map(i -> Path.of("").toAbsolutePath() + " " + Files.exists(Path.of("launch_container.sh")))
        .collect().get(0);
  }
}
