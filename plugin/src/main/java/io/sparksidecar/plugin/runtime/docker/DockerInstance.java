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
  private final java.util.List<Integer> published; // null: host network, ports are the container's own
  private volatile Map<Integer, Integer> hostPorts; // set once, from a running container
  private volatile boolean removed;

  /** {@code published}: the ports published on 127.0.0.1 (bridge network), or null on the host network. */
  DockerInstance(Engine engine, String id, java.util.List<Integer> published) {
    this.engine = engine;
    this.id = id;
    this.published = published == null ? null : java.util.List.copyOf(published);
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
    if (hostPorts == null && s.get().running() && complete(s.get().hostPorts())) {
      hostPorts = s.get().hostPorts(); // published once running; the readiness checks need them
    }
    return s.get().running() ? InstanceStatus.alive(s.get().health())
        : InstanceStatus.exited(s.get().exitCode(), s.get().oomKilled());
  }

  /**
   * The 127.0.0.1 port the engine published for {@code containerPort}; on the host network the port
   * itself. Throws, naming the key, for a port that is not published, and while the container is
   * not running (the engine assigns host ports on start): never a guess.
   */
  @Override
  public int hostPort(int containerPort) {
    if (published == null) {
      return containerPort;
    }
    if (!published.contains(containerPort)) {
      throw new SidecarException("port " + containerPort + " of sidecar container " + id() + " is not published: "
          + io.sparksidecar.plugin.config.SidecarKeys.PORTS.name() + "=" + published.stream().map(String::valueOf)
          .collect(java.util.stream.Collectors.joining(",")) + " (add it there)");
    }
    Map<Integer, Integer> map = hostPorts;
    if (map == null) {
      Optional<ContainerState> s = removed ? Optional.empty() : engine.inspect(id);
      if (s.isEmpty() || !s.get().running()) {
        throw new SidecarException("sidecar container " + id() + " is not running: port " + containerPort
            + " has no host port");
      }
      map = s.get().hostPorts();
      if (complete(map)) {
        hostPorts = map; // cached only once every published port has its host port
      }
    }
    Integer port = map.get(containerPort);
    if (port == null) {
      throw new SidecarException("the engine published no host port for port " + containerPort + " of sidecar container "
          + id() + " (published: " + map + ")");
    }
    return port;
  }

  private boolean complete(Map<Integer, Integer> map) {
    return published != null && !published.isEmpty() && map.keySet().containsAll(published);
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
