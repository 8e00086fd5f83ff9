package io.sparksidecar.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Durations and sizes go through Spark's own parsers; the forms the keys always accepted still work. */
class ParsersTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
      "500ms, 500", "30s, 30000", "5m, 300000", "1h, 3600000", "90, 90000", "0, 0",
      // Spark's forms, now accepted too
      "2min, 120000", "1d, 86400000", "1500us, 1", "30S, 30000", "' 45s ', 45000"})
  void durationsInEveryAcceptedForm(String raw, long millis) {
    assertThat(Parsers.duration().parse(raw)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({"soon", "1 second", "5x", "1.5s", "''", "ms"})
  void aBadDurationSaysWhatAValidOneLooksLike(String raw) {
    assertThatThrownBy(() -> Parsers.duration().parse(raw))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("not a duration (e.g. 500ms, 30s, 5m)");
  }

  @Test
  void aDurationBelowTheMinimumIsRefusedWithTheBound() {
    assertThatThrownBy(() -> Parsers.duration(Duration.ofMillis(100)).parse("50ms")).hasMessage("must be at least 100 ms");
    assertThatThrownBy(() -> Parsers.duration(Duration.ZERO).parse("-5s")).hasMessage("must not be negative");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
      "512m, 536870912", "3g, 3221225472", "1024k, 1048576", "100, 100", "512mb, 536870912", "2GB, 2147483648",
      "1t, 1099511627776", "100b, 100", "'', 0"})
  void sizesInEveryAcceptedForm(String raw, long bytes) {
    assertThat(Parsers.bytes().parse(raw)).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({"3x", "lots", "1.5g", "g"})
  void aBadSizeSaysWhatAValidOneLooksLike(String raw) {
    assertThatThrownBy(() -> Parsers.bytes().parse(raw))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("not a size (e.g. 512m, 3g)");
  }

  @Test
  void aNegativeSizeIsRefusedAsNegative() {
    assertThatThrownBy(() -> Parsers.bytes().parse("-1g")).hasMessage("must not be negative");
  }

  @Test
  void errorsThroughAKeyNameTheKeyAndTheValue() {
    assertThatThrownBy(() -> SidecarKeys.MEMORY.get(Map.of("spark.sidecar.memory", "1.5g")))
        .isInstanceOf(SidecarException.class)
        .hasMessage("invalid value '1.5g' for spark.sidecar.memory: not a size (e.g. 512m, 3g)");
    assertThatThrownBy(() -> SidecarKeys.READINESS_TIMEOUT.get(Map.of("spark.sidecar.readiness.timeout", "2 min")))
        .hasMessage("invalid value '2 min' for spark.sidecar.readiness.timeout: not a duration (e.g. 500ms, 30s, 5m)");
    assertThat(SidecarKeys.READINESS_TIMEOUT.get(Map.of("spark.sidecar.readiness.timeout", "2min"))).isEqualTo(Duration.ofMinutes(2));
  }
}
