package io.sparksidecar.plugin.runtime;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.docker.DockerRuntime;
import io.sparksidecar.plugin.runtime.process.ProcessRuntime;

/** Picks the runtime {@code spark.sidecar.runtime} asks for; {@code auto} prefers docker when an engine answers. */
public final class Runtimes {
  private Runtimes() {}

  public static SidecarRuntime choose(SidecarSettings s) {
    switch (s.runtime()) {
      case "process":
        return new ProcessRuntime();
      case "docker":
        if (!DockerRuntime.engineReachable(s)) {
          throw SidecarException.permanent("no Docker engine answers at " + s.dockerHost() + " ("
              + SidecarKeys.DOCKER_HOST.name() + ") and " + SidecarKeys.RUNTIME.name() + "=docker", null);
        }
        return new DockerRuntime(s);
      default:
        if (!s.image().isEmpty() && DockerRuntime.engineReachable(s)) {
          return new DockerRuntime(s);
        }
        if (!s.command().isEmpty()) {
          return new ProcessRuntime();
        }
        throw SidecarException.permanent("no Docker engine answers at " + s.dockerHost() + " for image " + s.image()
            + ", and " + SidecarKeys.COMMAND.name() + " is empty, so the process runtime has nothing to run", null);
    }
  }
}
