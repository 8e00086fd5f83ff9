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
 * The host directories behind an executor's volumes: {@code <base>/<app>-<executor>/<name>}, mode
 * 2770 (setgid, so everything below keeps the executor's group). The sidecar's user, another uid,
 * is given that group ({@code --group-add}): it can write, other local users cannot. Deleted at
 * executor shutdown.
 */
final class VolumeDirs implements AutoCloseable {
  private final Path root;
  private final Map<String, Path> dirs = new LinkedHashMap<>();

  VolumeDirs(SidecarSettings s, String appId, String executorId, Path workDir) {
    Path base = s.hostDir().isEmpty() ? workDir.resolve("sidecar-volumes") : Path.of(s.hostDir());
    this.root = base.resolve((appId + "-" + executorId).replaceAll("[^A-Za-z0-9._-]", "-")).toAbsolutePath();
    try {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));
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

  Map<String, Path> dirs() {
    return dirs;
  }

  @Override
  public void close() {
    AtomicFiles.deleteQuietly(root);
  }
}
