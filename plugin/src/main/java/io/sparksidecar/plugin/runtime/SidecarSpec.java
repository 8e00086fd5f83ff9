package io.sparksidecar.plugin.runtime;

import io.sparksidecar.plugin.config.SidecarSettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a runtime needs to start one executor's sidecar.
 *
 * @param appId      Spark application id (a label, and part of names)
 * @param executorId Spark executor id
 * @param settings   the validated {@code spark.sidecar.*} settings
 * @param volumes    volume name to host directory, prepared and writable by the sidecar's user
 * @param workDir    the executor's working directory (where {@code spark.archives} are unpacked)
 */
public record SidecarSpec(String appId, String executorId, SidecarSettings settings, Map<String, Path> volumes,
    Path workDir) {

  public SidecarSpec {
    volumes = Map.copyOf(volumes);
  }
}
