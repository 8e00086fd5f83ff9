package io.sparksidecar.plugin.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Readiness;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Warm agent JVMs: real JVMs, the real agent, real hand-offs; the same sidecar a cold start gives. */
class WarmAgentsTest {
  @TempDir
  Path work;

  @AfterEach
  void close() {
    ProcessRuntime.closeWarmAgent();
  }

  private static Process awaitSpare() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (WarmAgents.spare() == null) {
      assertThat(System.currentTimeMillis()).as("a warm agent within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    return WarmAgents.spare();
  }

  private SidecarSpec spec(Path vol, String command) throws Exception {
    Path env = Files.createDirectories(work.resolve("env").resolve("bin")).getParent();
    Files.writeString(env.resolve("pyvenv.cfg"), "home = /usr/bin\n");
    return new SidecarSpec("app-w", "4.session-abc", SidecarSettings.from(Map.of("spark.sidecar.protocol", "v1",
        "spark.sidecar.command", command, "spark.sidecar.process.archive", "env", "spark.sidecar.env.X", "a b=c")),
        Map.of("shared", vol), work);
  }

  @Test
  void aV1SidecarTakesTheWarmAgentWithTheEnvironmentAColdOneGetsAndAnotherIsWarmedAfter() throws Exception {
    ProcessRuntime.keepWarmAgent("app-w", "4", work);
    Process spare = awaitSpare();
    Path vol = Files.createDirectories(work.resolve("vol"));
    String show = "sh -c 'echo \"$X|$VIRTUAL_ENV|$SIDECAR_EXECUTOR_ID|$SIDECAR_VOLUME_SHARED|${PYTHONHOME-none}|$PATH\" > out/env.txt'";
    for (boolean warm : new boolean[] {true, false}) {
      if (!warm) {
        ProcessRuntime.closeWarmAgent(); // and none kept: a cold agent
      }
      try (Volume volume = Volume.open(vol)) {
        SidecarInstance i = new ProcessRuntime().start(spec(vol, show));
        try {
          assertThat(i.id()).isEqualTo(warm ? "pid " + spare.pid() : i.id());
          if (!warm) {
            assertThat(i.id()).isNotEqualTo("pid " + spare.pid());
          }
          Readiness.await(i, Readiness.forAgent(vol), Duration.ofSeconds(20), "agent");
          try (Handoff h = volume.newHandoff()) {
            h.expectOutput("env.txt").run(Duration.ofSeconds(30));
            Path env = work.resolve("env");
            assertThat(h.readLines("env.txt")).as(warm ? "warm" : "cold").singleElement().asString()
                .startsWith("a b=c|" + env + "|4.session-abc|" + vol + "|none|" + env.resolve("bin") + ":");
          }
          if (warm) {
            Process next = awaitSpare();
            assertThat(next.pid()).isNotEqualTo(spare.pid());
          }
        } finally {
          i.stop(Duration.ofSeconds(2));
        }
        assertThat(i.status().running()).isFalse();
      }
    }
    assertThat(spare.isAlive()).isFalse();
  }

  @Test
  void aWarmAgentEndsWithItsStdinAndCloseStopsTheSpare() throws Exception {
    ProcessRuntime.keepWarmAgent("app-w", "5", work);
    Process spare = awaitSpare();
    assertThat(Files.readString(io.sparksidecar.plugin.runtime.WorkDirFiles.pids(work))).contains(spare.pid() + " "); // for the watchdog
    spare.getOutputStream().close(); // what the executor's death does to the pipe
    assertThat(spare.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(spare.exitValue()).isZero();
    ProcessRuntime.closeWarmAgent();
    ProcessRuntime.keepWarmAgent("app-w", "5", work);
    Process again = awaitSpare(); // killed at once, likely while it rehearses
    ProcessRuntime.closeWarmAgent();
    assertThat(again.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(WarmAgents.spare()).isNull();
    assertThat(rehearsals()).as("no rehearsal volume left").isEmpty();
  }

  @Test
  void aWarmAgentRehearsesOnAScratchVolumeItRemoves() throws Exception {
    ProcessRuntime.keepWarmAgent("app-w", "6", work);
    awaitSpare();
    Path log = work.resolve("sidecar-warm-agents.log");
    long deadline = System.currentTimeMillis() + 20_000;
    while (!Files.exists(log) || !Files.readString(log).contains("sidecar-agent launcher: rehearsed in ")) {
      assertThat(System.currentTimeMillis()).as("rehearsal over within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    Thread.sleep(200); // the volume is deleted right after
    assertThat(Files.readString(log)).doesNotContain("failed");
    assertThat(rehearsals()).isEmpty();
  }

  private java.util.List<Path> rehearsals() throws java.io.IOException {
    try (java.util.stream.Stream<Path> s = Files.list(work)) {
      return s.filter(p -> p.getFileName().toString().startsWith("sidecar-warm-") && Files.isDirectory(p)).toList();
    }
  }
}
