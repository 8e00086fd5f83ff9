package io.sparksidecar.plugin.config;

import java.time.Duration;
import java.util.List;

/**
 * Every {@code spark.sidecar.*} key, declared once: name, default, documentation, validator. The
 * README's key table is generated from {@link #ALL} (see {@code ConfigTable}), and a test fails when
 * the README is out of date.
 */
public final class SidecarKeys {
  private SidecarKeys() {}

  public static final String PREFIX = "spark.sidecar.";
  /** Prefix of the environment keys: {@code spark.sidecar.env.NAME=value}. */
  public static final String ENV_PREFIX = PREFIX + "env.";

  public static final ConfigKey<String> RUNTIME = new ConfigKey<>(PREFIX + "runtime", "auto",
      "Where the sidecar runs: `docker`, `process` (a local child process), or `auto` (docker when an engine answers, else process: the embedded default).",
      Parsers.oneOf("auto", "docker", "process"));
  public static final ConfigKey<String> IMAGE = new ConfigKey<>(PREFIX + "image", "",
      "Container image of the sidecar; required by the docker runtime. It must be present on each host's engine: it is not pulled.",
      Parsers.string());
  public static final ConfigKey<List<String>> COMMAND = new ConfigKey<>(PREFIX + "command", "",
      "Command line (quotes group words). Docker: replaces the image's CMD. Process: what runs; required.",
      Parsers.commandLine());
  public static final ConfigKey<String> PROTOCOL = new ConfigKey<>(PREFIX + "protocol", "none",
      "How tasks hand files to a command-line sidecar over its volumes: `none` (server sidecar), `v1` (protocol/PROTOCOL.md) or `legacy` (start/done/close flags).",
      Parsers.oneOf("none", "v1", "legacy"));
  public static final ConfigKey<List<String>> VOLUMES = new ConfigKey<>(PREFIX + "volumes", "shared",
      "Comma-separated names of shared volumes: one host directory each per executor, mounted at `<mountBase>/<name>`.",
      Parsers.list());
  public static final ConfigKey<String> MOUNT_BASE = new ConfigKey<>(PREFIX + "volumes.mountBase", "/opt/sidecar/shared-volumes",
      "Where the volumes appear inside the container, so images that expect a fixed path work unchanged.",
      Parsers.string());
  public static final ConfigKey<String> HOST_DIR = new ConfigKey<>(PREFIX + "volumes.hostDir", "",
      "Host directory under which per-executor volume directories are created (default: `sidecar-volumes` in the executor's working directory). A tmpfs such as /dev/shm makes small hand-offs several times faster.",
      Parsers.string());
  public static final ConfigKey<List<Integer>> PORTS = new ConfigKey<>(PREFIX + "ports", "",
      "Ports the sidecar listens on; published on 127.0.0.1 only.",
      Parsers.ports());
  public static final ConfigKey<String> READINESS = new ConfigKey<>(PREFIX + "readiness", "auto",
      "What ready means: `port`, `http`, `log`, `agent` (protocol agent heartbeat), `healthcheck` (the image's HEALTHCHECK), `none`, or `auto` (agent with a protocol, else port with ports, else none).",
      Parsers.oneOf("auto", "port", "http", "log", "agent", "healthcheck", "none"));
  public static final ConfigKey<String> READINESS_PORT = new ConfigKey<>(PREFIX + "readiness.port", "",
      "Port checked by readiness `port` and `http` (default: the first of spark.sidecar.ports).",
      raw -> raw.isEmpty() ? "" : String.valueOf(Parsers.integer(1, 65535).parse(raw)));
  public static final ConfigKey<String> READINESS_PATH = new ConfigKey<>(PREFIX + "readiness.path", "/",
      "HTTP path for readiness `http`; a 2xx or 3xx answer is ready.",
      raw -> {
        if (!raw.startsWith("/")) {
          throw new IllegalArgumentException("must start with /");
        }
        return raw;
      });
  public static final ConfigKey<String> READINESS_LOG = new ConfigKey<>(PREFIX + "readiness.logPattern", "",
      "Regular expression a log line must match for readiness `log`.",
      raw -> {
        java.util.regex.Pattern.compile(raw);
        return raw;
      });
  public static final ConfigKey<Duration> READINESS_TIMEOUT = new ConfigKey<>(PREFIX + "readiness.timeout", "60s",
      "How long one start of the sidecar waits for readiness before it fails naming what it awaited (start-up as a whole is bounded by startup.timeout).",
      Parsers.duration(Duration.ofMillis(100)));
  public static final ConfigKey<ResourceProfile> RESOURCE_PROFILE = new ConfigKey<>(PREFIX + "resourceProfile", "",
      "A named resource profile: " + ResourceProfile.names() + ". The explicit keys below override it.",
      ResourceProfile.parser());
  public static final ConfigKey<Double> CPUS = new ConfigKey<>(PREFIX + "cpus", "0",
      "CPU limit (decimal; 0 = the profile's or none).", Parsers.decimal(0, 1024));
  public static final ConfigKey<Long> MEMORY = new ConfigKey<>(PREFIX + "memory", "",
      "Memory limit (e.g. 512m, 3g; empty = the profile's or none).", Parsers.bytes());
  public static final ConfigKey<Long> SHM = new ConfigKey<>(PREFIX + "shm", "",
      "Size of /dev/shm in the container (e.g. 2g).", Parsers.bytes());
  public static final ConfigKey<Integer> GPUS = new ConfigKey<>(PREFIX + "gpus", "0",
      "GPUs given to the container (0 = the profile's or none).", Parsers.integer(0, 64));
  public static final ConfigKey<String> USER = new ConfigKey<>(PREFIX + "user", "",
      "Numeric `uid[:gid]` the sidecar runs as. Empty: the image's user, which must then be numeric and non-root.",
      raw -> {
        if (!raw.isEmpty() && !raw.matches("\\d+(:\\d+)?")) {
          throw new IllegalArgumentException("must be a numeric uid or uid:gid (names cannot be checked for root)");
        }
        return raw;
      });
  public static final ConfigKey<Boolean> ALLOW_ROOT = new ConfigKey<>(PREFIX + "allowRoot", "false",
      "Allow a sidecar that runs as root (uid 0). Off by default.", Parsers.bool());
  public static final ConfigKey<String> NETWORK = new ConfigKey<>(PREFIX + "network", "bridge",
      "Docker network mode: `bridge` (ports published on 127.0.0.1 only) or `host`.",
      Parsers.oneOf("bridge", "host"));
  public static final ConfigKey<Integer> PIDS_LIMIT = new ConfigKey<>(PREFIX + "pidsLimit", "512",
      "Most processes the sidecar may run (docker).", Parsers.integer(1, 1 << 22));
  public static final ConfigKey<Integer> MAX_RESTARTS = new ConfigKey<>(PREFIX + "restart.maxRestarts", "3",
      "Restarts in place (within restart.window) before the sidecar counts as failed for good.", Parsers.integer(0, 1000));
  public static final ConfigKey<Duration> RESTART_WINDOW = new ConfigKey<>(PREFIX + "restart.window", "10m",
      "Restarts older than this no longer count toward maxRestarts: a sidecar that crashes now and then is restarted for ever, one that crash-loops fails for good and the failure policy applies.",
      Parsers.duration(Duration.ofSeconds(1)));
  public static final ConfigKey<Duration> RESTART_BACKOFF = new ConfigKey<>(PREFIX + "restart.backoff", "1s",
      "Wait before the first restart; doubles each time, at most 30 s.", Parsers.duration(Duration.ZERO));
  public static final ConfigKey<String> FAILURE_POLICY = new ConfigKey<>(PREFIX + "failurePolicy", "replaceExecutor",
      "What the driver does with an executor whose sidecar failed for good: `replaceExecutor`, `failApplication` or `ignore`.",
      Parsers.oneOf("replaceExecutor", "failApplication", "ignore"));
  public static final ConfigKey<Duration> HEALTH_INTERVAL = new ConfigKey<>(PREFIX + "health.interval", "5s",
      "How often executors send a heartbeat to the driver.", Parsers.duration(Duration.ofMillis(100)));
  public static final ConfigKey<Duration> HEALTH_STALE = new ConfigKey<>(PREFIX + "health.staleAfter", "30s",
      "Silence after which the driver marks an executor's sidecar stale; must exceed health.interval.", Parsers.duration(Duration.ofMillis(200)));
  public static final ConfigKey<Duration> HISTORY_INTERVAL = new ConfigKey<>(PREFIX + "history.interval", "10s",
      "With `spark.eventLog.enabled`: how often the driver writes the sidecar rows that changed to the event log, for the Sidecars tab of the history server (also at the application's end; `0` for only then).",
      Parsers.duration(Duration.ZERO));
  public static final ConfigKey<Duration> STOP_TIMEOUT = new ConfigKey<>(PREFIX + "stopTimeout", "10s",
      "Grace period between SIGTERM and SIGKILL when a sidecar is stopped.", Parsers.duration(Duration.ZERO));
  public static final ConfigKey<Duration> STARTUP_TIMEOUT = new ConfigKey<>(PREFIX + "startup.timeout", "90s",
      "Longest an executor's start-up waits for its sidecar, all start attempts and restarts included; then the sidecar counts as failed and the failure policy applies. Must stay below Spark's executor heartbeat timeout (spark.network.timeout), since the executor sends no heartbeat while its plugins start.",
      Parsers.duration(Duration.ofSeconds(1)));
  public static final ConfigKey<Integer> DOCKER_RETRIES = new ConfigKey<>(PREFIX + "docker.retries", "3",
      "Retries of an engine call that failed for a transient cause (I/O error, timeout, HTTP 5xx, conflict), waiting 250 ms, then twice as long each time. Permanent causes (missing image, invalid spec, bad bind) are never retried.",
      Parsers.integer(0, 20));
  public static final ConfigKey<String> DOCKER_HOST = new ConfigKey<>(PREFIX + "docker.host", "unix:///var/run/docker.sock",
      "Docker engine endpoint: `unix:///path/to/docker.sock` or `tcp://host:port` (TLS when DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH are set, as for the docker CLI).",
      raw -> {
        if (!raw.matches("unix:///.+|tcp://[^/\\s]+(:\\d+)?/?")) {
          throw new IllegalArgumentException("must be unix:///path or tcp://host:port");
        }
        return raw;
      });
  public static final ConfigKey<String> DOCKER_API_VERSION = new ConfigKey<>(PREFIX + "docker.apiVersion", "1.41",
      "Docker API version to speak (1.41 = Engine 20.10, the oldest supported).",
      raw -> {
        if (!raw.matches("1\\.\\d+")) {
          throw new IllegalArgumentException("must look like 1.41");
        }
        return raw;
      });
  public static final ConfigKey<String> DOCKER_CLIENT = new ConfigKey<>(PREFIX + "docker.client", "auto",
      "How to talk to the engine: `builtin` (JDK sockets; UNIX socket or plain TCP; starts sidecars fastest), `docker-java` (also TLS, via DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) or `auto` (builtin unless the endpoint needs TLS).",
      Parsers.oneOf("auto", "builtin", "docker-java"));
  public static final ConfigKey<String> PROCESS_ARCHIVE = new ConfigKey<>(PREFIX + "process.archive", "",
      "Process runtime: the name under which an archive shipped with spark.archives is unpacked (e.g. `env` for `env.tar.gz#env`); the command runs in it as if it were activated: its bin/ first on PATH, VIRTUAL_ENV (venv, venv-pack) or CONDA_PREFIX (conda-pack) set, the executor's PYTHONHOME and PYTHONPATH removed for a Python environment.",
      Parsers.string());
  public static final ConfigKey<Integer> AGENT_CONCURRENCY = new ConfigKey<>(PREFIX + "agent.concurrency", "2",
      "Requests the protocol agent runs at once per executor.", Parsers.integer(1, 256));
  public static final ConfigKey<String> AGENT_CLIENT_TIMEOUT = new ConfigKey<>(PREFIX + "agent.clientTimeout", "",
      "How long the protocol agent waits for a silent executor (no client heartbeat) before it stops. Empty: spark.network.timeout (120 s by default), so a long GC pause or a stopped JVM never costs the sidecar; a killed executor is still noticed at once (the watchdog removes its sidecar).",
      raw -> raw.isEmpty() ? "" : Parsers.duration(Duration.ofSeconds(1)).parse(raw).toMillis() + "ms");
  public static final ConfigKey<Duration> AGENT_STALE_AFTER = new ConfigKey<>(PREFIX + "agent.staleAfter", "5s",
      "Age of the protocol agent's heartbeat after which a waiting hand-off counts the agent as gone. A sidecar that exits is noticed sooner, through its supervisor (within about 0.5 s); this bound is for an agent that hangs, and is generous so that a loaded host never trips it.",
      Parsers.duration(Duration.ofMillis(500)));
  public static final ConfigKey<Duration> AGENT_GRACE = new ConfigKey<>(PREFIX + "agent.grace", "1s",
      "Grace between SIGTERM and SIGKILL when the protocol agent cancels a request (timeout, task killed); the client waits this plus 1 s for the agent to confirm.",
      Parsers.duration(Duration.ZERO));

