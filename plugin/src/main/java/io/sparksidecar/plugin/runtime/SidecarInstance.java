package io.sparksidecar.plugin.runtime;

import java.time.Duration;

/**
 * One started sidecar: a container or a local process. Methods may block briefly on the engine;
 * none blocks without a bound. {@link #stop} is idempotent and leaves nothing behind.
 */
public interface SidecarInstance extends AutoCloseable {

  /** Container id or process id, for logs and the status report. */
  String id();

  InstanceStatus status();

  /** The port on 127.0.0.1 that reaches the sidecar's {@code containerPort} (identity for processes). */
  default int hostPort(int containerPort) {
    return containerPort;
  }

  /** The last lines of its stdout and stderr. */
  String logTail(int lines);

  /** SIGTERM, then SIGKILL after {@code grace}; then removes it. Idempotent. */
  void stop(Duration grace);

  @Override
  default void close() {
    stop(Duration.ofSeconds(10));
  }
}
