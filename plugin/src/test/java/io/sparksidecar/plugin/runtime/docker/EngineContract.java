package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Engine} client must do, against the real engine: each implementation's IT
 * extends this unchanged. The container checks go through the docker CLI, so both clients are
 * held to what the engine actually created.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class EngineContract {
  @TempDir
  Path work;
  private final String tag = "contract-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<String> created = new ArrayList<>();
  private Engine engine;

  /** The client under test, on the local engine. */
  abstract Engine engine(String endpoint);

  @BeforeEach
  void connect() {
    engine = engine("unix:///var/run/docker.sock");
  }

  @AfterEach
  void removeAll() {
    created.forEach(id -> Docker.run("rm", "-f", id));
    engine.close();
    assertThat(Docker.containersWithLabel("io.sparksidecar.test", tag)).isEmpty();
  }

  private ContainerSpec spec(String image, List<String> cmd, List<Integer> ports) {
    return new ContainerSpec(image, tag + "-" + created.size(), Map.of("io.sparksidecar.test", tag, "x.y", "z"), "5001:5001",
        List.of("A=1", "B=two words"), List.of(), cmd, List.of(work + ":/data"), List.of("4242"), List.of("ALL"),
        List.of("no-new-privileges"), 64, "bridge", ports, 500_000_000L, 64L << 20, 8L << 20, 0);
  }

  private String create(ContainerSpec s) {
    String id = engine.create(s);
    created.add(id);
    return id;
  }

  private static String eventually(java.util.function.Supplier<String> read, java.util.function.Predicate<String> done)
      throws InterruptedException {
    String last = read.get();
    for (int i = 0; i < 50 && !done.test(last); i++) {
      Thread.sleep(100);
      last = read.get();
    }
    return last;
  }

  @Test
  void pingsAndReadsTheImageUser() {
    engine.ping();
    assertThat(engine.imageUser(TestImages.BUSYBOX)).contains("5001:5001");
    assertThat(engine.imageUser(TestImages.BUSYBOX_ROOT)).contains("");
    assertThat(engine.imageUser("spark-sidecar/no-such-image:1")).isEmpty();
  }

  @Test
  void createsExactlyTheContainerOfTheSpec() {
    String id = create(spec(TestImages.BUSYBOX, List.of("sleep", "60"), List.of(1234)));
    assertThat(Docker.inspect(id, "{{.Config.User}}")).isEqualTo("5001:5001");
    assertThat(Docker.inspect(id, "{{json .HostConfig.CapDrop}}")).isEqualTo("[\"ALL\"]");
    assertThat(Docker.inspect(id, "{{json .HostConfig.SecurityOpt}}")).isEqualTo("[\"no-new-privileges\"]");
    assertThat(Docker.inspect(id, "{{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} "
        + "{{.HostConfig.MemorySwap}} {{.HostConfig.ShmSize}}")).isEqualTo("64 500000000 67108864 67108864 8388608");
    assertThat(Docker.inspect(id, "{{json .HostConfig.Binds}} {{json .HostConfig.GroupAdd}}").replace(":rw\"", "\""))
        .as("binds (read-write is the default) and groups").isEqualTo("[\"" + work + ":/data\"] [\"4242\"]");
    assertThat(Docker.inspect(id, "{{json .HostConfig.PortBindings}}")).isEqualTo("{\"1234/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}");
    assertThat(Docker.inspect(id, "{{json .Config.Cmd}} {{index .Config.Labels \"x.y\"}}")).isEqualTo("[\"sleep\",\"60\"] z");
    assertThat(Docker.inspect(id, "{{json .Config.Env}}")).contains("\"A=1\"", "\"B=two words\"");
  }

  @Test
  void startsInspectsPublishesOnLoopbackAndReadsLogs() throws Exception {
    String id = create(spec(TestImages.HELLO_SERVER, List.of(), List.of(1234)));
    assertThat(engine.inspect(id).orElseThrow().running()).isFalse();
    engine.start(id);
    ContainerState s = engine.inspect(id).orElseThrow();
    assertThat(s.running()).isTrue();
    assertThat(s.health()).isEqualTo("none");
    int port = s.hostPorts().get(1234);
    assertThat(Docker.run("port", id, "1234/tcp")).isEqualTo("127.0.0.1:" + port);
    String body = null;
    for (int i = 0; i < 50 && body == null; i++) {
      try {
        body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      } catch (java.io.IOException notYet) {
        Thread.sleep(100);
      }
    }
    assertThat(body).isEqualTo("Hello World");
    assertThat(eventually(() -> engine.logTail(id, 5), t -> t.contains("response:200"))).contains("response:200");
  }

  @Test
  void reportsExitCodeAndLogTailAfterExit() throws Exception {
    StringBuilder script = new StringBuilder();
    for (int i = 1; i <= 30; i++) {
      script.append("echo line").append(i).append(";");
    }
    String id = create(spec(TestImages.BUSYBOX, List.of("sh", "-c", script + " sleep 0.3; echo boom >&2; exit 7"), List.of()));
    engine.start(id);
    ContainerState s = engine.inspect(id).orElseThrow();
    for (int i = 0; i < 100 && s.running(); i++) {
      Thread.sleep(50);
      s = engine.inspect(id).orElseThrow();
    }
    assertThat(s.running()).isFalse();
    assertThat(s.exitCode()).isEqualTo(7);
    assertThat(s.oomKilled()).isFalse();
    // the engine copies stdout and stderr on separate threads (their order is only kept apart in
    // time, hence the sleep above) and may write the last line just after the exit
    List<String> tail = eventually(() -> engine.logTail(id, 3), t -> t.contains("boom")).lines().toList();
    assertThat(tail).as("the tail of stdout and stderr").contains("boom", "line30").doesNotContain("line1", "line20").hasSizeLessThan(7);
  }

  @Test
  void stopsWithinTheGraceThenRemovesAndKnowsWhatIsGone() {
    String id = create(spec(TestImages.BUSYBOX, List.of("sleep", "600"), List.of()));
    engine.start(id);
    long t = System.nanoTime();
    assertThat(engine.stop(id, Duration.ofSeconds(1))).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(10));
    assertThat(engine.inspect(id).orElseThrow().running()).isFalse();
    assertThat(engine.stop(id, Duration.ZERO)).as("stopping a stopped container").isTrue();
    assertThat(engine.remove(id)).isTrue();
    assertThat(engine.inspect(id)).isEmpty();
    assertThat(engine.remove(id)).isFalse();
    assertThat(engine.stop(id, Duration.ZERO)).isFalse();
    assertThat(engine.logTail(id, 5)).isEmpty();
  }

  @Test
  void listsByLabel() {
    String a = create(spec(TestImages.BUSYBOX, List.of("true"), List.of()));
    String b = create(spec(TestImages.BUSYBOX, List.of("true"), List.of()));
    List<Engine.Listed> listed = engine.list("io.sparksidecar.test", tag);
    assertThat(listed).extracting(Engine.Listed::id).containsExactlyInAnyOrder(a, b);
    assertThat(listed.get(0).labels()).containsEntry("x.y", "z");
    assertThat(engine.list("io.sparksidecar.test", "nobody-" + tag)).isEmpty();
  }

  @Test
  void failuresNameWhatFailed() {
    assertThatThrownBy(() -> create(spec("spark-sidecar/no-such-image:1", List.of(), List.of())))
        .isInstanceOf(SidecarException.class).hasMessageContaining("no-such-image");
    ContainerSpec badBind = new ContainerSpec(TestImages.BUSYBOX, tag + "-bad", Map.of("io.sparksidecar.test", tag), "5001",
        List.of(), List.of(), List.of("true"), List.of("relative/path:/data"), List.of(), List.of("ALL"), List.of(), 64,
        "bridge", List.of(), 0, 0, 0, 0);
    assertThatThrownBy(() -> create(badBind)).isInstanceOf(SidecarException.class).hasMessageContaining("relative/path");
  }

  @Test
  void anEngineThatIsNotThereFailsClearly() throws Exception {
    Path missing = work.resolve("no-docker.sock");
    assertThat(Files.exists(missing)).isFalse();
    Engine none = engine("unix://" + missing);
    assertThatThrownBy(none::ping).isInstanceOf(SidecarException.class).hasMessageContaining(missing.toString());
    none.close();
  }
}
