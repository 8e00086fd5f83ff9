package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine contract for docker-java over mutual TLS, the endpoint kind it is kept for: a
 * {@code tcp://} engine with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (here as the system properties
 * docker-java also reads), in front of the local engine.
 */
class DockerJavaTlsEngineIT extends EngineContract {
  private static TlsEngineProxy proxy;

  @BeforeAll
  static void startTlsEndpoint() throws Exception {
    proxy = new TlsEngineProxy(Files.createTempDirectory("engine-tls"), Path.of("/var/run/docker.sock"));
  }

  @AfterAll
  static void stopTlsEndpoint() throws Exception {
    proxy.close();
  }

  @Override
  Engine engine(String endpoint) {
    if (!endpoint.equals("unix:///var/run/docker.sock")) {
      return new DockerJavaEngine(endpoint, "1.41");
    }
    System.setProperty("DOCKER_TLS_VERIFY", "1");
    System.setProperty("DOCKER_CERT_PATH", proxy.certDir.toString());
    try {
      assertThat(Engines.resolve("auto", proxy.endpoint())).as("auto picks docker-java for TLS").isEqualTo("docker-java");
      return Engines.create("auto", proxy.endpoint(), "1.41");
    } finally {
      System.clearProperty("DOCKER_TLS_VERIFY");
      System.clearProperty("DOCKER_CERT_PATH");
    }
  }

  @Test
  void withoutTheClientCertificateTheEngineIsNotReached() {
    assertThat(Engines.resolve("auto", proxy.endpoint())).isEqualTo("builtin");
    Engine plain = Engines.create("docker-java", proxy.endpoint(), "1.41");
    assertThatThrownBy(plain::ping).isInstanceOf(SidecarException.class).hasMessageContaining(proxy.endpoint());
    plain.close();
    assertThat(Engines.connect("auto", proxy.endpoint(), "1.41")).as("the builtin client cannot speak TLS").isNull();
  }
}
