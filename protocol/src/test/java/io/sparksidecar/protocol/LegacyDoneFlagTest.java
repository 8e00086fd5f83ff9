package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a legacy {@code done_flag} means (PROTOCOL.md section 8); the test plays the legacy image. */
class LegacyDoneFlagTest {
  @TempDir
  Path vol;

  /** Starts a hand-off, writes {@code done_flag} with {@code content} as the image would, and awaits it. */
  private HandoffResult handOff(String content) throws Exception {
    try (Volume volume = Volume.openLegacy(vol, VolumeOptions.defaults()); Handoff h = volume.newHandoff("legacy-t")) {
      h.writeInput("infile.csv", "a\n".getBytes(StandardCharsets.UTF_8));
      h.start();
      Files.writeString(vol.resolve("done_flag"), content);
      return h.await(Duration.ofSeconds(10));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n", "  \n", "exit=0\n", "exit=0", "0\n", "exit=0\nstatus=whatever\n"})
  void emptyOrExitZeroIsSuccess(String content) throws Exception {
    assertThat(handOff(content).exitCode()).isZero();
  }

  @Test
  void exitNIsThatExitCode() {
    assertThatThrownBy(() -> handOff("exit=3\n"))
        .isInstanceOfSatisfying(HandoffException.class, e -> assertThat(e.exitCode()).isEqualTo(3))
        .hasMessageContaining("legacy-t").hasMessageContaining("exit 3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"oops\n", "exit=\n", "exit=three\n", "done\nexit=0\n", "exit=99999999999\n"})
  void unparseableContentIsAFailureNamingTheFileAndItsContent(String content) {
    String firstLine = content.lines().findFirst().orElseThrow();
    assertThatThrownBy(() -> handOff(content))
        .isInstanceOfSatisfying(HandoffException.class, e -> assertThat(e.exitCode()).isEqualTo(HandoffException.NO_EXIT_CODE))
        .hasMessageContaining("legacy-t")
        .hasMessageContaining("unparseable done_flag " + vol.resolve("done_flag"))
        .hasMessageContaining("'" + firstLine + "'");
  }

  @Test
  void aLongFirstLineIsTruncatedInTheMessage() {
    String garbage = "x".repeat(500);
    assertThatThrownBy(() -> handOff(garbage + "\nmore"))
        .isInstanceOf(HandoffException.class)
        .hasMessageContaining("'" + "x".repeat(80) + "...'")
        .hasMessageNotContaining("x".repeat(81));
  }
}
