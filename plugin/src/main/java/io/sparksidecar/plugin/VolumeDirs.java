package io.sparksidecar.plugin;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.protocol.AtomicFiles;
import io.sparksidecar.protocol.Protocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The directories behind an executor's volumes. Two kinds:
 * <ul>
 *   <li>{@linkplain #VolumeDirs(SidecarSettings, String, String, Path) owned}: host directories
 *       {@code <base>/<app>-<executor>/<name>}, mode 2770 (setgid, so everything below keeps the
 *       executor's group). The sidecar's user, another uid, is given that group ({@code --group-add}):
 *       it can write, other local users cannot. Deleted at executor shutdown, or by the watchdog
 *       once the executor JVM is gone (a SIGKILL).</li>
 *   <li>{@linkplain #mounted(SidecarSettings) mounted} (Kubernetes): the pod's {@code emptyDir}
 *       volumes, which the feature step mounts in the executor container at {@code <mountBase>/<name>},
 *       the same path as in the sidecar. They belong to the pod: used as they are (the pod's
 *       {@code fsGroup} shares them), never created, chmod-ed or deleted here.</li>
 * </ul>
 */
final class VolumeDirs implements AutoCloseable {
  private final Path root; // null: not ours to delete
  private final Map<String, Path> dirs;

  private VolumeDirs(Path root, Map<String, Path> dirs) {
    this.root = root;
    this.dirs = dirs;
  }

  VolumeDirs(SidecarSettings s, String appId, String executorId, Path workDir) {
    Path base = s.hostDir().isEmpty() ? workDir.resolve("sidecar-volumes") : Path.of(s.hostDir());
    this.root = base.resolve((appId + "-" + executorId).replaceAll("[^A-Za-z0-9._-]", "-")).toAbsolutePath();
    this.dirs = new LinkedHashMap<>();
    try {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));
      // a SIGKILLed executor never gets to close(): its watchdog deletes the root then
      io.sparksidecar.plugin.runtime.docker.Watchdog.deleteWhenGone(root);
      for (String name : s.volumes()) {
        Path dir = Files.createDirectories(root.resolve(name));
        Protocol.shareWithGroup(dir);
        dirs.put(name, dir);
      }
    } catch (IOException e) {
      throw new SidecarException("cannot prepare sidecar volumes under " + base + " (spark.sidecar.volumes.hostDir): "
          + e.getMessage(), e);
    }
  }

  /**
   * The volumes a pod already mounts at {@code <mountBase>/<name>} in this (the executor's)
   * container. Does not block.
   *
   * @throws SidecarException naming the path when a mount is missing (the pod was not built by
   *                          the feature step, or with another {@code spark.sidecar.volumes.mountBase})
   */
  static VolumeDirs mounted(SidecarSettings s) {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (String name : s.volumes()) {
      Path dir = Path.of(s.mountBase(), name);
      if (!Files.isDirectory(dir)) {
        throw SidecarException.permanent("the executor pod has no sidecar volume '" + name + "' mounted at " + dir
            + " (spark.sidecar.volumes.mountBase=" + s.mountBase() + "): was the pod built with"
            + " spark.kubernetes.executor.pod.featureSteps=io.sparksidecar.plugin.runtime.kubernetes.SidecarFeatureStep"
            + " and the same spark.sidecar.* keys?", null);
      }
      dirs.put(name, dir);
    }
    return new VolumeDirs(null, dirs);
  }

  Map<String, Path> dirs() {
    return dirs;
  }

  /** Deletes owned directories; leaves a pod's mounts alone. */
  @Override
  public void close() {
    if (root != null) {
      AtomicFiles.deleteQuietly(root);
      if (!Files.exists(root)) {
        io.sparksidecar.plugin.runtime.docker.Watchdog.forget(root);
      }
    }
  }
}
