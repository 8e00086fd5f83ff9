package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarRuntime;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs the sidecar as a container through an {@link Engine} client (the built-in one on UNIX
 * sockets and plain TCP, docker-java for TLS; see {@link Engines}). Hardened by default: a
 * numeric non-root user (refused otherwise unless {@code spark.sidecar.allowRoot}), all
 * capabilities dropped, no-new-privileges, a pids limit, ports published on 127.0.0.1 only,
 * resource limits from the profile or explicit keys. Labels name app, executor and owner;
 * {@link Watchdog} removes the containers of an owner that died (launched before the first
 * container starts), and an executor's first start sweeps containers of dead owners on this host
 * (on a background thread). With {@code spark.sidecar.protocol=v1} and a
 * {@code spark.sidecar.command}, the sh agent is bind-mounted and becomes the entrypoint, so any
 * image with {@code /bin/sh} serves the protocol unchanged; without a command the image is
 * expected to run an agent itself.
 */
public final class DockerRuntime implements SidecarRuntime {
  static final String AGENT_PATH = "/opt/spark-sidecar/sidecar-agent.sh";
  static final String VERSION = "0.1.0";

  private final Engine engine;
  private final SidecarSettings settings;
  private final Owner owner = Owner.self();
  private boolean swept;

  /** A runtime on the configured engine; nothing is contacted until {@link #start}. */
  public DockerRuntime(SidecarSettings settings) {
    this(settings, Engines.create(settings.dockerClient(), settings.dockerHost(), settings.dockerApiVersion()));
  }

  private DockerRuntime(SidecarSettings settings, Engine engine) {
    this.settings = settings;
    this.engine = new RetryingEngine(engine, settings.dockerRetries(), java.time.Duration.ofMillis(250));
  }

  /** A runtime on the engine at the configured host if it answers a ping, else {@code null}. */
  public static DockerRuntime connect(SidecarSettings settings) {
    Engine engine = Engines.connect(settings.dockerClient(), settings.dockerHost(), settings.dockerApiVersion());
    return engine == null ? null : new DockerRuntime(settings, engine);
  }

  @Override
  public String name() {
    return "docker";
  }

  @Override
  public synchronized SidecarInstance start(SidecarSpec spec) {
    String user = checkUser(imageUser(settings.image()));
    String id;
    try {
      id = engine.create(containerSpec(spec, user));
    } catch (SidecarException e) {
      // permanent or not as its cause says (a bad spec is; an engine hiccup that outlasted the retries is not)
      throw SidecarException.as(e, "cannot create a container from image " + settings.image() + " ("
          + SidecarKeys.IMAGE.name() + "): " + e.getMessage());
    }
    DockerInstance instance = new DockerInstance(engine, id, settings.network().equals("bridge") ? settings.ports() : null);
    // the watchdog that removes this container if the executor dies: launched before the start, so
    // no SIGKILL can orphan a running container (a spawn costs milliseconds; the watchdog JVM runs
    // at low priority). Once per JVM.
    Watchdog.ensureRunning(owner, settings, spec.appId(), spec.executorId());
    try {
      engine.start(id);
    } catch (SidecarException e) {
      String tail = instance.logTail(20);
      instance.stop(java.time.Duration.ZERO);
      throw SidecarException.as(e, "cannot start container " + id + " of image " + settings.image() + ": " + e.getMessage()
          + (tail.isBlank() ? "" : "\n--- last lines of its log ---\n" + tail));
    }
    if (!swept) {
      // the sweep of dead owners' containers: in the background and after the start, so that its
      // listing does not compete with the start at the engine
      swept = true;
      Thread t = new Thread(() -> Sweeper.removeOrphans(engine, owner.host()), "sidecar-docker-sweep");
      t.setDaemon(true);
      t.start();
    }
    return instance;
  }

  /** The hardened container for this executor: non-root user, no capabilities, loopback-only ports, limits. */
  ContainerSpec containerSpec(SidecarSpec spec, String user) {
    List<String> binds = new ArrayList<>();
    spec.volumes().forEach((name, dir) -> binds.add(dir + ":" + settings.mountBase() + "/" + name));
    List<String> entrypoint = List.of();
    if (settings.protocol().equals("v1") && !settings.command().isEmpty()) {
      // inject the sh agent: any image with /bin/sh then runs spark.sidecar.command per request
      binds.add(agentScript(spec.workDir()) + ":" + AGENT_PATH + ":ro");
      entrypoint = List.of("/bin/sh", AGENT_PATH, "--volume", settings.mountBase() + "/" + settings.volumes().get(0),
          "--concurrency", String.valueOf(settings.agentConcurrency()),
          "--grace-ms", String.valueOf(settings.agentGrace().toMillis()),
          "--client-timeout-ms", String.valueOf(settings.agentClientTimeout().toMillis()), "--");
    }
    boolean publish = settings.network().equals("bridge");
    SidecarSettings.Resources r = settings.resources();
    return new ContainerSpec(settings.image(), containerName(spec), owner.labels(spec.appId(), spec.executorId(), VERSION),
        user, env(spec), entrypoint, settings.command(), binds, volumeGroups(spec), List.of("ALL"),
        List.of("no-new-privileges"), settings.pidsLimit(), settings.network(), publish ? settings.ports() : List.of(),
        (long) (r.cpus() * 1e9), r.memoryBytes(), r.shmBytes(), r.gpus());
  }

