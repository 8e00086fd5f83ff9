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
 * archive were activated; {@code spark.sidecar.env.*} win over it.
 */
public final class ProcessRuntime implements SidecarRuntime {

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
    Map<String, String> extraEnv = new java.util.HashMap<>(s.env());
    List<String> argv = new ArrayList<>();
    if (s.protocol().equals("v1")) {
      argv.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
          "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", jarOf(Agent.class), Agent.class.getName(),
          "--volume", spec.volumes().get(s.volumes().get(0)).toString(),
          "--concurrency", String.valueOf(s.agentConcurrency()), "--grace-ms", String.valueOf(s.agentGrace().toMillis()),
          "--client-timeout-ms", String.valueOf(s.agentClientTimeout().toMillis()), "--"));
    }
    List<String> command = new ArrayList<>(s.command());
    String childPath = extraEnv.getOrDefault("PATH", archiveEnv.getOrDefault("PATH", System.getenv().getOrDefault("PATH", "")));
    command.set(0, resolve(command.get(0), childPath));
    argv.addAll(command);
    Path log = spec.workDir().resolve("sidecar-" + spec.executorId() + ".log");
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = pb.environment();
    ArchiveEnvironment.apply(archiveEnv, env);
    env.putAll(extraEnv);
    env.put("SIDECAR_APP_ID", spec.appId());
    env.put("SIDECAR_EXECUTOR_ID", spec.executorId());
    spec.volumes().forEach((name, path) -> env.put("SIDECAR_VOLUME_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"),
        path.toString()));
    try {
      Process p = pb.start();
      recordForWatchdog(spec, p);
      return new ProcessInstance(p, log);
    } catch (IOException e) {
      throw new SidecarException("cannot start sidecar command " + s.command() + " (" + SidecarKeys.COMMAND.name()
          + ") in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Lists the sidecar's pid and start time for the watchdog, which kills it if the executor JVM
   * dies without stopping it (SIGKILL). Best effort: a failure here is reported, not fatal.
   */
  private static void recordForWatchdog(SidecarSpec spec, Process p) {
    Path pids = spec.workDir().resolve("sidecar-pids");
    try {
      long start = p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
      Files.writeString(pids, p.pid() + " " + start + "\n", java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      io.sparksidecar.plugin.runtime.docker.Watchdog.ensureRunningForProcesses(pids, spec.appId(), spec.executorId());
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
