package io.sparksidecar.plugin.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.runtime.docker.TestImages;
import io.sparksidecar.protocol.Handoff;
import java.io.IOException;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session sidecars from container images (the real Docker engine, the images of images/build.sh):
 * two sessions of one executor each get their own hardened container, labelled with the executor
 * and the session; a session's end removes only its own.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SessionContainersIT {
  @TempDir
  Path work;
  private final String app = "it-" + UUID.randomUUID().toString().substring(0, 8);
  private final AtomicLong now = new AtomicLong(1_000_000);
  private SessionSidecars sessions;

  @AfterEach
  void nothingLeftBehind() throws Exception {
    if (sessions != null) {
      sessions.close();
    }
    assertThat(containers()).as("containers of %s left behind", app).isEmpty();
  }

  private List<String> containers() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=io.sparksidecar.app=" + app)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor(30, TimeUnit.SECONDS);
    return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
  }

  private static SessionWish wish(String... kv) {
    Map<String, String> props = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      props.put("spark.sidecar.session." + kv[i], kv[i + 1]);
    }
    return SessionWish.from(props);
  }

  @Test
  void eachSessionGetsItsOwnContainerAndItsEndRemovesOnlyThatOne() throws Exception {
    sessions = new SessionSidecars(app, "7", Map.of("spark.sidecar.runtime", "process", "spark.sidecar.command", "sleep 600",
        "spark.sidecar.stopTimeout", "1s", "spark.sidecar.user", "5001"), work, null, now::get, false);
    SessionRef cli = new SessionRef(UUID.randomUUID().toString(), UUID.randomUUID().toString());
    SessionRef server = new SessionRef(UUID.randomUUID().toString(), UUID.randomUUID().toString());
    Files.createDirectories(work.resolve(cli.uuid()));
    Files.createDirectories(work.resolve(server.uuid()));
    SessionSidecar a = sessions.acquire(cli, wish("runtime", "docker", "image", TestImages.DD_CLI, "protocol", "v1"));
    SessionSidecar b = sessions.acquire(server, wish("runtime", "docker", "image", TestImages.HELLO_SERVER, "ports", "1234"));
    assertThat(containers()).hasSize(2);
    try (Handoff h = a.sidecar().newHandoff()) {
      h.writeInput("infile.csv", "a,1\n".getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
      h.run(Duration.ofSeconds(60));
      assertThat(new String(h.readOutput("outfile.csv"), StandardCharsets.UTF_8)).isEqualTo("a,1\n");
    }
    URI hello = b.sidecar().url(1234, "/hello");
    assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString())
        .body()).isEqualTo("Hello World");
    Process inspect = new ProcessBuilder("docker", "inspect", "--format", "{{json .Config.Labels}} {{.Config.User}}",
        containers().get(0), containers().get(1)).redirectErrorStream(true).start();
    String labels = new String(inspect.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(labels).contains("7.session-" + cli.shortId()).contains("7.session-" + server.shortId())
        .contains(" 5001"); // the server's user, not the image's choice
    org.apache.commons.io.FileUtils.deleteDirectory(work.resolve(cli.uuid()).toFile()); // Spark evicted that session
    sessions.sweep();
    assertThat(containers()).hasSize(1);
    assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString())
        .body()).isEqualTo("Hello World");
  }
}