  // ---- Kubernetes: the executor-pod feature step (runtime/kubernetes/SidecarFeatureStep) ----
  public static final ConfigKey<String> K8S_NATIVE_SIDECAR = new ConfigKey<>(PREFIX + "kubernetes.nativeSidecar", "auto",
      "Kubernetes: `true` puts the sidecar in each executor pod as a native sidecar (init container with restartPolicy Always and a startup probe from the readiness keys: the executor starts only once the sidecar is ready; Kubernetes 1.29+), `false` as a regular second container (no start ordering), `auto` asks the API server's /version once per driver: native from 1.29 on, regular below, native when the version cannot be read.",
      Parsers.oneOf("auto", "true", "false"));
  public static final ConfigKey<String> K8S_VOLUME_MEDIUM = new ConfigKey<>(PREFIX + "kubernetes.volumes.medium", "",
      "Kubernetes: `Memory` backs the shared emptyDir volumes with tmpfs (counted against the pod's memory); empty: the node's disk.",
      raw -> {
        if (!raw.isEmpty() && !raw.equals("Memory")) {
          throw new IllegalArgumentException("must be empty (the node's disk) or Memory");
        }
        return raw;
      });
  public static final ConfigKey<Long> K8S_VOLUME_SIZE_LIMIT = new ConfigKey<>(PREFIX + "kubernetes.volumes.sizeLimit", "",
      "Kubernetes: size limit of each shared emptyDir volume (e.g. 1g); empty: none.", Parsers.bytes());

