package io.sparksidecar.plugin.runtime.docker;

/**
 * Picks the {@link Engine} client for an endpoint. {@code auto}: the built-in client for UNIX
 * sockets and for plain TCP, docker-java for TLS (a {@code tcp://} endpoint with
 * {@code DOCKER_TLS_VERIFY} set in the environment, as the docker CLI reads it, or as a system
 * property, as docker-java also reads it). {@code builtin}
 * and {@code docker-java} force one.
 */
final class Engines {
  static final String AUTO = "auto";
  static final String BUILTIN = "builtin";
  static final String DOCKER_JAVA = "docker-java";

  private Engines() {}

  /** The client {@code choice} resolves to for {@code endpoint}. */
  static String resolve(String choice, String endpoint) {
    if (!choice.equals(AUTO)) {
      return choice;
    }
    String tls = System.getProperty("DOCKER_TLS_VERIFY", System.getenv("DOCKER_TLS_VERIFY")); // as docker-java reads it
    boolean wantsTls = endpoint.startsWith("tcp://") && tls != null && !tls.isEmpty() && !tls.equals("0");
    return !wantsTls && EngineHttp.speaks(endpoint) ? BUILTIN : DOCKER_JAVA;
  }

  /** An engine client for {@code endpoint}, not yet pinged. */
  static Engine create(String choice, String endpoint, String apiVersion) {
    return resolve(choice, endpoint).equals(BUILTIN) ? new SocketEngine(endpoint, apiVersion)
        : new DockerJavaEngine(endpoint, apiVersion);
  }

  /** An engine client whose engine answered a ping, or {@code null} when none answers. */
  static Engine connect(String choice, String endpoint, String apiVersion) {
    Engine engine = null;
    try {
      engine = create(choice, endpoint, apiVersion);
      engine.ping();
      return engine;
    } catch (RuntimeException e) {
      if (engine != null) {
        engine.close();
      }
      return null;
    }
  }
}
