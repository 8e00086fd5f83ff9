package io.sparksidecar.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SidecarSettingsTest {
  private static Map<String, String> conf(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("spark.sidecar.image", "hello-server:1");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("spark.sidecar.runtime", "kubernetes-ish"),
        Arguments.of("spark.sidecar.command", "sh -c 'unclosed"),
        Arguments.of("spark.sidecar.protocol", "v2"),
        Arguments.of("spark.sidecar.volumes", "Bad Name"),
        Arguments.of("spark.sidecar.volumes.mountBase", "relative/path"),
        Arguments.of("spark.sidecar.ports", "80,http"),
        Arguments.of("spark.sidecar.ports", "70000"),
        Arguments.of("spark.sidecar.readiness", "eventually"),
        Arguments.of("spark.sidecar.readiness.port", "0"),
        Arguments.of("spark.sidecar.readiness.path", "hello"),
        Arguments.of("spark.sidecar.readiness.logPattern", "([unclosed"),
        Arguments.of("spark.sidecar.readiness.timeout", "soon"),
        Arguments.of("spark.sidecar.resourceProfile", "HUGE"),
        Arguments.of("spark.sidecar.cpus", "lots"),
        Arguments.of("spark.sidecar.memory", "3x"),
        Arguments.of("spark.sidecar.shm", "-1g"),
        Arguments.of("spark.sidecar.gpus", "-1"),
        Arguments.of("spark.sidecar.user", "nobody"),
        Arguments.of("spark.sidecar.allowRoot", "yes"),
        Arguments.of("spark.sidecar.network", "none"),
        Arguments.of("spark.sidecar.pidsLimit", "0"),
        Arguments.of("spark.sidecar.restart.maxRestarts", "-1"),
        Arguments.of("spark.sidecar.restart.backoff", "1 second"),
        Arguments.of("spark.sidecar.restart.window", "ten minutes"),
        Arguments.of("spark.sidecar.failurePolicy", "panic"),
        Arguments.of("spark.sidecar.health.interval", "x"),
        Arguments.of("spark.sidecar.health.staleAfter", "x"),
        Arguments.of("spark.sidecar.history.interval", "soon"),
        Arguments.of("spark.sidecar.history.interval", "-1s"),
        Arguments.of("spark.sidecar.stopTimeout", "x"),
        // zero and negative durations that would spin or never wait
        Arguments.of("spark.sidecar.health.interval", "0"),
        Arguments.of("spark.sidecar.health.interval", "-5s"),
        Arguments.of("spark.sidecar.health.staleAfter", "0ms"),
        Arguments.of("spark.sidecar.readiness.timeout", "0s"),
        Arguments.of("spark.sidecar.restart.window", "0"),
        Arguments.of("spark.sidecar.restart.backoff", "-1s"),
        Arguments.of("spark.sidecar.stopTimeout", "-1s"),
        Arguments.of("spark.sidecar.startup.timeout", "0"),
        Arguments.of("spark.sidecar.startup.timeout", "soon"),
        Arguments.of("spark.sidecar.docker.retries", "-1"),
        Arguments.of("spark.sidecar.agent.clientTimeout", "500ms"),
        Arguments.of("spark.sidecar.agent.clientTimeout", "forever"),
        Arguments.of("spark.sidecar.agent.grace", "-1s"),
        Arguments.of("spark.sidecar.agent.staleAfter", "100ms"),
        Arguments.of("spark.sidecar.docker.apiVersion", "latest"),
        Arguments.of("spark.sidecar.docker.host", "/var/run/docker.sock"),
        Arguments.of("spark.sidecar.docker.host", "https://engine:2376"),
        Arguments.of("spark.sidecar.docker.client", "curl"),
        Arguments.of("spark.sidecar.agent.concurrency", "0"),
        Arguments.of("spark.sidecar.kubernetes.nativeSidecar", "maybe"),
        Arguments.of("spark.sidecar.kubernetes.volumes.medium", "tmpfs"),
        Arguments.of("spark.sidecar.kubernetes.volumes.sizeLimit", "lots"),
        Arguments.of("spark.sidecar.session.maxPerExecutor", "0"),
        Arguments.of("spark.sidecar.session.idleTimeout", "soon"),
        Arguments.of("spark.sidecar.session.warmAgent", "maybe"),
        Arguments.of("spark.sidecar.env.1BAD", "x"),
        Arguments.of("spark.sidecar.imagee", "typo"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badValues")
  void aBadValueFailsNamingTheKey(String key, String value) {
    assertThatThrownBy(() -> SidecarSettings.from(conf(key, value)))
        .isInstanceOf(SidecarException.class)
        .hasMessageContaining(key.startsWith("spark.sidecar.env.") ? key.substring("spark.sidecar.env.".length()) : key);
  }

  @Test
  void everyDeclaredKeyIsCoveredByABadValueCase() {
    List<String> covered = badValues().map(a -> (String) a.get()[0]).toList();
    for (ConfigKey<?> k : SidecarKeys.ALL) {
      if (List.of("spark.sidecar.image", "spark.sidecar.volumes.hostDir",
          "spark.sidecar.process.archive").contains(k.name())) {
        continue; // free-form strings: checked where they are used (engine, directory, archive)
      }
      assertThat(covered).as("a bad-value case for %s", k.name()).contains(k.name());
    }
  }

  @Test
  void unknownKeySuggestsTheClosestOne() {
    assertThatThrownBy(() -> SidecarSettings.from(conf("spark.sidecar.imagee", "x")))
        .hasMessage("unknown key spark.sidecar.imagee (did you mean spark.sidecar.image?)");
  }

  @Test
  void rulesAcrossKeysNameBothKeys() {
    assertThatThrownBy(() -> SidecarSettings.from(Map.of("spark.sidecar.runtime", "docker")))
        .hasMessageContaining("spark.sidecar.image is required when spark.sidecar.runtime=docker");
    assertThatThrownBy(() -> SidecarSettings.from(Map.of("spark.sidecar.runtime", "process")))
        .hasMessageContaining("spark.sidecar.command is required");
    assertThatThrownBy(() -> SidecarSettings.from(Map.of()))
        .hasMessageContaining("nothing to run");
    assertThatThrownBy(() -> SidecarSettings.from(conf("spark.sidecar.readiness", "http")))
        .hasMessageContaining("spark.sidecar.readiness.port");
    assertThatThrownBy(() -> SidecarSettings.from(conf("spark.sidecar.readiness", "log")))
        .hasMessageContaining("spark.sidecar.readiness.logPattern");
    assertThatThrownBy(() -> SidecarSettings.from(conf("spark.sidecar.readiness", "agent")))
        .hasMessageContaining("spark.sidecar.protocol=v1");
    assertThatThrownBy(() -> SidecarSettings.from(conf("spark.sidecar.protocol", "v1", "spark.sidecar.volumes", "")))
        .hasMessageContaining("spark.sidecar.volumes");
  }

  @Test
  void timingAndPortRulesAcrossKeysNameBothKeys() {
    assertThatThrownBy(() -> SidecarSettings.from(conf("spark.sidecar.health.interval", "10s", "spark.sidecar.health.staleAfter", "5s")))
        .hasMessageContaining("spark.sidecar.health.staleAfter").hasMessageContaining("spark.sidecar.health.interval");
    assertThatThrownBy(() -> SidecarSettings.from(conf("spark.sidecar.ports", "1234", "spark.sidecar.readiness", "port",
        "spark.sidecar.readiness.port", "8080")))
        .hasMessageContaining("spark.sidecar.readiness.port=8080 is not in spark.sidecar.ports=1234");
    // on the host network nothing is published: any port is reachable as it is
    assertThat(SidecarSettings.from(conf("spark.sidecar.network", "host", "spark.sidecar.readiness", "port",
        "spark.sidecar.readiness.port", "8080")).readiness().port()).isEqualTo(8080);
  }

  @Test
  void theAgentClientTimeoutDefaultsToSparksNetworkTimeoutAndStartupMustEndBeforeTheHeartbeatTimeout() {
    Map<String, String> resolved = SparkTimeouts.resolve(conf(), 300_000);
    assertThat(SidecarSettings.from(resolved).agentClientTimeout()).isEqualTo(java.time.Duration.ofMinutes(5));
    assertThat(SidecarSettings.from(SparkTimeouts.resolve(conf("spark.sidecar.agent.clientTimeout", "45s"), 300_000))
        .agentClientTimeout()).isEqualTo(java.time.Duration.ofSeconds(45));
    SidecarSettings defaults = SidecarSettings.from(SparkTimeouts.resolve(conf(), 120_000));
    assertThat(defaults.agentClientTimeout()).isEqualTo(java.time.Duration.ofSeconds(120));
    assertThat(defaults.agentGrace()).isEqualTo(java.time.Duration.ofSeconds(1));
    // Spark's defaults with ours: start-up (90 s) ends before the executor heartbeat timeout (120 s), no warning
    assertThat(SparkTimeouts.check(defaults, SparkTimeouts.heartbeatTimeout(null, 120_000))).isEmpty();
    assertThatThrownBy(() -> SparkTimeouts.check(defaults, SparkTimeouts.heartbeatTimeout(null, 60_000)))
        .hasMessageContaining("spark.sidecar.startup.timeout=90 s").hasMessageContaining("spark.network.timeout=1 min");
    assertThatThrownBy(() -> SparkTimeouts.check(defaults, SparkTimeouts.heartbeatTimeout(30_000L, 600_000)))
        .hasMessageContaining("spark.storage.blockManagerHeartbeatTimeoutMs=30 s");
    SidecarSettings odd = SidecarSettings.from(SparkTimeouts.resolve(conf("spark.sidecar.readiness.timeout", "100s",
        "spark.sidecar.agent.clientTimeout", "5s"), 120_000));
    assertThat(SparkTimeouts.check(odd, SparkTimeouts.heartbeatTimeout(null, 120_000)))
        .anyMatch(w -> w.contains("spark.sidecar.readiness.timeout=100 s exceeds spark.sidecar.startup.timeout=90 s"))
        .anyMatch(w -> w.contains("spark.sidecar.agent.clientTimeout=5 s is shorter than a long GC pause"));
  }

  @Test
  void defaultsProfilesAndOverrides() {
    SidecarSettings s = SidecarSettings.from(conf("spark.sidecar.resourceProfile", "medium_cpu_medium_memory_small_shared_memory",
        "spark.sidecar.cpus", "1.5", "spark.sidecar.ports", "1234", "spark.sidecar.env.MODE", "fast",
        "spark.sidecar.command", "sh -c 'echo \"hi there\"'"));
    assertThat(s.resources()).isEqualTo(new SidecarSettings.Resources(1.5, 6L << 30, 2L << 30, 0));
    assertThat(s.readiness().kind()).isEqualTo("port");
    assertThat(s.readiness().port()).isEqualTo(1234);
    assertThat(s.readiness().timeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.env()).containsEntry("MODE", "fast");
    assertThat(s.command()).containsExactly("sh", "-c", "echo \"hi there\"");
    assertThat(s.runtime()).isEqualTo("auto");
    assertThat(s.failurePolicy()).isEqualTo("replaceExecutor");
    assertThat(s.volumes()).containsExactly("shared");
    SidecarSettings v1 = SidecarSettings.from(conf("spark.sidecar.protocol", "v1"));
    assertThat(v1.readiness().kind()).isEqualTo("agent");
    assertThat(SidecarSettings.from(conf()).readiness().kind()).isEqualTo("none");
  }
}