  private String imageUser(String image) {
    Optional<String> user;
    try {
      user = engine.imageUser(image);
    } catch (SidecarException e) {
      throw SidecarException.as(e, "cannot inspect image " + image + " on " + settings.dockerHost() + ": " + e.getMessage());
    }
    return user.orElseThrow(() -> SidecarException.permanent("image " + image + " (" + SidecarKeys.IMAGE.name()
        + ") is not present on this host's Docker engine " + settings.dockerHost() + "; build or pull it there first", null));
  }

  /** The user to run as: spark.sidecar.user, else the image's; numeric and non-root unless allowed. */
  private String checkUser(String imageUser) {
    String configured = settings.user();
    String user = configured.isEmpty() ? imageUser : configured;
    if (settings.allowRoot()) {
      return user;
    }
    String uid = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    String source = configured.isEmpty() ? "image " + settings.image() + " runs as" : SidecarKeys.USER.name() + " is";
    if (uid.isEmpty() || uid.equals("root") || uid.equals("0")) {
      throw SidecarException.permanent(source + " " + (uid.isEmpty() ? "no USER, i.e. root" : "'" + user + "' (root)")
          + ": refused. Set " + SidecarKeys.USER.name() + " to a numeric non-root uid (e.g. 5001), build the image with"
          + " a numeric non-root USER, or set " + SidecarKeys.ALLOW_ROOT.name() + "=true", null);
    }
    if (!uid.matches("\\d+")) {
      throw SidecarException.permanent(source + " '" + user + "', a name that cannot be checked for root: refused."
          + " Set " + SidecarKeys.USER.name() + " to a numeric uid or set " + SidecarKeys.ALLOW_ROOT.name() + "=true", null);
    }
    return user;
  }

  /** The groups of the volume directories: the container user joins them to write there (see VolumeDirs). */
  private static List<String> volumeGroups(SidecarSpec spec) {
    List<String> gids = new ArrayList<>();
    for (Path dir : spec.volumes().values()) {
      try {
        String gid = String.valueOf(Files.getAttribute(dir, "unix:gid"));
        if (!gids.contains(gid)) {
          gids.add(gid);
        }
      } catch (IOException | UnsupportedOperationException e) {
        throw new SidecarException("cannot read the group of volume directory " + dir, e);
      }
    }
    return gids;
  }

  private List<String> env(SidecarSpec spec) {
    List<String> env = new ArrayList<>();
    settings.env().forEach((k, v) -> env.add(k + "=" + v));
    env.add("SIDECAR_APP_ID=" + spec.appId());
    env.add("SIDECAR_EXECUTOR_ID=" + spec.executorId());
    // for images that run a protocol agent of their own: the same liveness and grace as an injected one
    env.add("SIDECAR_CLIENT_TIMEOUT_MS=" + settings.agentClientTimeout().toMillis());
    env.add("SIDECAR_GRACE_MS=" + settings.agentGrace().toMillis());
    for (String name : settings.volumes()) {
      env.add("SIDECAR_VOLUME_" + name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "="
          + settings.mountBase() + "/" + name);
    }
    return env;
  }

  private static String containerName(SidecarSpec spec) {
    String base = ("sidecar-" + spec.appId() + "-" + spec.executorId()).replaceAll("[^a-zA-Z0-9_.-]", "-");
    return base + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt() & 0xfffff);
  }

  /** Extracts the sh agent from the protocol jar to the work dir (readable by any uid). */
  private static Path agentScript(Path workDir) {
    Path target = io.sparksidecar.plugin.runtime.WorkDirFiles.agentScript(workDir);
    try (InputStream in = DockerRuntime.class.getResourceAsStream("/io/sparksidecar/protocol/agent/sidecar-agent.sh")) {
      if (in == null) {
        throw new SidecarException("sidecar-agent.sh is missing from the plugin jar");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      target.toFile().setReadable(true, false);
      return target.toAbsolutePath();
    } catch (IOException e) {
      throw new SidecarException("cannot write the sh agent to " + target, e);
    }
  }

  @Override
  public void close() {
    engine.close();
  }
}
