package io.sparksidecar.plugin.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;

/** Builds docker-java clients: zerodep transport, a pinned API version (Engine 20.10 speaks 1.41 at most). */
final class DockerClients {
  private DockerClients() {}

  static DockerClient create(String host, String apiVersion) {
    DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(host)
        .withApiVersion(apiVersion)
        .build();
    ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(8)
        .connectionTimeout(Duration.ofSeconds(5))
        .responseTimeout(Duration.ofSeconds(120))
        .build();
    return DockerClientImpl.getInstance(config, http);
  }

  /** True when an engine answers a ping at {@code host} within a few seconds. */
  static boolean reachable(String host, String apiVersion) {
    try (DockerClient docker = create(host, apiVersion)) {
      docker.pingCmd().exec();
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
