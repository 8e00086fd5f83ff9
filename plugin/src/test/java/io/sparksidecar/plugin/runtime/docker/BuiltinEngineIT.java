package io.sparksidecar.plugin.runtime.docker;

/** The engine contract for the JDK-only client. */
class BuiltinEngineIT extends EngineContract {
  @Override
  Engine engine(String endpoint) {
    return new SocketEngine(endpoint, "1.41");
  }
}
