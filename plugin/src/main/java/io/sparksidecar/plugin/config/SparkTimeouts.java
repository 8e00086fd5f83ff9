package io.sparksidecar.plugin.config;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's timeouts checked against Spark's own, once, at driver start. An executor sends no
 * heartbeat to the driver while its plugins start, so a start-up longer than Spark's executor
 * heartbeat timeout gets the executor killed before its sidecar is ready: that combination fails
 * the application, naming the keys. Combinations that work but surprise are returned as warnings.
 */
public final class SparkTimeouts {
  static final String NETWORK_TIMEOUT = "spark.network.timeout";
  static final String HEARTBEAT_TIMEOUT = "spark.storage.blockManagerHeartbeatTimeoutMs";
  /** Below this an agent may take a long GC pause of its executor for its death. */
  static final Duration SHORTEST_SAFE_CLIENT_TIMEOUT = Duration.ofSeconds(30);

  /** Spark's executor heartbeat timeout and the key it comes from. */
  public record HeartbeatTimeout(String key, Duration value) {}

  private SparkTimeouts() {}

  /** Which of Spark's keys bounds executor silence, from millisecond values Spark's own parser produced (null: unset). */
  public static HeartbeatTimeout heartbeatTimeout(Long heartbeatTimeoutMs, long networkTimeoutMs) {
    return heartbeatTimeoutMs != null ? new HeartbeatTimeout(HEARTBEAT_TIMEOUT, Duration.ofMillis(heartbeatTimeoutMs))
        : new HeartbeatTimeout(NETWORK_TIMEOUT, Duration.ofMillis(networkTimeoutMs));
  }

  /**
   * The settings executors get: {@code conf} with the agent's client timeout resolved to
   * {@code spark.network.timeout} when the key is unset.
   */
  public static Map<String, String> resolve(Map<String, String> conf, long networkTimeoutMs) {
    Map<String, String> out = new java.util.HashMap<>(conf);
    String raw = out.get(SidecarKeys.AGENT_CLIENT_TIMEOUT.name());
    if (raw == null || raw.isBlank()) {
      out.put(SidecarKeys.AGENT_CLIENT_TIMEOUT.name(), networkTimeoutMs + "ms");
    }
    return out;
  }

  /** Throws naming the keys when start-up cannot finish before Spark gives up on the executor; else the warnings. */
  public static List<String> check(SidecarSettings s, HeartbeatTimeout heartbeat) {
    if (s.startupTimeout().compareTo(heartbeat.value()) >= 0) {
      throw new SidecarException(SidecarKeys.STARTUP_TIMEOUT.name() + "=" + Parsers.human(s.startupTimeout())
          + " must stay below the executor heartbeat timeout (" + heartbeat.key() + "=" + Parsers.human(heartbeat.value())
          + "): an executor sends no heartbeat while its sidecar starts, so the driver would kill it first."
          + " Lower the one or raise the other");
    }
    List<String> warnings = new ArrayList<>();
    if (s.readiness().timeout().compareTo(s.startupTimeout()) > 0) {
      warnings.add(SidecarKeys.READINESS_TIMEOUT.name() + "=" + Parsers.human(s.readiness().timeout()) + " exceeds "
          + SidecarKeys.STARTUP_TIMEOUT.name() + "=" + Parsers.human(s.startupTimeout())
          + ": executor start-up gives up after the latter");
    }
    if (s.agentClientTimeout().compareTo(SHORTEST_SAFE_CLIENT_TIMEOUT) < 0) {
      warnings.add(SidecarKeys.AGENT_CLIENT_TIMEOUT.name() + "=" + Parsers.human(s.agentClientTimeout())
          + " is shorter than a long GC pause: a paused executor can lose its sidecar (at least "
          + Parsers.human(SHORTEST_SAFE_CLIENT_TIMEOUT) + " is safe)");
    }
    return warnings;
  }
}
