package io.sparksidecar.plugin.runtime;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.docker.DockerRuntime;
import io.sparksidecar.plugin.runtime.kubernetes.KubernetesRuntime;
import io.sparksidecar.plugin.runtime.process.ProcessRuntime;

/**
 * Picks the runtime {@code spark.sidecar.runtime} asks for; {@code auto} prefers docker when an engine
 * answers. In a Kubernetes executor pod it is always {@code kubernetes}, which observes the pod's sidecar.
 */
public final class Runtimes {
  private Runtimes() {}

  public static SidecarRuntime choose(SidecarSettings s) {
    if (KubernetesRuntime.inExecutorPod(System.getenv())) {
      return new KubernetesRuntime(); // the feature step put the sidecar in this pod: observe it, start nothing
    }
    switch (s.runtime()) {
      case "process":
        return new ProcessRuntime();
      case "docker": {
        DockerRuntime docker = DockerRuntime.connect(s);
        if (docker == null) {
          throw SidecarException.permanent("no Docker engine answers at " + s.dockerHost() + " ("
              + SidecarKeys.DOCKER_HOST.name() + ") and " + SidecarKeys.RUNTIME.name() + "=docker", null);
        }
        return docker;
      }
      default:
        DockerRuntime docker = s.image().isEmpty() ? null : DockerRuntime.connect(s);
        if (docker != null) {
          return docker;
        }
        if (!s.command().isEmpty()) {
          return new ProcessRuntime();
        }
        throw SidecarException.permanent("no Docker engine answers at " + s.dockerHost() + " for image " + s.image()
            + ", and " + SidecarKeys.COMMAND.name() + " is empty, so the process runtime has nothing to run", null);
    }
  }
}
