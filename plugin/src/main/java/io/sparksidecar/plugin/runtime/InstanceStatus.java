package io.sparksidecar.plugin.runtime;

/**
 * What a runtime knows about one sidecar instance right now.
 *
 * @param running   the container or process is alive
 * @param exitCode  its exit code once it stopped, else -1
 * @param oomKilled the kernel's OOM killer ended it
 * @param health    the image HEALTHCHECK status: healthy, unhealthy, starting, or none
 */
public record InstanceStatus(boolean running, int exitCode, boolean oomKilled, String health) {

  public static InstanceStatus alive(String health) {
    return new InstanceStatus(true, -1, false, health);
  }

  public static InstanceStatus exited(int exitCode, boolean oomKilled) {
    return new InstanceStatus(false, exitCode, oomKilled, "none");
  }

  /** "exited with 3", "was OOM-killed (exit 137)", "is running". */
  public String describe() {
    if (running) {
      return "is running" + ("none".equals(health) ? "" : " (" + health + ")");
    }
    if (oomKilled) {
      return "was OOM-killed (exit " + exitCode + ")";
    }
    return exitCode > 128 ? "was killed by signal " + (exitCode - 128) + " (exit " + exitCode + ")" : "exited with " + exitCode;
  }
}
