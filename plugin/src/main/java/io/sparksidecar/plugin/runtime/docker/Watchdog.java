package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.plugin.config.SidecarSettings;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;

/**
 * Cleans up after an executor JVM once it is gone, however it went (SIGKILL included): removes
 * every container labelled with that owner ({@code docker}) and kills the process trees listed in
 * the pid file ({@code process} runtime). Started by an executor's first sidecar start, before
 * that sidecar runs.
 *
 * <p>While the owner lives, only a POSIX {@code sh} loop watches it (the owner's pid and its start
 * time in {@code /proc/<pid>/stat}, every 500 ms): about 1 MB and no measurable CPU, so nothing
 * slows the executors starting beside it. When the owner is gone, the loop execs this class's
 * {@link #main} in a small JVM (-Xmx24m, serial GC, low priority), which does the cleanup and exits.
 * Without {@code /bin/sh} or {@code /proc} the JVM itself watches.
 *
 * <p>Arguments of {@link #main}: {@code <owner id> [docker <host> <api version> <client>] [pids <file>]}.
 */
public final class Watchdog {
  private static final String NICE = "/usr/bin/nice";
  private static final String SH = "/bin/sh";
  /** $1 owner pid, $2 its start time (field 22 of /proc/pid/stat), then the cleanup command. */
  private static final String GUARD = String.join("\n",
      "pid=$1; start=$2; shift 2",
      "alive() {",
      "  { read -r st < \"/proc/$pid/stat\"; } 2>/dev/null || return 1",
      "  st=${st##*) }",      // the fields after the command name, which may hold spaces
      "  set -- $st",
      "  shift 19",
      "  [ \"$1\" = \"$start\" ]",
      "}",
      "while alive; do sleep 0.5 2>/dev/null || sleep 1; done",
      "exec \"$@\"");
  private static volatile boolean started;

  public static void main(String[] args) throws Exception {
    Owner owner = Owner.parse(args[0]).orElseThrow(() -> new IllegalArgumentException("bad owner " + args[0]));
    while (owner.alive()) {
      Thread.sleep(500);
    }
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("docker")) {
        try (Engine engine = Engines.create(args[i + 3], args[i + 1], args[i + 2])) {
          int n = Sweeper.removeOwnedBy(engine, owner.id());
          System.err.println("spark-sidecar watchdog: owner " + owner.id() + " is gone; removed " + n + " container(s)");
        }
        i += 3;
      } else if (args[i].equals("pids")) {
        int n = killListed(Path.of(args[++i]));
        System.err.println("spark-sidecar watchdog: owner " + owner.id() + " is gone; killed " + n + " process sidecar(s)");
      }
    }
  }

  /** Kills every still-running process tree listed as {@code <pid> <start millis>} lines. */
  private static int killListed(Path file) throws java.io.IOException {
    int n = 0;
    if (!java.nio.file.Files.exists(file)) {
      return 0;
    }
    for (String line : java.nio.file.Files.readAllLines(file)) {
      String[] f = line.trim().split(" ");
      if (f.length != 2) {
        continue;
      }
      Owner process = new Owner(Owner.hostName(), Long.parseLong(f[0]), Long.parseLong(f[1]));
      if (process.alive()) {
        ProcessHandle.of(process.pid()).ifPresent(h -> {
          h.descendants().forEach(ProcessHandle::destroyForcibly);
          h.destroyForcibly();
        });
        n++;
      }
    }
    return n;
  }

  /** Starts this JVM's watchdog for the docker runtime once; a failure to start it is reported, not fatal. */
  static void ensureRunning(Owner owner, SidecarSettings settings) {
    ensureRunning(owner, List.of("docker", settings.dockerHost(), settings.dockerApiVersion(), settings.dockerClient()));
  }

  /** Starts this JVM's watchdog for process sidecars listed in {@code pidFile} once. */
  public static void ensureRunningForProcesses(Path pidFile) {
    ensureRunning(Owner.self(), List.of("pids", pidFile.toAbsolutePath().toString()));
  }

  private static synchronized void ensureRunning(Owner owner, List<String> what) {
    if (started) {
      return;
    }
    started = true;
    try {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      List<String> argv = new java.util.ArrayList<>(List.of(java.toString(), "-Xmx24m", "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1", "-Xss512k", "-cp", classpath(), Watchdog.class.getName(), owner.id()));
      argv.addAll(what);
      if (new File(NICE).canExecute()) {
        argv.addAll(0, List.of(NICE, "-n", "10")); // low priority
      }
      String start = startTicks(owner.pid());
      if (start != null && new File(SH).canExecute()) {
        // a cheap sh loop watches; the JVM starts only once the owner is gone
        argv.addAll(0, List.of(SH, "-c", GUARD, "sidecar-watchdog", String.valueOf(owner.pid()), start));
      }
      new ProcessBuilder(argv)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("sidecar-watchdog.log")))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (Exception e) {
      System.err.println("spark-sidecar: cannot start the watchdog (sidecars of a killed executor are then left to the"
          + " next executor start on this host): " + e);
    }
  }

  /** Field 22 of /proc/&lt;pid&gt;/stat (start time in clock ticks since boot), or null without /proc. */
  static String startTicks(long pid) {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(") ") + 2).trim().split(" ");
      return fields.length > 19 ? fields[19] : null;
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The shaded plugin jar when running from it (it holds docker-java) plus the SLF4J API the
   * executor has (Spark provides it, so the jar does not bundle it); else this JVM's classpath.
   */
  static String classpath() throws Exception {
    Path self = jarOf(Watchdog.class);
    if (self.toString().endsWith(".jar")) {
      try (JarFile jar = new JarFile(self.toFile())) {
        if (jar.getEntry("io/sparksidecar/shaded/dockerjava/api/DockerClient.class") != null) { // no scan of 13k entries
          return self + File.pathSeparator + jarOf(org.slf4j.LoggerFactory.class);
        }
      }
    }
    return String.join(File.pathSeparator, List.of(System.getProperty("java.class.path")));
  }

  private static Path jarOf(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private Watchdog() {}
}
