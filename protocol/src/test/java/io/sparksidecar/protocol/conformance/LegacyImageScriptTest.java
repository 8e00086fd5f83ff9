package io.sparksidecar.protocol.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.Liveness;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.VolumeOptions;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An entrypoint written for the older flag convention (touch-ed flags, one-second polling, fixed
 * paths), run unchanged against the legacy client: the compatibility promise of PROTOCOL.md section 8.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LegacyImageScriptTest {
  @Test
  void unchangedLegacyEntrypointRoundTrips(@TempDir Path base) throws Exception {
    Path script = base.resolve("entrypoint.sh");
    try (InputStream in = getClass().getResourceAsStream("/conformance/legacy-image.sh")) {
      Files.copy(in, script);
    }
    Path vol = Files.createDirectories(base.resolve("shared"));
    ProcessBuilder pb = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true)
        .redirectOutput(base.resolve("container.log").toFile());
    pb.environment().put("LEGACY_VOLUME", vol.toString());
    Process image = pb.start();
    try {
      VolumeOptions options = VolumeOptions.defaults().withExtraLiveness(Liveness.of(image::isAlive, "the legacy image"));
      try (Volume volume = Volume.openLegacy(vol, options); Handoff h = volume.newHandoff()) {
        h.writeInput("infile.csv", "fruit,count\napple,3\n".getBytes(StandardCharsets.UTF_8)).expectOutput("outfile.csv");
        HandoffResult r = h.run(Duration.ofSeconds(30));
        assertThat(r.exitCode()).isZero();
        assertThat(h.readLines("outfile.csv")).containsExactly("FRUIT,COUNT", "APPLE,3");
        assertThat(h.log()).contains("legacy image: processing");
      }
      assertThat(image.waitFor(10, TimeUnit.SECONDS)).as("the image exits after close_flag").isTrue();
      assertThat(image.exitValue()).isZero();
      assertThat(vol.resolve("infile.csv")).doesNotExist();
      assertThat(vol.resolve("outfile.csv")).doesNotExist();
    } finally {
      image.destroyForcibly();
    }
  }
}
