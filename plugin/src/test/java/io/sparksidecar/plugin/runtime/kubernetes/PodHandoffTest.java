package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.VolumeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.deploy.k8s.SparkPod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod as Spark's builder makes it really serves v1 hand-offs: the sidecar container's own
 * command, args and env (the inlined sh agent around an unchanged image's command) run here with
 * the local /bin/sh, a temp dir stands for the emptyDir, and the Java client (protocol's
 * {@link Volume}) opens it at the path the executor container mounts it and completes a hand-off.
 */
class PodHandoffTest {
  @TempDir
  Path mountBase;

  @Test
  void theSidecarOfTheBuiltPodCompletesAV1HandoffFromTheJavaClient() throws Exception {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.sidecar.protocol", "v1",
        "spark.sidecar.command", "sh -c 'tr a-z A-Z < \"$SIDECAR_IN/words\" > \"$SIDECAR_OUT/upper\"; echo converted'",
        "spark.sidecar.volumes.mountBase", mountBase.toString()));
    Container sidecar = SparkPods.sidecar(pod);
    // the executor container mounts the same emptyDir at the same path: that path is where the client opens it
    VolumeMount executorMount = pod.container().getVolumeMounts().stream()
        .filter(m -> m.getName().equals(SidecarPodSpec.VOLUME_PREFIX + "shared")).findFirst().orElseThrow();
    Path emptyDir = Path.of(executorMount.getMountPath());
    assertThat(emptyDir).isEqualTo(mountBase.resolve("shared"));
    assertThat(sidecar.getVolumeMounts()).extracting(VolumeMount::getMountPath).contains(executorMount.getMountPath());
    Files.createDirectories(emptyDir); // the kubelet creates the emptyDir before any container starts

    List<String> argv = new ArrayList<>(sidecar.getCommand());
    argv.addAll(sidecar.getArgs());
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(mountBase.resolve("agent.log").toFile());
    for (EnvVar e : sidecar.getEnv()) {
      pb.environment().put(e.getName(), e.getValue());
    }
    Process agent = pb.start();
    try (Volume volume = Volume.open(emptyDir, VolumeOptions.defaults().withGroupWritable(true))) {
      volume.awaitAgent(Duration.ofSeconds(10));
      long t0 = System.nanoTime();
      try (Handoff h = volume.newHandoff()) {
        h.writeLines("words", List.of("hello", "pod")).expectOutput("upper");
        HandoffResult r = h.run(Duration.ofSeconds(20));
        assertThat(r.ok()).as("result %s, log %s, agent log:%n%s", r, h.log(),
            Files.readString(mountBase.resolve("agent.log"))).isTrue();
        assertThat(h.readLines("upper")).containsExactly("HELLO", "POD");
        assertThat(h.log()).contains("converted");
      }
      System.out.printf("pod hand-off through the inlined sh agent: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    } finally {
      agent.descendants().forEach(ProcessHandle::destroy);
      agent.destroy();
      agent.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
