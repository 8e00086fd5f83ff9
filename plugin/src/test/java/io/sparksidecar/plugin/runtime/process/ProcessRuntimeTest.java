package io.sparksidecar.plugin.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Readiness;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process runtime with real child processes, real files and the real Java protocol agent. */
class ProcessRuntimeTest {
  @TempDir
  Path work;

  private SidecarSpec spec(Map<String, Path> volumes, String... kv) {
    Map<String, String> conf = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      conf.put(kv[i], kv[i + 1]);
    }
    return new SidecarSpec("app-t", "3", SidecarSettings.from(conf), volumes, work);
  }

  @Test
  void startsReadyOnALogLineSeesItsEnvironmentAndStopsItsWholeTree() throws Exception {
    SidecarSpec spec = spec(Map.of("shared", work), "spark.sidecar.command",
        "sh -c 'echo \"mode=$MODE vol=$SIDECAR_VOLUME_SHARED exec=$SIDECAR_EXECUTOR_ID\"; sleep 60 & echo $! > child.pid; echo listening; wait'",
        "spark.sidecar.env.MODE", "fast");
    SidecarInstance i = new ProcessRuntime().start(spec);
    try {
      Readiness.await(i, Readiness.forLogLine("^listening$"), Duration.ofSeconds(10), "test sidecar");
      assertThat(i.logTail(5)).contains("mode=fast vol=" + work + " exec=3");
      long child = Long.parseLong(Files.readString(work.resolve("child.pid")).trim());
      i.stop(Duration.ofSeconds(2));
      assertThat(i.status().running()).isFalse();
      long deadline = System.currentTimeMillis() + 5000;
      while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)) {
        assertThat(System.currentTimeMillis()).as("grandchild %d killed", child).isLessThan(deadline);
        Thread.sleep(20);
      }
    } finally {
      i.stop(Duration.ZERO);
    }
  }

  @Test
  void anExitBeforeReadinessIsReportedWithExitCodeAndLogTail() {
    SidecarInstance i = new ProcessRuntime().start(spec(Map.of(), "spark.sidecar.command", "sh -c 'echo boom >&2; exit 7'"));
    assertThatThrownBy(() -> Readiness.await(i, Readiness.forPort(1), Duration.ofSeconds(10), "the sidecar of executor 3"))
        .isInstanceOf(SidecarException.class)
        .hasMessageContaining("the sidecar of executor 3 exited with 7 before it was ready")
        .hasMessageContaining("boom");
  }

  @Test
  void neverReadyNamesWhatWasAwaited() {
    SidecarInstance i = new ProcessRuntime().start(spec(Map.of(), "spark.sidecar.command", "sleep 30"));
    try {
      assertThatThrownBy(() -> Readiness.await(i, Readiness.forHttp(1, "/hello"), Duration.ofMillis(300), "sidecar"))
          .hasMessageContaining("was never ready after 0 s: awaited GET http://127.0.0.1:1/hello");
    } finally {
      i.stop(Duration.ZERO);
    }
  }

  @Test
  void aMissingCommandOrArchiveIsNamed() {
    assertThatThrownBy(() -> new ProcessRuntime().start(spec(Map.of(), "spark.sidecar.command", "/nonexistent/tool --x")))
        .hasMessageContaining("/nonexistent/tool").hasMessageContaining("spark.sidecar.command");
    assertThatThrownBy(() -> new ProcessRuntime().start(spec(Map.of(), "spark.sidecar.command", "python3 -m x",
        "spark.sidecar.process.archive", "env")))
        .hasMessageContaining("spark.sidecar.process.archive=env").hasMessageContaining("spark.archives");
  }

  @Test
  void anArchiveDirectoryPutsItsBinFirstOnPath() throws Exception {
    Path bin = Files.createDirectories(work.resolve("env").resolve("bin"));
    Path tool = Files.writeString(bin.resolve("tool"), "#!/bin/sh\necho from-the-archive\nsleep 30\n");
    tool.toFile().setExecutable(true);
    SidecarInstance i = new ProcessRuntime().start(spec(Map.of(), "spark.sidecar.command", "tool",
        "spark.sidecar.process.archive", "env"));
    try {
      Readiness.await(i, Readiness.forLogLine("from-the-archive"), Duration.ofSeconds(10), "sidecar");
    } finally {
      i.stop(Duration.ZERO);
    }
  }

  @Test
  void protocolV1RunsTheJavaAgentAndHandsOff() throws Exception {
    Path vol = Files.createDirectories(work.resolve("shared"));
    SidecarSpec spec = spec(Map.of("shared", vol), "spark.sidecar.protocol", "v1",
        "spark.sidecar.command", "sh -c 'tr a-z A-Z < in/infile.csv > out/outfile.csv'");
    try (Volume volume = Volume.open(vol)) {
      SidecarInstance i = new ProcessRuntime().start(spec);
      try {
        Readiness.await(i, Readiness.forAgent(vol), Duration.ofSeconds(20), "agent");
        try (Handoff h = volume.newHandoff()) {
          h.writeInput("infile.csv", "a,b\n".getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
          h.run(Duration.ofSeconds(30));
          assertThat(h.readLines("outfile.csv")).containsExactly("A,B");
        }
      } finally {
        i.stop(Duration.ofSeconds(2));
      }
    }
  }
}
