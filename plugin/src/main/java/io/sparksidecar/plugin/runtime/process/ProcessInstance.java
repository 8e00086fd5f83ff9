package io.sparksidecar.plugin.runtime.process;

import io.sparksidecar.plugin.runtime.InstanceStatus;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.protocol.Streams;
import io.sparksidecar.protocol.agent.ProcessTree;
import java.nio.file.Path;
import java.time.Duration;

/** A sidecar running as a local child process. */
final class ProcessInstance implements SidecarInstance {
  private final Process process;
  private final Path log;

  ProcessInstance(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  @Override
  public String id() {
    return "pid " + process.pid();
  }

  /** The process id, for the watchdog. */
  long pid() {
    return process.pid();
  }

  @Override
  public InstanceStatus status() {
    return process.isAlive() ? InstanceStatus.alive("none") : InstanceStatus.exited(process.exitValue(), false);
  }

  @Override
  public String logTail(int lines) {
    return Streams.tail(log, lines);
  }

  @Override
  public void stop(Duration grace) {
    if (process.isAlive() || process.descendants().findAny().isPresent()) {
      ProcessTree.kill(process, grace);
    }
  }
}
