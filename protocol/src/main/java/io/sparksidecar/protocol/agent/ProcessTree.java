package io.sparksidecar.protocol.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** SIGTERM to a process and its descendants, SIGKILL after a grace period. Shared with the plugin's process runtime. */
public final class ProcessTree {
  private ProcessTree() {}

  public static void kill(Process process, Duration grace) {
    List<ProcessHandle> tree = process.descendants().toList();
    process.destroy();
    tree.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }
}
