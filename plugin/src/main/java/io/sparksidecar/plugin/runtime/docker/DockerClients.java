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

  /**
   * A client whose engine answered a ping, or {@code null} when none answers at {@code host}. The
   * caller keeps and closes it: building a client costs ~300 ms in a cold executor JVM, so the one
   * that pinged is the one that runs the sidecar.
   */
  static DockerClient connect(String host, String apiVersion) {
    DockerClient docker = null;
    try {
      docker = create(host, apiVersion);
      docker.pingCmd().exec();
      return docker;
    } catch (Exception e) {
      if (docker != null) {
        try {
          docker.close();
        } catch (java.io.IOException ignored) {
          // unreachable anyway
        }
      }
      return null;
    }
  }
}
