package io.sparksidecar.protocol.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {
  @Test
  void parsesAllFlagsAndTheCommand() {
    AgentOptions o = AgentOptions.parse(new String[] {"--volume", "/v", "--concurrency", "4", "--legacy",
        "--client-timeout-ms", "900", "--grace-ms", "10", "--", "dd", "if=in/x", "of=out/x"});
    assertThat(o.volume().toString()).isEqualTo("/v");
    assertThat(o.concurrency()).isEqualTo(4);
    assertThat(o.legacy()).isTrue();
    assertThat(o.worker()).isFalse();
    assertThat(o.clientTimeout().toMillis()).isEqualTo(900);
    assertThat(o.grace().toMillis()).isEqualTo(10);
    assertThat(o.command()).containsExactly("dd", "if=in/x", "of=out/x");
  }

  @Test
  void defaultsSurviveLongPauses() {
    AgentOptions o = AgentOptions.parse(new String[] {"--volume", "/v", "--", "x"});
    assertThat(o.clientTimeout().toMillis()).as("spark.network.timeout's default").isEqualTo(120_000);
    assertThat(o.grace().toMillis()).isEqualTo(1000);
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "/v", "--client-timeout-ms", "0", "--", "x"}))
        .hasMessageContaining("--client-timeout-ms must be >= 1");
  }

  @Test
  void badInputNamesTheFlag() {
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--", "cat"})).hasMessageContaining("--volume");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "/v"})).hasMessageContaining("no command");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "/v", "--concurrency", "many", "--", "x"}))
        .hasMessageContaining("--concurrency").hasMessageContaining("'many'");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "/v", "--concurrency", "0", "--", "x"}))
        .hasMessageContaining("--concurrency");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "/v", "--frobnicate", "--", "x"}))
        .hasMessageContaining("'--frobnicate'");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume"})).hasMessageContaining("--volume needs a value");
    assertThat(AgentOptions.parse(new String[] {"--volume", "v", "--", "x"}).command()).isEqualTo(List.of("x"));
    assertThat(AgentOptions.parse(new String[] {"--volume", "v", "--worker", "--", "x"}).worker()).isTrue();
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "v", "--worker", "--legacy", "--", "x"}))
        .hasMessageContaining("--worker cannot be combined with --legacy");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "v", "--env", "NOVALUE", "--", "x"}))
        .hasMessageContaining("--env needs NAME=VALUE, got 'NOVALUE'");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "v", "--env", "=1", "--", "x"}))
        .hasMessageContaining("--env needs NAME=VALUE, got '=1'");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "v", "--unset-env", "A=B", "--", "x"}))
        .hasMessageContaining("bad variable name 'A=B'");
    assertThatThrownBy(() -> AgentOptions.parse(new String[] {"--volume", "v", "--unset-env"}))
        .hasMessageContaining("--unset-env needs a value");
  }
}
