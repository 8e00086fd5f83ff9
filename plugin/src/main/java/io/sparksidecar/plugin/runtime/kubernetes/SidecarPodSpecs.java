package io.sparksidecar.plugin.runtime.kubernetes;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.config.SparkTimeouts;
import io.sparksidecar.plugin.runtime.kubernetes.SidecarPodSpec.Env;
import io.sparksidecar.plugin.runtime.kubernetes.SidecarPodSpec.Probe;
import io.sparksidecar.plugin.runtime.kubernetes.SidecarPodSpec.SharedVolume;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves and validates the {@link SidecarPodSpec} of an application from its Spark conf: the
 * same {@code spark.sidecar.*} keys as the docker runtime, plus the rules a pod adds (an image is
 * required, volume names must be Kubernetes names, ports must not clash with the executor's, the
 * readiness must be something a kubelet can probe). Pure and thread-safe; runs on the driver,
 * once at start-up (through {@link KubernetesChecks}) and when the feature step first runs.
 * Every failure is a {@link SidecarException} naming the key and the value.
 */
final class SidecarPodSpecs {
  /** The Spark key whose value the executor's block manager listens on, and Spark's default for it on Kubernetes. */
  static final String BLOCK_MANAGER_PORT = "spark.blockManager.port";
  static final int DEFAULT_BLOCK_MANAGER_PORT = 7079;
  private static final String AGENT_RESOURCE = "/io/sparksidecar/protocol/agent/sidecar-agent.sh";
  static final String LEGACY_LOOP_RESOURCE = "/io/sparksidecar/plugin/runtime/kubernetes/legacy-loop.sh";
  private static final Map<String, String> SCRIPTS = new java.util.concurrent.ConcurrentHashMap<>();

  private SidecarPodSpecs() {}

  /**
   * The spec for {@code sparkConf} (every entry of the application's Spark conf).
   *
   * @param networkTimeoutMs {@code spark.network.timeout} as Spark parsed it (the agent's default client timeout)
   * @param nativeSidecar    the resolved {@code spark.sidecar.kubernetes.nativeSidecar} (see {@link NativeSidecars})
   * @throws SidecarException naming the key and the value of the first bad setting
   */
  static SidecarPodSpec resolve(Map<String, String> sparkConf, long networkTimeoutMs, boolean nativeSidecar) {
    Map<String, String> sidecarConf = SparkTimeouts.resolve(SidecarSettings.sidecarEntries(sparkConf.entrySet()), networkTimeoutMs);
    SidecarSettings s = SidecarSettings.from(sidecarConf);
    if (s.image().isEmpty()) {
      throw new SidecarException(SidecarKeys.IMAGE.name() + " is required on Kubernetes (the sidecar is a container of the"
          + " executor pod); it is empty");
    }
    String medium = SidecarKeys.K8S_VOLUME_MEDIUM.get(sidecarConf);
    long sizeLimit = SidecarKeys.K8S_VOLUME_SIZE_LIMIT.get(sidecarConf);
    Long[] ids = user(s);
    List<SharedVolume> volumes = volumes(s);
    checkPorts(s, sparkConf);
    SidecarSettings.Resources r = s.resources();
    return new SidecarPodSpec(nativeSidecar, s.image(), command(s), s.command(), env(s), s.ports(), ids[0], ids[1],
        !s.allowRoot(), ids[1] != null ? ids[1] : ids[0], volumes, medium, sizeLimit, r.shmBytes(),
        r.cpus() > 0 ? cpuQuantity(r.cpus()) : null, r.memoryBytes() > 0 ? bytesQuantity(r.memoryBytes()) : null, r.gpus(),
        probe(s));
  }

  /** {uid, gid} from spark.sidecar.user (nulls when empty); root refused unless allowRoot, as on Docker. */
  private static Long[] user(SidecarSettings s) {
    String user = s.user(); // the key's parser already refused names: numeric uid[:gid] or empty
    if (user.isEmpty()) {
      return new Long[] {null, null}; // the image's user; runAsNonRoot makes the kubelet refuse a root or named one
    }
    String[] parts = user.split(":");
    long uid = Long.parseLong(parts[0]);
    if (uid == 0 && !s.allowRoot()) {
      throw new SidecarException("invalid value '" + user + "' for " + SidecarKeys.USER.name() + ": uid 0 is root, refused."
          + " Use a numeric non-root uid (e.g. 5001) or set " + SidecarKeys.ALLOW_ROOT.name() + "=true");
    }
    return new Long[] {uid, parts.length > 1 ? Long.parseLong(parts[1]) : null};
  }

  /** One emptyDir per named volume, named {@code spark-sidecar-<name>} (a DNS-1123 label), at {@code <mountBase>/<name>}. */
  private static List<SharedVolume> volumes(SidecarSettings s) {
    List<SharedVolume> out = new ArrayList<>();
    for (String name : s.volumes()) {
      String podName = SidecarPodSpec.VOLUME_PREFIX + name;
      if (!podName.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || podName.length() > 63) {
        throw new SidecarException("invalid volume name '" + name + "' in " + SidecarKeys.VOLUMES.name() + "="
            + String.join(",", s.volumes()) + ": on Kubernetes it becomes the pod volume '" + podName + "', which must be a"
            + " DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most "
            + (63 - SidecarPodSpec.VOLUME_PREFIX.length()) + " characters here)");
      }
      out.add(new SharedVolume(podName, s.mountBase() + "/" + name));
    }
    return out;
  }

