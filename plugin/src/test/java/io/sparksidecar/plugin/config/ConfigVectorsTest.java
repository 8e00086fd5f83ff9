package io.sparksidecar.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparksidecar.plugin.SidecarException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The config vectors shared with the Python client's {@code sparksidecar.config}
 * (protocol/python/tests/vectors/config.json): every value is accepted or refused by
 * {@link SidecarKeys} exactly as the vector says, with the very message, so that the Python
 * helper validates the same way as the plugin.
 */
class ConfigVectorsTest {
  private static final Path VECTORS = Path.of("..", "protocol", "python", "tests", "vectors", "config.json");

  @TestFactory
  Stream<DynamicTest> everyVectorIsJudgedAsTheSharedFileSays() throws Exception {
    JsonNode cases = new ObjectMapper().readTree(Files.readString(VECTORS)).get("cases");
    assertThat(cases.size()).isGreaterThan(40);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases) {
      String key = c.get("key").asText();
      String value = c.get("value").asText();
      tests.add(DynamicTest.dynamicTest(key + "=" + value, () -> {
        ConfigKey<?> declared = find(key).orElseThrow(() -> new AssertionError("no declared key " + key));
        if (c.get("ok").asBoolean()) {
          declared.get(Map.of(key, value));
        } else {
          assertThatThrownBy(() -> declared.get(Map.of(key, value)))
              .isInstanceOf(SidecarException.class).hasMessage(c.get("error").asText());
        }
      }));
    }
    return tests.stream();
  }

  private static Optional<ConfigKey<?>> find(String name) {
    return SidecarKeys.ALL.stream().filter(k -> k.name().equals(name)).findFirst();
  }
}
