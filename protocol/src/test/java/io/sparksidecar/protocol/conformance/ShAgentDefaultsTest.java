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
    assertThat(info(base, java.util.Map.of())).containsEntry("client_timeout_ms", "120000").containsEntry("grace_ms", "1000");
  }

  @Test
  void theEnvironmentThePluginSetsReplacesTheDefaultsAndFlagsStillWin(@TempDir Path base) throws Exception {
    java.util.Map<String, String> env = java.util.Map.of("SIDECAR_CLIENT_TIMEOUT_MS", "300000", "SIDECAR_GRACE_MS", "2000");
    assertThat(info(base.resolve("env"), env)).containsEntry("client_timeout_ms", "300000").containsEntry("grace_ms", "2000");
    assertThat(info(base.resolve("flags"), env, "--grace-ms", "3000")).containsEntry("client_timeout_ms", "300000")
        .containsEntry("grace_ms", "3000");
  }

  private static java.util.Map<String, String> info(Path base, java.util.Map<String, String> env, String... flags)
      throws Exception {
    Path vol = Files.createDirectories(base.resolve("vol"));
    java.util.List<String> argv = new java.util.ArrayList<>(List.of(ShellAgentLauncher.which("dash").toString(),
        ShellAgentLauncher.agentScript().toString(), "--volume", vol.toString()));
    argv.addAll(List.of(flags));
    argv.addAll(List.of("--", "true"));
    LocalProcessAgent agent = LocalProcessAgent.start(argv, env, base.resolve("agent.log"));
    try {
      Path info = vol.resolve("agent/info");
      long deadline = System.currentTimeMillis() + 30_000;
      while (!Files.exists(info) && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      Marker m = Marker.read(info);
      return java.util.Map.of("client_timeout_ms", m.get("client_timeout_ms"), "grace_ms", m.get("grace_ms"));
    } finally {
      agent.close();
    }
  }
}
