package io.sparksidecar.plugin.runtime;

/**
 * Starts sidecar instances on this host: {@code docker} or {@code process}. {@link #start} creates
 * and starts one instance and returns without waiting for readiness (see {@link Readiness}).
 */
public interface SidecarRuntime extends AutoCloseable {

  /** "docker", "process" or "kubernetes". */
  String name();

  /** Creates and starts an instance; throws {@code SidecarException} naming the image or command on failure. */
  SidecarInstance start(SidecarSpec spec);

  /**
   * True when the sidecar's shared volumes already exist where it runs and are mounted in the
   * executor at {@code <mountBase>/<name>} (a Kubernetes pod's emptyDirs): the executor side then
   * uses those paths and neither creates nor deletes them. False (docker, process): the executor
   * side creates host directories per executor and hands them to {@link #start}.
   */
  default boolean providesVolumes() {
    return false;
  }

  @Override
  default void close() {}
}
