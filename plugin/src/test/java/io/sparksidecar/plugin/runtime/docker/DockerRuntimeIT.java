package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Readiness;
import io.sparksidecar.plugin.runtime.RestartPolicy;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The docker runtime against the real engine and real images (images/build.sh). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerRuntimeIT {
  @TempDir
  Path work;
  private final String app = "it-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void nothingLeftBehind() {
    assertThat(Docker.containersWithLabel(Owner.LABEL_APP, app)).as("containers of %s left behind", app).isEmpty();
  }

  private SidecarSpec spec(Map<String, Path> volumes, String... kv) {
    Map<String, String> conf = new HashMap<>(Map.of("spark.sidecar.runtime", "docker"));
    for (int i = 0; i < kv.length; i += 2) {
      conf.put(kv[i], kv[i + 1]);
    }
    return new SidecarSpec(app, "1", SidecarSettings.from(conf), volumes, work);
  }

  private static String get(URI uri) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  @Test
  void serverSidecarLifecycleOnLoopback() throws Exception {
    SidecarSpec spec = spec(Map.of(), "spark.sidecar.image", TestImages.HELLO_SERVER, "spark.sidecar.ports", "1234");
    try (DockerRuntime runtime = new DockerRuntime(spec.settings())) {
      SidecarInstance i = runtime.start(spec);
      try {
        int port = i.hostPort(1234);
        Readiness.await(i, Readiness.forHttp(1234, "/hello"), Duration.ofSeconds(20), "hello-server");
        assertThat(get(URI.create("http://127.0.0.1:" + port + "/hello"))).isEqualTo("Hello World");
        assertThat(Docker.containersWithLabel(Owner.LABEL_APP, app)).hasSize(1);
      } finally {
        i.stop(Duration.ofSeconds(2));
      }
      assertThat(i.status().running()).isFalse();
    }
  }

  @Test
  void containersAreHardenedByDefault() throws Exception {
    SidecarSpec spec = spec(Map.of("shared", Files.createDirectories(work.resolve("shared"))),
        "spark.sidecar.image", TestImages.HELLO_SERVER, "spark.sidecar.ports", "1234",
        "spark.sidecar.resourceProfile", "SMALL_CPU_SMALL_MEMORY", "spark.sidecar.shm", "64m");
    try (DockerRuntime runtime = new DockerRuntime(spec.settings())) {
      SidecarInstance i = runtime.start(spec);
      try {
        String id = i.id();
        assertThat(Docker.inspect(id, "{{.Config.User}}")).isEqualTo("5001:5001");
        assertThat(Docker.inspect(id, "{{.HostConfig.CapDrop}}")).contains("ALL");
        assertThat(Docker.inspect(id, "{{.HostConfig.SecurityOpt}}")).contains("no-new-privileges");
        assertThat(Docker.inspect(id, "{{.HostConfig.PidsLimit}}")).isEqualTo("512");
        assertThat(Docker.inspect(id, "{{.HostConfig.NanoCpus}}")).isEqualTo("1000000000");
        assertThat(Docker.inspect(id, "{{.HostConfig.Memory}}")).isEqualTo(String.valueOf(3L << 30));
        assertThat(Docker.inspect(id, "{{.HostConfig.ShmSize}}")).isEqualTo(String.valueOf(64L << 20));
        assertThat(Docker.inspect(id, "{{json .HostConfig.PortBindings}}")).contains("\"HostIp\":\"127.0.0.1\"")
            .doesNotContain("0.0.0.0");
        assertThat(Docker.inspect(id, "{{json .Config.Labels}}")).contains(app).contains("io.sparksidecar.owner")
            .contains("\"io.sparksidecar.executor\":\"1\"");
        assertThat(Docker.inspect(id, "{{json .Mounts}}")).contains("/opt/sidecar/shared-volumes/shared");
      } finally {
        i.stop(Duration.ZERO);
      }
    }
  }

  @Test
  void rootIsRefusedUnlessAllowed() {
    SidecarSpec root = spec(Map.of(), "spark.sidecar.image", TestImages.BUSYBOX_ROOT, "spark.sidecar.command", "sleep 30");
    try (DockerRuntime runtime = new DockerRuntime(root.settings())) {
      assertThatThrownBy(() -> runtime.start(root))
          .isInstanceOfSatisfying(SidecarException.class, e -> assertThat(e.isPermanent()).isTrue())
          .hasMessageContaining(TestImages.BUSYBOX_ROOT).hasMessageContaining("root")
          .hasMessageContaining("spark.sidecar.user").hasMessageContaining("spark.sidecar.allowRoot");
    }
    SidecarSpec uid0 = spec(Map.of(), "spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.user", "0",
        "spark.sidecar.command", "sleep 30");
    try (DockerRuntime runtime = new DockerRuntime(uid0.settings())) {
      assertThatThrownBy(() -> runtime.start(uid0)).hasMessageContaining("spark.sidecar.user is '0' (root)");
    }
    SidecarSpec allowed = spec(Map.of(), "spark.sidecar.image", TestImages.BUSYBOX_ROOT, "spark.sidecar.allowRoot", "true",
        "spark.sidecar.command", "sleep 30");
    try (DockerRuntime runtime = new DockerRuntime(allowed.settings())) {
      SidecarInstance i = runtime.start(allowed);
      i.stop(Duration.ZERO);
    }
  }

  @Test
  void aMissingImageIsAPermanentFailureNamingIt() {
    SidecarSpec spec = spec(Map.of(), "spark.sidecar.image", "spark-sidecar/does-not-exist:1");
    try (DockerRuntime runtime = new DockerRuntime(spec.settings())) {
      assertThatThrownBy(() -> runtime.start(spec))
          .isInstanceOfSatisfying(SidecarException.class, e -> assertThat(e.isPermanent()).isTrue())
          .hasMessageContaining("image spark-sidecar/does-not-exist:1 (spark.sidecar.image) is not present");
    }
  }

  @Test
  void readinessTimeoutNamesWhatWasAwaitedAndRemovesTheContainer() {
    SidecarSpec spec = spec(Map.of(), "spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.ports", "1234",
        "spark.sidecar.command", "sh -c 'echo starting but never listening; sleep 60'", "spark.sidecar.readiness.timeout", "2s",
        "spark.sidecar.restart.maxRestarts", "0");
    try (DockerRuntime runtime = new DockerRuntime(spec.settings())) {
      Supervisor s = new Supervisor(runtime, spec, Readiness.forPort(1234), new RestartPolicy(0, Duration.ofMillis(10)),
          Duration.ofSeconds(2), Duration.ZERO, Duration.ofMillis(200), x -> { });
      assertThatThrownBy(s::start)
          .hasMessageContaining("never ready after 2 s: awaited a TCP connection to 127.0.0.1:")
          .hasMessageContaining("(the sidecar's port 1234)")
          .hasMessageContaining("starting but never listening");
      s.close();
    }
  }

  @Test
  void aCrashedContainerIsRestartedAndItsExitCodeKept() throws Exception {
    Path marker = Files.createDirectories(work.resolve("shared"));
    io.sparksidecar.protocol.Protocol.shareWithGroup(marker);
    SidecarSpec spec = spec(Map.of("shared", marker), "spark.sidecar.image", TestImages.BUSYBOX,
        "spark.sidecar.command", "sh -c 'echo up; if [ ! -e /opt/sidecar/shared-volumes/shared/crashed ]; then "
            + "touch /opt/sidecar/shared-volumes/shared/crashed; sleep 1; exit 3; fi; sleep 60'");
    try (DockerRuntime runtime = new DockerRuntime(spec.settings())) {
      Supervisor s = new Supervisor(runtime, spec, Readiness.forLogLine("^up$"), new RestartPolicy(2, Duration.ofMillis(100)),
          Duration.ofSeconds(20), Duration.ZERO, Duration.ofMillis(200), x -> { });
      try {
        s.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (s.snapshot().restarts() < 1 || s.snapshot().state() != Supervisor.State.READY) {
          assertThat(System.currentTimeMillis()).as("restarted: %s", s.snapshot()).isLessThan(deadline);
          Thread.sleep(50);
        }
        assertThat(s.snapshot().lastExitCode()).isEqualTo(3);
        assertThat(Docker.containersWithLabel(Owner.LABEL_APP, app)).as("the crashed container was removed").hasSize(1);
      } finally {
        s.close();
      }
    }
  }

  @Test
  void protocolV1InjectsTheShAgentIntoAnUnchangedImage() throws Exception {
    Path vol = Files.createDirectories(work.resolve("shared"));
    io.sparksidecar.protocol.Protocol.shareWithGroup(vol); // as VolumeDirs prepares it: 2770, no world access
    SidecarSpec spec = spec(Map.of("shared", vol), "spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.protocol", "v1",
        "spark.sidecar.command", "sh -c 'dd if=in/infile.csv of=out/outfile.csv'");
    try (DockerRuntime runtime = new DockerRuntime(spec.settings());
         Volume volume = Volume.open(vol, io.sparksidecar.protocol.VolumeOptions.defaults().withGroupWritable(true))) {
      SidecarInstance i = runtime.start(spec);
      try {
        Readiness.await(i, Readiness.forAgent(vol), Duration.ofSeconds(20), "agent");
        try (Handoff h = volume.newHandoff()) {
          h.writeInput("infile.csv", "fruit,n\napple,1\n".getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
          h.run(Duration.ofSeconds(30));
          assertThat(h.readLines("outfile.csv")).containsExactly("fruit,n", "apple,1");
          assertThat(h.log()).contains("records in");
        }
      } finally {
        i.stop(Duration.ofSeconds(2));
      }
    }
  }

  @Test
  void aSigkilledOwnerLeavesNoContainerBehind() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process owner = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        ContainerOwner.class.getName(), app).redirectErrorStream(true)
        .redirectOutput(work.resolve("owner.log").toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    try {
      long deadline = System.currentTimeMillis() + 60_000;
      while (!Files.readString(work.resolve("owner.log")).contains("started")) {
        assertThat(owner.isAlive()).as("owner alive: %s", Files.readString(work.resolve("owner.log"))).isTrue();
        assertThat(System.currentTimeMillis()).isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(Docker.containersWithLabel(Owner.LABEL_APP, app)).hasSize(1);
      owner.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no plugin shutdown
      long killed = System.currentTimeMillis();
      while (!Docker.containersWithLabel(Owner.LABEL_APP, app).isEmpty()) {
        assertThat(System.currentTimeMillis() - killed).as("container gone within 30 s of the SIGKILL").isLessThan(30_000);
        Thread.sleep(250);
      }
      System.out.printf("container removed %d ms after its owner was SIGKILLed%n", System.currentTimeMillis() - killed);
    } finally {
      owner.destroyForcibly();
    }
  }

  @Test
  void aStartSweepsContainersOfDeadOwnersOnThisHost() throws Exception {
    Owner dead = new Owner(Owner.self().host(), 999_999_999L, 1L); // no such process
    Owner foreign = new Owner("another-host", 999_999_998L, 1L);
    String orphan = Docker.run("run", "-d", "--label", Owner.LABEL_APP + "=" + app, "--label", Owner.LABEL_OWNER + "=" + dead.id(),
        "--label", Owner.LABEL_HOST + "=" + dead.host(), TestImages.BUSYBOX, "sleep", "600");
    String elsewhere = Docker.run("run", "-d", "--label", Owner.LABEL_APP + "=" + app + "-x", "--label",
        Owner.LABEL_OWNER + "=" + foreign.id(), "--label", Owner.LABEL_HOST + "=" + foreign.host(), TestImages.BUSYBOX, "sleep", "600");
    try {
      SidecarSpec spec = spec(Map.of(), "spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.command", "sleep 60");
      try (DockerRuntime runtime = new DockerRuntime(spec.settings())) {
        SidecarInstance i = runtime.start(spec);
        i.stop(Duration.ZERO);
      }
      // the sweep runs on a background thread after the start
      long deadline = System.currentTimeMillis() + 10_000;
      while (!Docker.run("ps", "-aq", "--no-trunc", "--filter", "id=" + orphan).isEmpty()) {
        assertThat(System.currentTimeMillis()).as("orphan of a dead owner swept").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(Docker.run("ps", "-aq", "--no-trunc", "--filter", "id=" + elsewhere)).as("another host's container kept").isNotEmpty();
    } finally {
      Docker.run("rm", "-f", orphan, elsewhere);
    }
  }

  /** A stand-in executor JVM: starts one container, then waits to be killed. */
  public static final class ContainerOwner {
    public static void main(String[] args) throws Exception {
      SidecarSettings s = SidecarSettings.from(Map.of("spark.sidecar.runtime", "docker", "spark.sidecar.image", TestImages.BUSYBOX,
          "spark.sidecar.command", "sleep 600"));
      Path work = Files.createTempDirectory("owner");
      SidecarInstance i = new DockerRuntime(s).start(new SidecarSpec(args[0], "9", s, Map.of(), work));
      System.out.println("started " + i.id());
      Thread.sleep(Long.MAX_VALUE);
    }
  }

}
