package io.sparksidecar.protocol.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.protocol.Marker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The sh agent started without --client-timeout-ms and --grace-ms announces its defaults in agent/info. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShAgentDefaultsTest {
  @Test
  void defaultClientTimeoutIs120sAndGraceIs1s(@TempDir Path base) throws Exception {
    Path vol = Files.createDirectories(base.resolve("vol"));
    Path dash = ShellAgentLauncher.which("dash");
    LocalProcessAgent agent = LocalProcessAgent.start(List.of(dash.toString(), ShellAgentLauncher.agentScript().toString(),
        "--volume", vol.toString(), "--", "true"), java.util.Map.of(), base.resolve("agent.log"));
    try {
      Path info = vol.resolve("agent/info");
      long deadline = System.currentTimeMillis() + 30_000;
      while (!Files.exists(info) && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      Marker m = Marker.read(info);
      assertThat(m.get("client_timeout_ms")).isEqualTo("120000");
      assertThat(m.get("grace_ms")).isEqualTo("1000");
    } finally {
      agent.close();
    }
  }
}
