package io.sparksidecar.protocol.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --env} and {@code --unset-env}: a request's command runs with
 * the agent's environment changed as asked, the protocol's own variables still set on top; the agent
 * itself keeps its own. A real agent on a real volume, real commands.
 */
class AgentEnvironmentTest {
  @TempDir
  Path dir;

  private static final String SHOW = "echo \"${X-unset}|${HOME-unset}|${PATH-unset}|${SIDECAR_REQUEST_ID:+has-id}\" > out/env.txt";

  @Test
  void aRequestsCommandGetsTheChangedEnvironment() throws Exception {
    AgentOptions o = AgentOptions.parse(new String[] {"--volume", dir.resolve("v").toString(), "--env", "X=a b=c",
        "--unset-env", "HOME", "--env", "X=last", "--env", "PATH=/usr/bin:/bin", "--", "/bin/sh", "-c", SHOW});
    assertThat(o.environment().keySet()).containsExactly("HOME", "X", "PATH");
    assertThat(o.environment().get("HOME")).isNull();
    assertThat(o.environment().get("X")).isEqualTo("last");
    assertThat(run(o)).isEqualTo("last|unset|/usr/bin:/bin|has-id");
    assertThat(System.getenv("X")).as("the agent's own environment is untouched").isNull();
  }

  @Test
  void withoutChangesTheCommandHasTheAgentsEnvironment() throws Exception {
    AgentOptions o = AgentOptions.parse(new String[] {"--volume", dir.resolve("v").toString(), "--", "/bin/sh", "-c", SHOW});
    assertThat(o.environment()).isEmpty();
    assertThat(run(o)).isEqualTo("unset|" + System.getenv().getOrDefault("HOME", "unset") + "|"
        + System.getenv().getOrDefault("PATH", "unset") + "|has-id");
  }

  @Test
  void unsettingThenSettingANameSetsIt() {
    AgentOptions o = AgentOptions.parse(new String[] {"--volume", "/v", "--unset-env", "X", "--env", "X=1", "--", "x"});
    java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of("X", "0", "Y", "2"));
    o.applyEnvironment(env);
    assertThat(env).containsOnly(java.util.Map.entry("X", "1"), java.util.Map.entry("Y", "2"));
    AgentOptions.parse(new String[] {"--volume", "/v", "--env", "X=1", "--unset-env", "X", "--", "x"}).applyEnvironment(env);
    assertThat(env).containsOnly(java.util.Map.entry("Y", "2"));
  }

  private String run(AgentOptions o) throws IOException, InterruptedException {
    Files.createDirectories(o.volume());
    try (Volume volume = Volume.open(o.volume()); Agent agent = new Agent(o)) {
      Thread t = new Thread(() -> {
        try {
          agent.run();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, "test-agent");
      t.setDaemon(true);
      t.start();
      volume.awaitAgent(Duration.ofSeconds(20));
      try (Handoff h = volume.newHandoff()) {
        h.expectOutput("env.txt").run(Duration.ofSeconds(20));
        return h.readLines("env.txt").get(0);
      } finally {
        agent.stop("test over");
        t.join(5_000);
      }
    }
  }
}
