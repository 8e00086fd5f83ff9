package io.sparksidecar.plugin.runtime.process;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarRuntime;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import io.sparksidecar.protocol.agent.Agent;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the sidecar as a local child process of the executor: the embedded default where no
 * container engine exists. With {@code spark.sidecar.protocol=v1} the command is run per request by
 * the Java protocol agent (a small JVM of its own). Stdout and stderr go to
 * {@code <workDir>/sidecar-<executor>.log}. From an archive ({@code spark.sidecar.process.archive}) it
 * runs in the unpacked directory with the environment {@link ArchiveEnvironment} describes (PATH,
 * VIRTUAL_ENV or CONDA_PREFIX; PYTHONHOME and PYTHONPATH removed for a Python environment), as if the
 * archive were activated; {@code spark.sidecar.env.*} win over it. Once {@link #keepWarmAgent} was
 * called, a v1 sidecar's agent comes from a warm agent JVM when one is ready ({@link WarmAgents}).
 */
public final class ProcessRuntime implements SidecarRuntime {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProcessRuntime.class);

  @Override
  public String name() {
    return "process";
  }

  @Override
  public SidecarInstance start(SidecarSpec spec) {
    SidecarSettings s = spec.settings();
    if (s.command().isEmpty()) {
      throw new SidecarException("the process runtime needs " + SidecarKeys.COMMAND.name()
          + (s.image().isEmpty() ? "" : " (" + SidecarKeys.IMAGE.name() + "=" + s.image() + " needs a docker engine)"));
    }
    Path dir = spec.workDir();
    Map<String, String> archiveEnv = Map.of();
    if (!s.processArchive().isEmpty()) {
      dir = spec.workDir().resolve(s.processArchive());
      if (!Files.isDirectory(dir)) {
        throw new SidecarException(SidecarKeys.PROCESS_ARCHIVE.name() + "=" + s.processArchive() + ": no directory "
            + dir + "; ship the archive with spark.archives=<file>#" + s.processArchive());
      }
      archiveEnv = ArchiveEnvironment.of(dir.toAbsolutePath(), System.getenv(), SidecarKeys.PROCESS_ARCHIVE.name());
    }
    // what the sidecar's environment changes from the executor's (null: removed), in the order applied
    Map<String, String> changes = new java.util.LinkedHashMap<>(archiveEnv);
    changes.putAll(s.env());
    changes.put("SIDECAR_APP_ID", spec.appId());
    changes.put("SIDECAR_EXECUTOR_ID", spec.executorId());
    spec.volumes().forEach((name, path) -> changes.put("SIDECAR_VOLUME_"
        + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), path.toString()));
    List<String> command = new ArrayList<>(s.command());
    String childPath = changes.getOrDefault("PATH", System.getenv().getOrDefault("PATH", ""));
    command.set(0, resolve(command.get(0), childPath == null ? "" : childPath));
    Path log = io.sparksidecar.plugin.runtime.WorkDirFiles.sidecarLog(spec.workDir(), spec.executorId());
    List<String> argv = new ArrayList<>();
    if (s.protocol().equals("v1")) {
      List<String> agentArgs = List.of("--volume", spec.volumes().get(s.volumes().get(0)).toString(),
          "--concurrency", String.valueOf(s.agentConcurrency()), "--grace-ms", String.valueOf(s.agentGrace().toMillis()),
          "--client-timeout-ms", String.valueOf(s.agentClientTimeout().toMillis()), "--");
      Process warm = startWarm(agentArgs, changes, command, log);
      if (warm != null) {
        LOG.info("spark-sidecar: the sidecar of executor {} took the warm agent JVM pid {}", spec.executorId(), warm.pid());
        return new ProcessInstance(warm, log); // listed for the watchdog when it started
      }
      argv.addAll(agentJvm(false));
      argv.add(Agent.class.getName());
      argv.addAll(agentArgs);
    }
    argv.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    ArchiveEnvironment.apply(changes, pb.environment());
    try {
      Process p = pb.start();
      recordForWatchdog(spec.workDir(), spec.appId(), spec.executorId(), p);
      return new ProcessInstance(p, log);
    } catch (IOException e) {
      throw new SidecarException("cannot start sidecar command " + s.command() + " (" + SidecarKeys.COMMAND.name()
          + ") in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The agent of a v1 sidecar from a warm agent JVM ({@link WarmAgents}), or null when there is none
   * (then the caller starts a cold one: same agent, same arguments). The warm JVM was started with the
   * executor's environment, so the agent is told what its command's environment changes from it
   * ({@code --unset-env NAME}, {@code --env NAME=VALUE}): the command runs with exactly the
   * environment a cold agent's command has, and nothing more runs per request.
   */
  private static Process startWarm(List<String> agentArgs, Map<String, String> changes, List<String> command, Path log) {
    List<String> args = new ArrayList<>(agentArgs.subList(0, agentArgs.size() - 1)); // up to the "--"
    Map<String, String> executor = System.getenv();
    changes.forEach((k, v) -> {
      if (v == null) {
        if (executor.containsKey(k)) {
          args.add("--unset-env");
          args.add(k);
        }
      } else if (!v.equals(executor.get(k))) {
        args.add("--env");
        args.add(k + "=" + v);
      }
    });
    args.add("--");
    args.addAll(command);
    return WarmAgents.take(log, args);
  }

  /**
   * The protocol agent's JVM up to (not including) its main class: java, its flags and class path
   * (the shaded jar; with {@code launcher}, also where {@link AgentLauncher} is when that differs).
   */
  static List<String> agentJvm(boolean launcher) {
    String cp = jarOf(Agent.class);
    String own = jarOf(AgentLauncher.class);
    if (launcher && !own.equals(cp)) {
      cp = cp + File.pathSeparator + own;
    }
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp);
  }

  /**
   * From now on keeps one warm agent JVM for this executor, so that a later v1 process sidecar (a
   * Spark Connect session's, on its first task here) starts in milliseconds instead of a JVM start.
   * Called once by the session sidecars at the first Spark Connect task; returns at once; idempotent.
   */
  public static void keepWarmAgent(String appId, String executorId, Path workDir) {
    WarmAgents.keep(appId, executorId, workDir);
  }

  /** Stops the warm agent and keeps none (the executor stops). Idempotent; never throws. */
  public static void closeWarmAgent() {
    WarmAgents.close();
  }

  /**
   * Lists a sidecar's pid and start time for the watchdog, which kills it if the executor JVM
   * dies without stopping it (SIGKILL). Best effort: a failure here is reported, not fatal.
   */
  static void recordForWatchdog(Path workDir, String appId, String executorId, Process p) {
    Path pids = io.sparksidecar.plugin.runtime.WorkDirFiles.pids(workDir);
    try {
      long start = p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
      Files.writeString(pids, p.pid() + " " + start + "\n", java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      io.sparksidecar.plugin.runtime.docker.Watchdog.ensureRunningForProcesses(pids, appId, executorId);
    } catch (IOException | RuntimeException e) {
      System.err.println("spark-sidecar: cannot register process sidecar " + p.pid() + " with the watchdog: " + e);
    }
  }

  /**
   * Java resolves a bare program name with the executor's PATH, not the child's: look it up in the
   * child's PATH (an archive's bin/ first) ourselves. Names with a slash are used as they are.
   */
  static String resolve(String program, String path) {
    if (program.contains("/")) {
      return program;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath().toString();
      }
    }
    return program;
  }

  /** The jar or class directory a class was loaded from, as a classpath entry. */
  static String jarOf(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      throw new SidecarException("cannot locate the jar of " + c.getName(), e);
    }
  }
}
