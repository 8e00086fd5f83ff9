package io.sparksidecar.plugin.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.sparksidecar.plugin.SidecarException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The engine through docker-java (zerodep transport, the API version pinned). It speaks every
 * endpoint docker-java does, TLS included (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), at the price of
 * a slower cold start than {@link SocketEngine}.
 */
final class DockerJavaEngine implements Engine {
  private final DockerClient docker;
  private final String endpoint;

  DockerJavaEngine(String endpoint, String apiVersion) {
    DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(endpoint)
        .withApiVersion(apiVersion)
        .build();
    ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(8)
        .connectionTimeout(Duration.ofSeconds(5))
        .responseTimeout(Duration.ofSeconds(120))
        .build();
    this.docker = DockerClientImpl.getInstance(config, http);
    this.endpoint = endpoint;
  }

  @Override
  public String client() {
    return "docker-java";
  }

  @Override
  public void ping() {
    run("ping", () -> docker.pingCmd().exec());
  }

  @Override
  public Optional<String> imageUser(String image) {
    try {
      var config = docker.inspectImageCmd(image).exec().getConfig();
      return Optional.of(config == null || config.getUser() == null ? "" : config.getUser());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
    }
  }

  @Override
  public String create(ContainerSpec s) {
    CreateContainerCmd create = docker.createContainerCmd(s.image())
        .withName(s.name())
        .withLabels(s.labels())
        .withUser(s.user())
        .withEnv(s.env());
    if (!s.entrypoint().isEmpty()) {
      create.withEntrypoint(s.entrypoint());
    }
    if (!s.cmd().isEmpty()) {
      create.withCmd(s.cmd());
    }
    List<Bind> binds = new ArrayList<>();
    s.binds().forEach(b -> binds.add(Bind.parse(b)));
    HostConfig host = HostConfig.newHostConfig()
        .withBinds(binds)
        .withGroupAdd(s.groupAdd())
        .withCapDrop(s.capDrop().stream().map(Capability::valueOf).toArray(Capability[]::new))
        .withSecurityOpts(s.securityOpts())
        .withPidsLimit(s.pidsLimit())
        .withNetworkMode(s.network())
        .withInit(false);
    if (!s.ports().isEmpty()) {
      Ports bindings = new Ports();
      List<ExposedPort> exposed = new ArrayList<>();
      for (int p : s.ports()) {
        ExposedPort e = ExposedPort.tcp(p);
        exposed.add(e);
        bindings.bind(e, Ports.Binding.bindIp("127.0.0.1"));
      }
      create.withExposedPorts(exposed);
      host.withPortBindings(bindings);
    }
    if (s.nanoCpus() > 0) {
      host.withNanoCPUs(s.nanoCpus());
    }
    if (s.memoryBytes() > 0) {
      host.withMemory(s.memoryBytes()).withMemorySwap(s.memoryBytes());
    }
    if (s.shmBytes() > 0) {
      host.withShmSize(s.shmBytes());
    }
    if (s.gpus() > 0) {
      host.withDeviceRequests(List.of(new DeviceRequest().withCount(s.gpus()).withCapabilities(List.of(List.of("gpu")))));
    }
    create.withHostConfig(host);
    try {
      return create.exec().getId();
    } catch (RuntimeException e) {
      throw failure("create a container from image " + s.image(), e);
    }
  }

  @Override
  public void start(String id) {
    try {
      docker.startContainerCmd(id).exec();
    } catch (NotModifiedException alreadyStarted) {
      // fine
    } catch (RuntimeException e) {
      throw failure("start container " + id, e);
    }
  }

  @Override
  public Optional<ContainerState> inspect(String id) {
    InspectContainerResponse r;
    try {
      r = docker.inspectContainerCmd(id).exec();
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect container " + id, e);
    }
    InspectContainerResponse.ContainerState s = r.getState();
    Map<Integer, Integer> ports = new HashMap<>();
    if (r.getNetworkSettings() != null && r.getNetworkSettings().getPorts() != null) {
      r.getNetworkSettings().getPorts().getBindings().forEach((port, b) -> {
        if (port.getProtocol() == com.github.dockerjava.api.model.InternetProtocol.TCP && b != null && b.length > 0
            && b[0].getHostPortSpec() != null) {
          ports.put(port.getPort(), Integer.parseInt(b[0].getHostPortSpec()));
        }
      });
    }
    String health = s.getHealth() == null || s.getHealth().getStatus() == null ? "none" : s.getHealth().getStatus();
    Long exit = s.getExitCodeLong();
    return Optional.of(new ContainerState(Boolean.TRUE.equals(s.getRunning()), exit == null ? -1 : exit.intValue(),
        Boolean.TRUE.equals(s.getOOMKilled()), health, ports));
  }

  @Override
  public String logTail(String id, int lines) {
    StringBuilder sb = new StringBuilder();
    try {
      docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(lines)
          .exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
              sb.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
          }).awaitCompletion(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // gone or unreadable: what we have
    }
    return sb.toString().stripTrailing();
  }

  @Override
  public boolean stop(String id, Duration grace) {
    try {
      docker.stopContainerCmd(id).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
      return true;
    } catch (NotModifiedException e) {
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      throw failure("stop container " + id, e);
    }
  }

  @Override
  public boolean remove(String id) {
    try {
      docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      if (String.valueOf(e.getMessage()).contains("already in progress")) {
        return true;
      }
      throw failure("remove container " + id, e);
    }
  }

  @Override
  public List<Listed> list(String key, String value) {
    List<Listed> out = new ArrayList<>();
    try {
      for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(key, value)).exec()) {
        out.add(new Listed(c.getId(), c.getLabels() == null ? Map.of() : c.getLabels()));
      }
    } catch (RuntimeException e) {
      throw failure("list containers labelled " + key + "=" + value, e);
    }
    return out;
  }

  private void run(String what, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      throw failure(what, e);
    }
  }

  private SidecarException failure(String what, RuntimeException e) {
    int status = e instanceof com.github.dockerjava.api.exception.DockerException d ? d.getHttpStatus() : EngineFailures.NO_ANSWER;
    return EngineFailures.of("Docker engine at " + endpoint + " could not " + what + ": " + e.getMessage(), status,
        e.getMessage(), e);
  }

  @Override
  public void close() {
    try {
      docker.close();
    } catch (IOException ignored) {
      // nothing to release
    }
  }
}