  // ---- Spark Connect: sidecars scoped to a session (plugin/session); set by the server, not by sessions ----
  /** Prefix of what a Connect session sets with {@code spark.conf.set} to get its own sidecar (see the README). */
  public static final String SESSION_PREFIX = PREFIX + "session.";
  public static final ConfigKey<Integer> SESSION_MAX_PER_EXECUTOR = new ConfigKey<>(SESSION_PREFIX + "maxPerExecutor", "4",
      "Spark Connect: most session sidecars (sessions that set `spark.sidecar.session.command` or `.image`) running at once on one executor; a further session's tasks fail naming this key. Server-wide: a session cannot change it.",
      Parsers.integer(1, 1000));
  public static final ConfigKey<Duration> SESSION_IDLE_TIMEOUT = new ConfigKey<>(SESSION_PREFIX + "idleTimeout", "30m",
      "Spark Connect: a session sidecar that ran no task for this long is stopped (it starts again on the session's next task). Sidecars also stop when their session closes or its archive directory goes. A session may set a shorter one for its own sidecar (`spark.conf.set`), never a longer one.",
      Parsers.duration(Duration.ofSeconds(1)));
  public static final ConfigKey<Boolean> SESSION_WARM_AGENT = new ConfigKey<>(SESSION_PREFIX + "warmAgent", "true",
      "Spark Connect: from the first Connect task on, each executor keeps one protocol agent JVM started ahead (~40 MB), so that a session's v1 process sidecar starts without waiting for a JVM. Server-wide.",
      Parsers.bool());

