package io.sparksidecar.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.plugin.runtime.kubernetes.KubernetesRuntime;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffResult;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor side in a pod (runtime {@code kubernetes}): the hand-off volumes are the pod's
 * emptyDir mounts at {@code <mountBase>/<name>} (temp dirs stand in for them), not directories of
 * its own; readiness {@code agent} passes through the agent's heartbeat there; closing leaves the
 * mounts alone. The "sidecar container" is the sh agent run by the local /bin/sh.
 */
class ExecutorSidecarOnKubernetesTest {
  @TempDir
  Path mountBase;
  @TempDir
  Path work;

  private SidecarSettings settings() {
    return SidecarSettings.from(Map.of("spark.sidecar.protocol", "v1", "spark.sidecar.command", "x",
        "spark.sidecar.volumes", "shared,extra", "spark.sidecar.volumes.mountBase", mountBase.toString(),
        "spark.sidecar.readiness.timeout", "15s"));
  }

  @Test
  void handOffsGoThroughThePodsMountsWhichOutliveTheExecutorSide() throws Exception {
    Path shared = Files.createDirectories(mountBase.resolve("shared"));
    Files.createDirectories(mountBase.resolve("extra"));
    Path script = work.resolve("sidecar-agent.sh");
    try (InputStream in = getClass().getResourceAsStream("/io/sparksidecar/protocol/agent/sidecar-agent.sh")) {
      Files.write(script, in.readAllBytes());
    }
    ExecutorSidecar sidecar = new ExecutorSidecar("app-1", "3", settings(), new KubernetesRuntime(), work, s -> { });
    Process agent = null;
    try {
      // as in a pod with a native sidecar: the sidecar container runs before the executor's JVM does
      agent = new ProcessBuilder("/bin/sh", script.toString(), "--volume", shared.toString(), "--",
          "sh", "-c", "wc -l < \"$SIDECAR_IN/rows\" | tr -d ' ' > \"$SIDECAR_OUT/count\"")
          .redirectErrorStream(true).redirectOutput(work.resolve("agent.log").toFile()).start();
      sidecar.start(); // observes only: blocks until readiness agent sees the heartbeat in the pod's volume
      assertThat(sidecar.status().state()).isEqualTo(Supervisor.State.READY);
      try (Handoff h = sidecar.newHandoff()) {
        HandoffResult r = h.writeLines("rows", List.of("a", "b", "c")).expectOutput("count").run(Duration.ofSeconds(20));
        assertThat(r.ok()).as("%s; agent log:%n%s", r, Files.readString(work.resolve("agent.log"))).isTrue();
        assertThat(h.readLines("count")).containsExactly("3");
      }
      assertThat(sidecar.handoffs()).isEqualTo(1);
    } finally {
      sidecar.close();
      if (agent != null) {
        agent.descendants().forEach(ProcessHandle::destroy);
        agent.destroy();
        agent.waitFor(5, TimeUnit.SECONDS);
      }
    }
    assertThat(shared).as("the pod's emptyDir is not ours to delete").isDirectory();
    assertThat(mountBase.resolve("extra")).isDirectory();
    assertThat(work.resolve("sidecar-volumes")).as("no directories of its own in the work dir").doesNotExist();
  }

  @Test
  void aMissingMountIsAPermanentFailureNamingThePath() {
    assertThatThrownBy(() -> new ExecutorSidecar("app-1", "3", settings(), new KubernetesRuntime(), work, s -> { }))
        .isInstanceOf(SidecarException.class).hasMessageContaining(mountBase.resolve("shared").toString())
        .hasMessageContaining("spark.sidecar.volumes.mountBase").matches(e -> ((SidecarException) e).isPermanent());
  }
}
