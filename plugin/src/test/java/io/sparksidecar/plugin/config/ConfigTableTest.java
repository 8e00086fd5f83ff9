package io.sparksidecar.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's key table is generated from SidecarKeys; this fails when someone forgets to regenerate it. */
class ConfigTableTest {
  @Test
  void readmeTableMatchesTheDeclaredKeys() throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme);
    assertThat(text)
        .as("README.md key table is stale: run `java -cp plugin/target/classes io.sparksidecar.plugin.config.ConfigTable --write .`")
        .contains(ConfigTable.markdown());
    assertThat(text.split(java.util.regex.Pattern.quote(ConfigTable.BEGIN), -1)).as("one table in README.md").hasSize(2);
    assertThat(text.split(java.util.regex.Pattern.quote(ConfigTable.END), -1)).as("one table in README.md").hasSize(2);
  }

  @Test
  void exampleSparkDefaultsHasEveryKey() throws Exception {
    String conf = Files.readString(Path.of("..", "conf", "spark-defaults.conf"));
    assertThat(conf)
        .as("conf/spark-defaults.conf is stale: run `java -cp plugin/target/classes io.sparksidecar.plugin.config.ConfigTable --write .`")
        .isEqualTo(ConfigTable.sparkDefaults());
    for (ConfigKey<?> k : SidecarKeys.ALL) {
      assertThat(conf).contains(k.name());
    }
  }
}