  /** Every declared key, in documentation order. */
  public static final List<ConfigKey<?>> ALL = List.of(RUNTIME, IMAGE, COMMAND, PROTOCOL, VOLUMES, MOUNT_BASE, HOST_DIR,
      PORTS, READINESS, READINESS_PORT, READINESS_PATH, READINESS_LOG, READINESS_TIMEOUT, RESOURCE_PROFILE, CPUS,
      MEMORY, SHM, GPUS, USER, ALLOW_ROOT, NETWORK, PIDS_LIMIT, MAX_RESTARTS, RESTART_WINDOW, RESTART_BACKOFF, FAILURE_POLICY,
      HEALTH_INTERVAL, HEALTH_STALE, HISTORY_INTERVAL, STOP_TIMEOUT, STARTUP_TIMEOUT, DOCKER_HOST, DOCKER_API_VERSION, DOCKER_CLIENT, DOCKER_RETRIES,
      PROCESS_ARCHIVE, AGENT_CONCURRENCY, AGENT_CLIENT_TIMEOUT, AGENT_STALE_AFTER, AGENT_GRACE,
      K8S_NATIVE_SIDECAR, K8S_VOLUME_MEDIUM, K8S_VOLUME_SIZE_LIMIT, SESSION_MAX_PER_EXECUTOR, SESSION_IDLE_TIMEOUT,
      SESSION_WARM_AGENT);
}
