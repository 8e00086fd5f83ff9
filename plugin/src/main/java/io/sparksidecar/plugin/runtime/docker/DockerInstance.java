package io.sparksidecar.plugin.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Ports;
import io.sparksidecar.plugin.runtime.InstanceStatus;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One sidecar container. */
final class DockerInstance implements SidecarInstance {
  private final DockerClient docker;
  private final String id;
  private final List<Integer> ports;
  private volatile Map<Integer, Integer> hostPorts;
  private volatile boolean removed;

  DockerInstance(DockerClient docker, String id, List<Integer> ports) {
    this.docker = docker;
    this.id = id;
    this.ports = ports;
  }

  @Override
  public String id() {
    return id.substring(0, 12);
  }

  @Override
  public InstanceStatus status() {
    if (removed) {
      return InstanceStatus.exited(-1, false);
    }
    try {
      InspectContainerResponse.ContainerState s = docker.inspectContainerCmd(id).exec().getState();
      if (Boolean.TRUE.equals(s.getRunning())) {
        String health = s.getHealth() == null || s.getHealth().getStatus() == null ? "none" : s.getHealth().getStatus();
        return InstanceStatus.alive(health);
      }
      Long exit = s.getExitCodeLong();
      return InstanceStatus.exited(exit == null ? -1 : exit.intValue(), Boolean.TRUE.equals(s.getOOMKilled()));
    } catch (NotFoundException e) {
      return InstanceStatus.exited(-1, false);
    }
  }

  @Override
  public int hostPort(int containerPort) {
    Map<Integer, Integer> map = hostPorts;
    if (map == null) {
      map = new HashMap<>();
      Map<ExposedPort, Ports.Binding[]> bindings = docker.inspectContainerCmd(id).exec().getNetworkSettings().getPorts().getBindings();
      for (int p : ports) {
        Ports.Binding[] b = bindings.get(ExposedPort.tcp(p));
        if (b != null && b.length > 0 && b[0].getHostPortSpec() != null) {
          map.put(p, Integer.parseInt(b[0].getHostPortSpec()));
        }
      }
      hostPorts = map;
    }
    return map.getOrDefault(containerPort, containerPort);
  }

  @Override
  public String logTail(int lines) {
    StringBuilder sb = new StringBuilder();
    try {
      docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(lines)
          .exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
              sb.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
          }).awaitCompletion(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      return sb.toString();
    }
    return sb.toString().stripTrailing();
  }

  @Override
  public void stop(Duration grace) {
    if (removed) {
      return;
    }
    try {
      docker.stopContainerCmd(id).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped or gone
    } catch (RuntimeException e) {
      // fall through to the forced removal
    }
    try {
      docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    }
    removed = true;
  }
}
