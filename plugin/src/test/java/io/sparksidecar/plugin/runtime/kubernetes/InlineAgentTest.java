package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * protocol=v1 with an unchanged image: the sh agent is inlined in the sidecar's command
 * ({@code sh -c <script>}). Runs the very command, args, env and startup probe that Spark's
 * builder put into the pod, here with /bin/sh on this machine instead of in a container.
 */
class InlineAgentTest {
  @TempDir
  Path mountBase;

  @Test
  void theSidecarsCommandRunsTheAgentAndItsStartupProbePasses() throws Exception {
    Container sidecar = SparkPods.sidecar(SparkPods.build(SparkPods.conf("spark.sidecar.protocol", "v1",
        "spark.sidecar.command", "sh -c 'cp \"$SIDECAR_IN\"/* \"$SIDECAR_OUT\"/'",
        "spark.sidecar.volumes.mountBase", mountBase.toString())));
    assertThat(sidecar.getCommand().subList(0, 2)).containsExactly("/bin/sh", "-c");
    assertThat(sidecar.getCommand().get(2)).isEqualTo(SidecarPodSpecs.agentScript());
    assertThat(sidecar.getCommand()).contains("--volume", mountBase + "/shared");
    assertThat(sidecar.getArgs()).containsExactly("sh", "-c", "cp \"$SIDECAR_IN\"/* \"$SIDECAR_OUT\"/");
    assertThat(sidecar.getImage()).isEqualTo("sidecar:1"); // unchanged image

    List<String> argv = new ArrayList<>(sidecar.getCommand());
    argv.addAll(sidecar.getArgs());
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(mountBase.resolve("agent.log").toFile());
    for (EnvVar e : sidecar.getEnv()) {
      pb.environment().put(e.getName(), e.getValue());
    }
    Files.createDirectories(mountBase.resolve("shared"));
    Process agent = pb.start();
    try {
      List<String> probe = sidecar.getStartupProbe().getExec().getCommand();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int rc = -1;
      while (rc != 0 && System.nanoTime() < deadline) {
        rc = new ProcessBuilder(probe).start().waitFor();
      }
      assertThat(rc).as("startup probe; agent log:\n" + Files.readString(mountBase.resolve("agent.log"))).isZero();
      assertThat(Files.readString(mountBase.resolve("shared/agent/info"))).contains("agent=sh", "protocol=1");
    } finally {
      agent.descendants().forEach(ProcessHandle::destroy);
      agent.destroy();
      agent.waitFor(5, TimeUnit.SECONDS);
    }
    // the probe fails once the agent is gone (stopped marker or a heartbeat that no longer changes)
    assertThat(new ProcessBuilder(sidecar.getStartupProbe().getExec().getCommand()).start().waitFor()).isNotZero();
  }
}
