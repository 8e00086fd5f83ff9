package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.runtime.InstanceStatus;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** One sidecar container. */
final class DockerInstance implements SidecarInstance {
  private final Engine engine;
  private final String id;
  private volatile Map<Integer, Integer> hostPorts;
  private volatile boolean removed;

  DockerInstance(Engine engine, String id) {
    this.engine = engine;
    this.id = id;
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
    Optional<ContainerState> s = engine.inspect(id);
    if (s.isEmpty()) {
      return InstanceStatus.exited(-1, false);
    }
    if (hostPorts == null && s.get().running()) {
      hostPorts = s.get().hostPorts(); // published once running; the readiness checks need them
    }
    return s.get().running() ? InstanceStatus.alive(s.get().health())
        : InstanceStatus.exited(s.get().exitCode(), s.get().oomKilled());
  }

  @Override
  public int hostPort(int containerPort) {
    Map<Integer, Integer> map = hostPorts;
    if (map == null) {
      map = engine.inspect(id).map(ContainerState::hostPorts).orElse(Map.of());
      hostPorts = map;
    }
    return map.getOrDefault(containerPort, containerPort);
  }

  @Override
  public String logTail(int lines) {
    return engine.logTail(id, lines);
  }

  @Override
  public void stop(Duration grace) {
    if (removed) {
      return;
    }
    try {
      engine.stop(id, grace);
    } catch (SidecarException e) {
      // fall through to the forced removal
    }
    engine.remove(id);
    removed = true;
  }
}
