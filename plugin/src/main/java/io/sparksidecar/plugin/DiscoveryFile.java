package io.sparksidecar.plugin;

import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.protocol.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells processes of this executor that are not JVM code (PySpark's Python workers) where its
 * sidecar is: a small JSON document (format 1, see {@code protocol/python/README.md}) with the
 * executor id, runtime, supervisor state and reason, protocol, the volumes' directories and the
 * container-port to 127.0.0.1-port map. Written atomically (temporary name, rename) on every state
 * change, so a restart's new host ports reach readers, to two places:
 * <ul>
 *   <li>{@code <executor working directory>/.spark-sidecar/executor.json} (Python workers inherit
 *       the executor's cwd on standalone, YARN and Kubernetes);</li>
 *   <li>{@code <run dir>/<executor pid>.json}, run dir {@code $SPARK_SIDECAR_RUN_DIR} or
 *       {@code /tmp/spark-sidecar-<uid>} (mode 0700), found by a worker walking its parent processes.</li>
 * </ul>
 * Beside the first, {@code executor.handoffs/} receives the Python workers' hand-off totals
 * ({@link #pythonHandoffs}), so that the driver counts their hand-offs too.
 * Both are deleted at {@link #close}, with that directory. Never throws: a failed write is logged once per kind of failure.
 * Called from the supervisor's thread and from plugin callbacks; synchronized.
 */
public final class DiscoveryFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DiscoveryFile.class);
  static final int FORMAT = 1;

  private final String appId;
  private final String executorId;
  private final List<Path> targets;
  private final long pid = ProcessHandle.current().pid();
  private final long startTicks = startTicks();
  private final Map<String, Object> extra; // e.g. a session sidecar's scope and session id
  private boolean warned;
  private boolean closed; // a late state change after close must not bring the file back

  DiscoveryFile(String appId, String executorId, Path workDir) {
    this(appId, executorId, executorTargets(workDir), Map.of());
  }

  /**
   * A discovery file at other places, with {@code extra} fields added to the document: a session
   * sidecar's ({@code io.sparksidecar.plugin.session}) next to the executor's, named
   * {@code <executor file without .json>.session-<session uuid>.json}.
   */
  public DiscoveryFile(String appId, String executorId, List<Path> targets, Map<String, Object> extra) {
    this.appId = appId;
    this.executorId = executorId;
    this.targets = List.copyOf(targets);
    this.extra = new LinkedHashMap<>(extra);
  }

  /** The two places of this executor's own file ({@code workDir}'s and the run dir's), in that order. */
  public static List<Path> executorTargets(Path workDir) {
    return List.of(workDir.resolve(".spark-sidecar").resolve("executor.json"),
        runDir().resolve(ProcessHandle.current().pid() + ".json"));
  }

  /** {@code $SPARK_SIDECAR_RUN_DIR}, else {@code /tmp/spark-sidecar-<uid>}. */
  static Path runDir() {
    String env = System.getenv("SPARK_SIDECAR_RUN_DIR");
    if (env != null && !env.isEmpty()) {
      return Path.of(env);
    }
    Object uid;
    try {
      uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | RuntimeException e) {
      uid = System.getProperty("user.name", "user");
    }
    return Path.of("/tmp", "spark-sidecar-" + uid);
  }

  /** Field 22 of /proc/self/stat (start time in clock ticks): lets readers tell a reused pid; -1 when unknown. */
  private static long startTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[19]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The state of a running (or failed) sidecar. {@code sidecar} may be null when it never got built. */
  public synchronized void publish(Supervisor.Snapshot snap, String runtime, ExecutorSidecar sidecar,
      io.sparksidecar.plugin.config.SidecarSettings settings) {
    if (closed) {
      return;
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", FORMAT);
    doc.put("app_id", appId);
    doc.put("executor_id", executorId);
    doc.put("pid", pid);
    doc.put("pid_start_ticks", startTicks);
    doc.put("runtime", runtime);
    doc.put("state", snap.state().name());
    doc.put("reason", snap.reason() == null ? "" : snap.reason());
    doc.put("permanent", snap.permanent());
    doc.put("restarts", snap.restarts());
    doc.put("instance_id", snap.instanceId() == null ? "" : snap.instanceId());
    doc.put("protocol", settings == null ? "none" : settings.protocol());
    doc.put("ready_timeout_ms", settings == null ? 0 : settings.readiness().timeout().toMillis());
    doc.put("agent_stale_after_ms", settings == null ? 0 : settings.agentStaleAfter().toMillis());
    Map<String, Object> volumes = new LinkedHashMap<>();
    Map<String, Object> ports = new LinkedHashMap<>();
    if (sidecar != null && settings != null) {
      if (!settings.protocol().equals("none")) {
        for (String name : settings.volumes()) {
          try {
            volumes.put(name, sidecar.volume(name).root().toAbsolutePath().toString());
          } catch (RuntimeException e) {
            // not opened yet (before start) or no such volume: omitted
          }
        }
      }
      if (snap.state() == Supervisor.State.READY || snap.state() == Supervisor.State.UNHEALTHY) {
        for (int p : settings.ports()) {
          try {
            ports.put(Integer.toString(p), sidecar.endpoint(p).getPort());
          } catch (RuntimeException e) {
            // no instance right now: omitted
          }
        }
      }
    }
    doc.put("volumes", volumes);
    doc.put("ports", ports);
    Path handoffs = handoffsDir();
    if (handoffs != null) {
      try {
        Files.createDirectories(handoffs);
        doc.put("handoffs_dir", handoffs.toAbsolutePath().toString());
      } catch (IOException | RuntimeException e) {
        LOG.debug("spark-sidecar: cannot create {}", handoffs, e);
      }
    }
    doc.putAll(extra);
    doc.put("updated_ms", System.currentTimeMillis());
    byte[] json = (toJson(doc) + "\n").getBytes(StandardCharsets.UTF_8);
    for (Path target : targets) {
      try {
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
          Files.createDirectories(dir);
          if (dir.getFileName().toString().startsWith("spark-sidecar-")) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
          }
        }
        AtomicFiles.write(target, json);
      } catch (IOException | RuntimeException e) {
        if (!warned) {
          warned = true;
          LOG.warn("spark-sidecar: executor {} cannot write its discovery file {}: {}", executorId, target, e.toString());
        }
      }
    }
  }

  /**
   * Where this file's readers (Python workers) keep their hand-off totals:
   * {@code <first target without .json>.handoffs/}, beside the file in the executor's working
   * directory; null without targets.
   */
  Path handoffsDir() {
    if (targets.isEmpty()) {
      return null;
    }
    Path first = targets.get(0);
    String name = first.getFileName().toString();
    return first.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".handoffs");
  }

  /**
   * The hand-offs this file's Python workers made so far, summed ({@link
   * io.sparksidecar.plugin.metrics.PythonHandoffs}); called on the reporting thread; never throws.
   */
  public io.sparksidecar.plugin.metrics.HandoffTotals pythonHandoffs() {
    return io.sparksidecar.plugin.metrics.PythonHandoffs.read(handoffsDir());
  }

  @Override
  public synchronized void close() {
    closed = true;
    Path handoffs = handoffsDir();
    if (handoffs != null) {
      AtomicFiles.deleteQuietly(handoffs);
    }
    for (Path target : targets) {
      try {
        Files.deleteIfExists(target);
      } catch (IOException | RuntimeException e) {
        LOG.debug("spark-sidecar: cannot delete {}", target, e);
      }
    }
  }

  static String toJson(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (b.length() > 1) {
          b.append(", ");
        }
        b.append(toJson(String.valueOf(e.getKey()))).append(": ").append(toJson(e.getValue()));
      }
      return b.append('}').toString();
    }
    StringBuilder b = new StringBuilder();
    io.sparksidecar.plugin.internal.JsonText.quote(b, v.toString());
    return b.toString();
  }
}
