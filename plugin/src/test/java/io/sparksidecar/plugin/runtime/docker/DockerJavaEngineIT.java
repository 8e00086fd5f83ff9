package io.sparksidecar.plugin.runtime.docker;

/** The engine contract for the docker-java client. */
class DockerJavaEngineIT extends EngineContract {
  @Override
  Engine engine(String endpoint) {
    return new DockerJavaEngine(endpoint, "1.41");
  }
}