  /** A pod shares one network namespace: a sidecar port must not be one the executor listens on. */
  private static void checkPorts(SidecarSettings s, Map<String, String> sparkConf) {
    String raw = sparkConf.get(BLOCK_MANAGER_PORT);
    int blockManager;
    try {
      blockManager = raw == null || raw.isBlank() ? DEFAULT_BLOCK_MANAGER_PORT : Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      return; // Spark itself rejects it
    }
    List<Integer> seen = new ArrayList<>();
    for (int port : s.ports()) {
      if (port == blockManager) {
        throw new SidecarException("invalid value '" + String.join(",", s.ports().stream().map(String::valueOf).toList())
            + "' for " + SidecarKeys.PORTS.name() + ": port " + port + " is the executor's block manager port (" + BLOCK_MANAGER_PORT
            + (raw == null ? ", Spark's default on Kubernetes" : "=" + raw) + "), and the containers of a pod share one network;"
            + " pick another port");
      }
      if (seen.contains(port)) {
        throw new SidecarException("invalid value '" + String.join(",", s.ports().stream().map(String::valueOf).toList())
            + "' for " + SidecarKeys.PORTS.name() + ": port " + port + " is listed twice");
      }
      seen.add(port);
    }
  }

  /**
   * The container's command; the user's command line ({@code spark.sidecar.command}) becomes its
   * arguments. Protocol v1 with a command: the inlined sh agent (see the README: no registry, no
   * image change). Legacy (a command is then required): the legacy loop, which runs the image's
   * command once per hand-off in place. Otherwise empty (the image's entrypoint).
   */
  private static List<String> command(SidecarSettings s) {
    if (s.protocol().equals("legacy")) {
      List<String> loop = new ArrayList<>(List.of("/bin/sh", "-c", script(LEGACY_LOOP_RESOURCE), "sidecar-legacy-loop"));
      s.volumes().forEach(name -> loop.add(s.mountBase() + "/" + name));
      loop.add("--");
      return List.copyOf(loop);
    }
    if (!s.protocol().equals("v1") || s.command().isEmpty()) {
      return List.of();
    }
    return List.of("/bin/sh", "-c", agentScript(), "sidecar-agent", "--volume", s.mountBase() + "/" + s.volumes().get(0),
        "--concurrency", String.valueOf(s.agentConcurrency()), "--grace-ms", String.valueOf(s.agentGrace().toMillis()),
        "--client-timeout-ms", String.valueOf(s.agentClientTimeout().toMillis()), "--");
  }

  private static List<Env> env(SidecarSettings s) {
    List<Env> env = new ArrayList<>();
    s.env().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> env.add(new Env(e.getKey(), e.getValue())));
    env.add(new Env("SIDECAR_CLIENT_TIMEOUT_MS", String.valueOf(s.agentClientTimeout().toMillis())));
    env.add(new Env("SIDECAR_GRACE_MS", String.valueOf(s.agentGrace().toMillis())));
    for (String name : s.volumes()) {
      env.add(new Env("SIDECAR_VOLUME_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), s.mountBase() + "/" + name));
    }
    return env;
  }

  /** The readiness keys as a kubelet probe, polled every second for up to the readiness timeout. */
  private static Probe probe(SidecarSettings s) {
    SidecarSettings.Readiness r = s.readiness();
    int failures = (int) Math.max(1, (r.timeout().toMillis() + 999) / 1000);
    return switch (r.kind()) {
      case "none" -> null;
      case "port" -> new Probe("tcp", r.port(), "", List.of(), 1, failures);
      case "http" -> new Probe("http", r.port(), r.path(), List.of(), 1, failures);
      case "agent" -> {
        // the agent's heartbeat counter changes within half a second: fresh, not left by an earlier life of the container
        String dir = s.mountBase() + "/" + s.volumes().get(0) + "/agent";
        yield new Probe("exec", 0, "", List.of("/bin/sh", "-c", "h='" + dir + "/heartbeat'; [ ! -e '" + dir + "/stopped' ]"
            + " && a=$(cat \"$h\") && sleep 0.5 && b=$(cat \"$h\") && [ \"$a\" != \"$b\" ]"), 2, failures);
      }
      default -> throw new SidecarException("invalid value '" + r.kind() + "' for " + SidecarKeys.READINESS.name()
          + " on Kubernetes: a kubelet can probe port, http, agent or none (it cannot read a container's log, and it ignores"
          + " an image's HEALTHCHECK)");
    };
  }

  /** "2", "500m": Kubernetes CPU quantities, exact to the millicore. */
  static String cpuQuantity(double cpus) {
    long milli = Math.round(cpus * 1000);
    return milli % 1000 == 0 ? String.valueOf(milli / 1000) : milli + "m";
  }

  /** "6Gi", "512Mi", "1536Ki" or plain bytes: the largest binary unit that is exact. */
  static String bytesQuantity(long bytes) {
    String[] units = {"Ti", "Gi", "Mi", "Ki"};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << (10 * (4 - i));
      if (bytes % unit == 0) {
        return bytes / unit + units[i];
      }
    }
    return String.valueOf(bytes);
  }

  /** The sh agent from the plugin jar (the protocol module ships it), read once. */
  static String agentScript() {
    return script(AGENT_RESOURCE);
  }

  /** A script shipped in the plugin jar, read once. */
  static String script(String resource) {
    return SCRIPTS.computeIfAbsent(resource, r -> {
      try (InputStream in = SidecarPodSpecs.class.getResourceAsStream(r)) {
        if (in == null) {
          throw new SidecarException(r.substring(r.lastIndexOf('/') + 1) + " is missing from the plugin jar (" + r + ")");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new SidecarException("cannot read " + r + " from the plugin jar", e);
      }
    });
  }
}
