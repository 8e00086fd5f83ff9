package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.runtime.Supervisor;
import java.io.Serializable;

/**
 * What an executor tells the driver about its sidecar: sent with {@code ask} once to register,
 * then with {@code send} on every state change and every health interval (heartbeat).
 *
 * @param executorId  Spark executor id
 * @param host        the executor's host name
 * @param runtime     "docker" or "process"
 * @param snapshot    the supervisor's state, restarts, last exit code and reason
 * @param handoffs    hand-offs completed by tasks on this executor so far
 * @param sentMillis  when the executor sent it
 */
public record HealthReport(String executorId, String host, String runtime, Supervisor.Snapshot snapshot,
    long handoffs, long sentMillis) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A failure that no restart or replacement can fix. */
  public boolean permanent() {
    return snapshot.permanent();
  }

  /** The driver's answer to a registration. */
  public record Ack(String appId) implements Serializable {
    private static final long serialVersionUID = 1L;
  }
}
