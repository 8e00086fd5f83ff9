package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffException;
import io.sparksidecar.protocol.LegacyVolume;
import io.sparksidecar.protocol.VolumeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A legacy flag-convention image in a pod: Spark's builder puts the legacy loop into the sidecar's
 * command, with the image's own command as its arguments. Runs that very command line with /bin/sh
 * here (as the container would), an old-style entrypoint as "the image's command" (the same logic
 * as images/legacy-flags, with its volume passed in), and drives hand-offs through it with the
 * executor's legacy client and the pod cycle: one process serves them all, none restarts.
 */
@Timeout(60)
class LegacyLoopTest {
  @TempDir
  Path mountBase;

  /** images/legacy-flags/legacy-entrypoint.sh, polling faster; one hand-off, then exit 0 (or exit 3 on "crash"). */
  private static final String OLD_STYLE = "VOL=\"$1\"; while [ ! -f \"$VOL/start_flag\" ]; do sleep 0.05; done;"
      + " if grep -q crash \"$VOL/infile.csv\"; then exit 3; fi;"
      + " { echo \"legacy image: copying infile.csv\"; dd if=\"$VOL/infile.csv\" of=\"$VOL/outfile.csv\"; } > \"$VOL/logfile\" 2>&1;"
      + " touch \"$VOL/done_flag\"; while [ ! -f \"$VOL/close_flag\" ]; do sleep 0.05; done; exit 0";

  @Test
  void thePodsLegacyLoopServesEveryHandOffFromOneContainerLife() throws Exception {
    Path entrypoint = Files.writeString(mountBase.resolve("entrypoint.sh"), OLD_STYLE);
    Path vol = Files.createDirectories(mountBase.resolve("shared"));
    Container sidecar = SparkPods.sidecar(SparkPods.build(SparkPods.conf("spark.sidecar.protocol", "legacy",
        "spark.sidecar.command", "/bin/sh " + entrypoint + " " + vol, "spark.sidecar.volumes.mountBase", mountBase.toString())));
    assertThat(sidecar.getCommand().subList(0, 2)).containsExactly("/bin/sh", "-c");
    assertThat(sidecar.getCommand().get(2)).isEqualTo(SidecarPodSpecs.script(SidecarPodSpecs.LEGACY_LOOP_RESOURCE));
    assertThat(sidecar.getCommand().subList(3, sidecar.getCommand().size())).containsExactly("sidecar-legacy-loop", vol.toString(), "--");
    assertThat(sidecar.getArgs()).containsExactly("/bin/sh", entrypoint.toString(), vol.toString());
    assertThat(sidecar.getImage()).isEqualTo("sidecar:1"); // unchanged image

    List<String> argv = new ArrayList<>(sidecar.getCommand());
    argv.addAll(sidecar.getArgs());
    Process container = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(mountBase.resolve("container.log").toFile()).start();
    try (LegacyVolume volume = new LegacyVolume(vol, VolumeOptions.defaults(), LegacyLoop.awaitFlagsCleared(Duration.ofSeconds(10)))) {
      for (int i = 0; i < 4; i++) {
        String row = "row-" + i + "," + i;
        try (Handoff h = volume.newHandoff()) {
          h.writeInput("infile.csv", (row + "\n").getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
          h.run(Duration.ofSeconds(20));
          assertThat(new String(h.readOutput("outfile.csv"), StandardCharsets.UTF_8)).isEqualTo(row + "\n");
          assertThat(h.log()).contains("legacy image: copying infile.csv");
        }
      }
      assertThat(container.isAlive()).as("one container life for every hand-off; its log:\n%s",
          Files.readString(mountBase.resolve("container.log"))).isTrue();

      // a run that fails ends the container with its code, for the kubelet to restart (and the driver to count)
      try (Handoff h = volume.newHandoff()) {
        h.writeInput("infile.csv", "crash\n".getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
        assertThatThrownBy(() -> h.run(Duration.ofSeconds(2))).isInstanceOf(HandoffException.class);
      }
      assertThat(container.waitFor(5, TimeUnit.SECONDS)).isTrue();
      assertThat(container.exitValue()).isEqualTo(3);
    } finally {
      container.descendants().forEach(ProcessHandle::destroy);
      container.destroy();
      container.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theExecutorWaitsForTheLoopAndSaysWhatIsLeftWhenItDoesNotCome() throws Exception {
    Path vol = Files.createDirectories(mountBase.resolve("shared"));
    Files.createFile(vol.resolve("close_flag")); // a run that never ends
    LegacyVolume.Cycle cycle = LegacyLoop.awaitFlagsCleared(Duration.ofMillis(300));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> cycle.beforeHandoff(vol)).isInstanceOf(SidecarException.class)
        .hasMessageContaining("did not clear close_flag in " + vol).hasMessageContaining("within 300 ms");
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 3_000L);
    assertThat(vol.resolve("close_flag")).as("the executor never clears a flag the image may still wait for").exists();
  }

  @Test
  void theLoopStopsItsRunOnSigterm() throws Exception {
    Path vol = Files.createDirectories(mountBase.resolve("shared"));
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", SidecarPodSpecs.script(SidecarPodSpecs.LEGACY_LOOP_RESOURCE),
        "sidecar-legacy-loop", vol.toString(), "--", "sleep", "30"));
    Process container = new ProcessBuilder(argv).start();
    Thread.sleep(300);
    List<ProcessHandle> children = container.descendants().toList();
    assertThat(children).isNotEmpty();
    container.toHandle().destroy(); // SIGTERM, as the kubelet sends when the pod goes
    assertThat(container.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(container.exitValue()).isEqualTo(143);
    for (ProcessHandle c : children) {
      assertThat(c.onExit().get(5, TimeUnit.SECONDS).isAlive()).isFalse();
    }
  }
}
