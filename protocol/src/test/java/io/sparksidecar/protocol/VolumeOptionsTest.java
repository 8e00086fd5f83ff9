package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class VolumeOptionsTest {
  @Test
  void withersValidateAndNameTheSetting() {
    VolumeOptions o = VolumeOptions.defaults();
    assertThatThrownBy(() -> o.withStaleAfter(Duration.ZERO)).hasMessageContaining("staleAfter");
    assertThatThrownBy(() -> o.withPollInterval(Duration.ofMillis(-1))).hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> o.withMaxOutputBytes(0)).hasMessageContaining("maxOutputBytes");
    assertThatThrownBy(() -> o.withLogTailLines(-1)).hasMessageContaining("logTailLines");
    VolumeOptions changed = o.withStaleAfter(Duration.ofSeconds(3)).withMaxOutputBytes(10);
    assertThat(changed.staleAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(changed.maxOutputBytes()).isEqualTo(10);
    assertThat(o.staleAfter()).isEqualTo(Duration.ofSeconds(1)); // immutable
  }
}
