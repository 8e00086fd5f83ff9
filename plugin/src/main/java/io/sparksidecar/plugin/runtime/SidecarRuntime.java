package io.sparksidecar.plugin.runtime;

/**
 * Starts sidecar instances on this host: {@code docker} or {@code process}. {@link #start} creates
 * and starts one instance and returns without waiting for readiness (see {@link Readiness}).
 */
public interface SidecarRuntime extends AutoCloseable {

  /** "docker" or "process". */
  String name();

  /** Creates and starts an instance; throws {@code SidecarException} naming the image or command on failure. */
  SidecarInstance start(SidecarSpec spec);

  @Override
  default void close() {}
}
