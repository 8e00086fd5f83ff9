package io.sparksidecar.plugin.config;

import static io.sparksidecar.plugin.config.SidecarKeys.*;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The validated, typed {@code spark.sidecar.*} settings. {@link #from} checks every key (unknown
 * keys too) and the rules that span keys, and fails with a message naming the key and the value.
 */
public record SidecarSettings(
    String runtime,
    String image,
    List<String> command,
    Map<String, String> env,
    String protocol,
    List<String> volumes,
    String mountBase,
    String hostDir,
    List<Integer> ports,
    Readiness readiness,
    Resources resources,
    String user,
    boolean allowRoot,
    String network,
    int pidsLimit,
    int maxRestarts,
    Duration restartWindow,
    Duration restartBackoff,
    String failurePolicy,
    Duration healthInterval,
    Duration healthStaleAfter,
    Duration stopTimeout,
    Duration startupTimeout,
    String dockerHost,
    String dockerApiVersion,
    String dockerClient,
    int dockerRetries,
    String processArchive,
    int agentConcurrency,
    Duration agentClientTimeout,
    Duration agentStaleAfter,
    Duration agentGrace) {

  /** The agent's client timeout when neither the key nor spark.network.timeout says otherwise (Spark's default). */
  public static final Duration DEFAULT_CLIENT_TIMEOUT = Duration.ofSeconds(120);

  /** What "ready" means and how long to wait for it. {@code kind} is never "auto" here. */
  public record Readiness(String kind, int port, String path, String logPattern, Duration timeout) {}

  /** Limits; 0 means "none". */
  public record Resources(double cpus, long memoryBytes, long shmBytes, int gpus) {}

  /** The {@code spark.sidecar.*} entries of a full Spark conf. */
  public static Map<String, String> sidecarEntries(Iterable<Map.Entry<String, String>> conf) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : conf) {
      if (e.getKey().startsWith(PREFIX)) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** Validates and resolves; throws {@link SidecarException} naming the first bad key. */
  public static SidecarSettings from(Map<String, String> conf) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : conf.entrySet()) {
      String key = e.getKey();
      if (key.startsWith(ENV_PREFIX)) {
        String name = key.substring(ENV_PREFIX.length());
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw new SidecarException("invalid environment variable name '" + name + "' in " + key);
        }
        env.put(name, e.getValue());
      } else if (key.startsWith(PREFIX) && ALL.stream().noneMatch(k -> k.name().equals(key))) {
        throw new SidecarException("unknown key " + key + suggestion(key));
      }
    }
    String runtime = RUNTIME.get(conf);
    String image = IMAGE.get(conf);
    List<String> command = COMMAND.get(conf);
    if (runtime.equals("docker") && image.isEmpty()) {
      throw new SidecarException(IMAGE.name() + " is required when " + RUNTIME.name() + "=docker");
    }
    if (runtime.equals("process") && command.isEmpty()) {
      throw new SidecarException(COMMAND.name() + " is required when " + RUNTIME.name() + "=process");
    }
    if (runtime.equals("auto") && image.isEmpty() && command.isEmpty()) {
      throw new SidecarException("set " + IMAGE.name() + " (docker) or " + COMMAND.name() + " (process): nothing to run");
    }
    String protocol = PROTOCOL.get(conf);
    List<String> volumes = VOLUMES.get(conf);
    for (String v : volumes) {
      if (!v.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
        throw new SidecarException("invalid volume name '" + v + "' in " + VOLUMES.name() + ": use [a-z0-9._-], starting with a letter or digit");
      }
    }
    if (!protocol.equals("none") && volumes.isEmpty()) {
      throw new SidecarException(PROTOCOL.name() + "=" + protocol + " needs at least one volume in " + VOLUMES.name());
    }
    String mountBase = MOUNT_BASE.get(conf);
    if (!mountBase.startsWith("/")) {
      throw new SidecarException("invalid value '" + mountBase + "' for " + MOUNT_BASE.name() + ": must be an absolute path");
    }
    List<Integer> ports = PORTS.get(conf);
    Readiness readiness = readiness(conf, protocol, ports);
    ResourceProfile profile = RESOURCE_PROFILE.get(conf);
    double cpus = CPUS.get(conf);
    long memory = MEMORY.get(conf);
    long shm = SHM.get(conf);
    int gpus = GPUS.get(conf);
    Resources resources = new Resources(
        cpus > 0 ? cpus : profile == null ? 0 : profile.cpus(),
        memory > 0 ? memory : profile == null ? 0 : profile.memoryBytes(),
        shm > 0 ? shm : profile == null ? 0 : profile.shmBytes(),
        gpus > 0 ? gpus : profile == null ? 0 : profile.gpus());
    Duration healthInterval = HEALTH_INTERVAL.get(conf);
    Duration staleAfter = HEALTH_STALE.get(conf);
    if (staleAfter.compareTo(healthInterval) <= 0) {
      throw new SidecarException(HEALTH_STALE.name() + "=" + Parsers.human(staleAfter) + " must exceed " + HEALTH_INTERVAL.name()
          + "=" + Parsers.human(healthInterval) + ": every executor would look stale between two heartbeats");
    }
    String network = NETWORK.get(conf);
    if (network.equals("bridge") && (readiness.kind().equals("port") || readiness.kind().equals("http"))
        && !ports.contains(readiness.port())) {
      throw new SidecarException(READINESS_PORT.name() + "=" + readiness.port() + " is not in " + PORTS.name() + "="
          + conf.getOrDefault(PORTS.name(), "") + ": on the bridge network only those ports are published (on 127.0.0.1)");
    }
    String clientTimeout = AGENT_CLIENT_TIMEOUT.get(conf);
    // the Kubernetes keys are used by runtime/kubernetes; checked here too, so a bad value fails on any master
    K8S_NATIVE_SIDECAR.get(conf);
    K8S_VOLUME_MEDIUM.get(conf);
    K8S_VOLUME_SIZE_LIMIT.get(conf);
    // the session bounds are used by plugin/session; checked here so a bad value fails the server at start
    SESSION_MAX_PER_EXECUTOR.get(conf);
    SESSION_IDLE_TIMEOUT.get(conf);
    SESSION_WARM_AGENT.get(conf);
    HISTORY_INTERVAL.get(conf); // used by the driver's history publisher (ui)
    return new SidecarSettings(runtime, image, command, Map.copyOf(env), protocol, volumes, mountBase,
        HOST_DIR.get(conf), ports, readiness, resources, USER.get(conf), ALLOW_ROOT.get(conf), network,
        PIDS_LIMIT.get(conf), MAX_RESTARTS.get(conf), RESTART_WINDOW.get(conf), RESTART_BACKOFF.get(conf), FAILURE_POLICY.get(conf),
        healthInterval, staleAfter, STOP_TIMEOUT.get(conf), STARTUP_TIMEOUT.get(conf), DOCKER_HOST.get(conf),
        DOCKER_API_VERSION.get(conf), DOCKER_CLIENT.get(conf), DOCKER_RETRIES.get(conf), PROCESS_ARCHIVE.get(conf),
        AGENT_CONCURRENCY.get(conf), clientTimeout.isEmpty() ? DEFAULT_CLIENT_TIMEOUT : Parsers.duration().parse(clientTimeout),
        AGENT_STALE_AFTER.get(conf), AGENT_GRACE.get(conf));
  }

  private static Readiness readiness(Map<String, String> conf, String protocol, List<Integer> ports) {
    String kind = READINESS.get(conf);
    if (kind.equals("auto")) {
      kind = protocol.equals("v1") ? "agent" : !ports.isEmpty() ? "port" : "none";
    }
    String portRaw = READINESS_PORT.get(conf);
    int port = !portRaw.isEmpty() ? Integer.parseInt(portRaw) : ports.isEmpty() ? 0 : ports.get(0);
    if ((kind.equals("port") || kind.equals("http")) && port == 0) {
      throw new SidecarException(READINESS.name() + "=" + kind + " needs a port: set " + READINESS_PORT.name() + " or " + PORTS.name());
    }
    String pattern = READINESS_LOG.get(conf);
    if (kind.equals("log") && pattern.isEmpty()) {
      throw new SidecarException(READINESS.name() + "=log needs " + READINESS_LOG.name());
    }
    if (kind.equals("agent") && !protocol.equals("v1")) {
      throw new SidecarException(READINESS.name() + "=agent needs " + PROTOCOL.name() + "=v1 (got " + protocol + ")");
    }
    return new Readiness(kind, port, READINESS_PATH.get(conf), pattern, READINESS_TIMEOUT.get(conf));
  }

  private static String suggestion(String key) {
    String best = null;
    int bestDistance = 4;
    for (ConfigKey<?> k : ALL) {
      int d = distance(key, k.name());
      if (d < bestDistance) {
        bestDistance = d;
        best = k.name();
      }
    }
    return best == null ? " (see the README's key table)" : " (did you mean " + best + "?)";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
