package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.plugin.config.SidecarSettings;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * Cleans up after an executor JVM once it is gone, however it went (SIGKILL included): removes
 * every container labelled with that owner ({@code docker}), kills the process trees listed in
 * the pid file ({@code process} runtime), and then deletes the volume directories the executor
 * registered ({@link #deleteWhenGone}: with {@code spark.sidecar.volumes.hostDir=/dev/shm} they
 * hold memory). Started by an executor's first sidecar start, before that sidecar runs.
 *
 * <p>While the owner lives, only a POSIX {@code sh} loop watches it (the owner's pid and its start
 * time in {@code /proc/<pid>/stat}, every 500 ms; a zombie counts as gone): about 1 MB and no
 * measurable CPU, so nothing slows the executors starting beside it. When the owner is gone, the
 * loop execs this class's {@link #main} in a small JVM (-Xmx24m, serial GC, low priority), which
 * does the cleanup and exits. Without {@code /bin/sh} or {@code /proc} the JVM itself watches.
 *
 * <p><b>Its own session.</b> The watchdog is started in a new session ({@code setsid} from
 * util-linux, else {@code perl}'s {@code POSIX::setsid}), so it outlives a kill of the executor's
 * whole process group, which is how a YARN NodeManager stops a container (TERM, then KILL 250 ms
 * later). Only when neither exists does it stay in the executor's group (said on stderr).
 *
 * <p><b>Its log</b> is {@code <tmp>/spark-sidecar-<user>/watchdog-<app>-<executor>-<pid>.log},
 * outside the executor's working directory (YARN deletes a container's directory): {@code <tmp>}
 * is the first of {@code $TMPDIR}, {@code java.io.tmpdir} and {@code /tmp} that is not inside the
 * working directory (Spark on YARN points {@code java.io.tmpdir} into the container). The
 * directory is created {@code 0700} and used only if it is a real directory owned by this user that
 * nobody else can write; the file is created {@code 0600}. Logs older than 7 days are pruned there.
 * Without such a directory, the log is {@code sidecar-watchdog.log} in the working directory.
 *
 * <p>It runs in {@code /}, not in the executor's working directory: YARN deletes that directory,
 * and a JVM whose working directory is gone does not start.
 *
 * <p><b>Its classpath</b> (the plugin jar, fetched into the executor's directories, which YARN and
 * Spark's shutdown hook delete) is held open by the {@code sh} loop on fds 3.. and read by the
 * cleanup JVM as {@code /proc/self/fd/N}; the process runtime's pid file is likewise copied beside
 * the log at every change ({@code .pids}, deleted after the cleanup).
 *
 * <p><b>Bounded.</b> It lives as long as its owner, then at most {@link #DEADLINE} more: the cleanup
 * JVM exits once the cleanup is done, and halts when it has not finished by then (an engine that
 * hangs) or when it failed, with the reason in its log.
 *
 * <p>Arguments of {@link #main}: {@code <owner id> [docker <host> <api version> <client>] [pids <file>] [dirs <file>]},
 * done in that order (containers and processes first: they may still write into the directories).
 */
public final class Watchdog {
  /** How long the cleanup may take once the owner is gone; {@code sidecar.watchdog.deadline} (ms) overrides it. */
  static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final String NICE = "/usr/bin/nice";
  private static final String SH = "/bin/sh";
  private static final List<String> SETSID = List.of("/usr/bin/setsid", "/bin/setsid");
  private static final List<String> PERL = List.of("/usr/bin/perl", "/bin/perl");
  /** perl's setsid then exec: for hosts without util-linux's setsid. */
  private static final String PERL_SETSID = "use POSIX (); POSIX::setsid(); exec { $ARGV[0] } @ARGV or die \"exec: $!\\n\"";
  /** Jars the guard holds open on fds 3.. (its classpath may live in a directory deleted with the executor). */
  private static final int MAX_HELD = 6;
  /**
   * $1 owner pid, $2 its start time (field 22 of /proc/pid/stat), $3 a count n, then n jars that
   * it opens on fds 3.. (the cleanup JVM reads them as /proc/self/fd/N, so a jar deleted with the
   * executor's directories stays readable), then the cleanup command.
   */
  private static final String GUARD = String.join("\n",
      "pid=$1; start=$2; n=$3; shift 3",
      "fd=3",
      "while [ \"$n\" -gt 0 ]; do eval \"exec $fd<\\\"\\$1\\\"\" || exit 1; fd=$((fd + 1)); n=$((n - 1)); shift; done",
      "alive() {",
      "  { read -r st < \"/proc/$pid/stat\"; } 2>/dev/null || return 1",
      "  st=${st##*) }",      // the fields after the command name, which may hold spaces
      "  set -- $st",
      "  case $1 in Z|X|x) return 1;; esac", // a zombie is gone
      "  shift 19",
      "  [ \"$1\" = \"$start\" ]",
      "}",
      "while alive; do sleep 0.5 2>/dev/null || sleep 1; done",
      "exec \"$@\"");
  private static volatile boolean started;
  private static volatile Path pidsCopy;

  public static void main(String[] args) throws Exception {
    Owner owner = Owner.parse(args[0]).orElseThrow(() -> new IllegalArgumentException("bad owner " + args[0]));
    while (owner.alive()) {
      Thread.sleep(500);
    }
    long deadline = Long.getLong("sidecar.watchdog.deadline", DEADLINE.toMillis());
    Thread limit = new Thread(() -> {
      try {
        Thread.sleep(deadline);
      } catch (InterruptedException e) {
        return;
      }
      log("owner " + owner.id() + " is gone; cleanup not done after " + deadline + " ms: giving up");
      Runtime.getRuntime().halt(3);
    }, "sidecar-watchdog-deadline");
    limit.setDaemon(true);
    limit.start();
    int failures = 0;
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("docker")) {
        String client = args[i + 3];
        String host = args[i + 1];
        String api = args[i + 2];
        i += 3;
        try (Engine engine = Engines.create(client, host, api)) {
          int n = Sweeper.removeOwnedBy(engine, owner.id());
          log("owner " + owner.id() + " is gone; removed " + n + " container(s)");
        } catch (Exception | LinkageError e) {
          failures++;
          log("owner " + owner.id() + " is gone; cannot remove its containers at " + host + ": " + e);
        }
      } else if (args[i].equals("dirs")) {
        Path file = Path.of(args[++i]);
        try {
          int n = deleteListed(file);
          log("owner " + owner.id() + " is gone; deleted " + n + " volume director" + (n == 1 ? "y" : "ies"));
          Files.deleteIfExists(file);
        } catch (IOException | RuntimeException e) {
          failures++;
          log("owner " + owner.id() + " is gone; cannot delete the volume directories listed in " + file + ": " + e);
        }
      } else if (args[i].equals("pids")) {
        Path file = Path.of(args[++i]);
        try {
          int n = killListed(file);
          log("owner " + owner.id() + " is gone; killed " + n + " process sidecar(s)");
          Files.deleteIfExists(file);
        } catch (Exception e) {
          failures++;
          log("owner " + owner.id() + " is gone; cannot kill the process sidecars listed in " + file + ": " + e);
        }
      }
    }
    // exit, not return: an engine client's non-daemon threads must not keep this JVM alive
    System.exit(failures == 0 ? 0 : 1);
  }

  private static void log(String line) {
    System.err.println(Instant.now() + " spark-sidecar watchdog: " + line);
  }

  /**
   * Deletes each directory listed in {@code file} that still exists, is not a link and belongs to
   * this user; returns how many it deleted. A directory it cannot delete fails the cleanup (logged).
   */
  private static int deleteListed(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    String user = System.getProperty("user.name");
    int n = 0;
    IOException failed = null;
    for (String line : Files.readAllLines(file)) {
      Path dir = Path.of(line.trim());
      if (line.isBlank() || !dir.isAbsolute() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
          || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(user)) {
        continue; // already deleted by the executor's own close, or not ours
      }
      try {
        io.sparksidecar.protocol.AtomicFiles.deleteRecursively(dir);
        n++;
      } catch (IOException e) {
        failed = failed == null ? e : failed;
      }
    }
    if (failed != null) {
      throw failed;
    }
    return n;
  }

  /**
   * Registers a directory this executor owns (its volumes' root) for deletion by this JVM's watchdog
   * once the JVM is gone, in case it never gets to delete it itself (SIGKILL). Call before the
   * runtime starts the sidecar; blocks only for a small file append; never throws (a failure is
   * reported on stderr: the directory is then left to Spark's work-dir cleanup).
   */
  public static void deleteWhenGone(Path dir) {
    Path list = WatchdogFiles.dirsFile(Owner.self());
    if (list == null) {
      System.err.println("spark-sidecar: no private state directory for the watchdog: " + dir
          + " stays if this executor is killed");
      return;
    }
    try {
      WatchdogFiles.appendDir(list, dir);
    } catch (IOException | RuntimeException e) {
      System.err.println("spark-sidecar: cannot register " + dir + " with the watchdog (" + list + "): " + e);
    }
  }

  /** Undoes {@link #deleteWhenGone} once the executor deleted {@code dir} itself. Never throws. */
  public static void forget(Path dir) {
    Path list = WatchdogFiles.dirsFile(Owner.self());
    try {
      if (list != null) {
        WatchdogFiles.removeDir(list, dir);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("spark-sidecar: cannot update the watchdog's list " + list + ": " + e);
    }
  }

  /** Kills every still-running process tree listed as {@code <pid> <start millis>} lines. */
  private static int killListed(Path file) throws IOException {
    int n = 0;
    if (!Files.exists(file)) {
      return 0;
    }
    for (String line : Files.readAllLines(file)) {
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
  static void ensureRunning(Owner owner, SidecarSettings settings, String appId, String executorId) {
    ensureRunning(owner, appId, executorId,
        List.of("docker", settings.dockerHost(), settings.dockerApiVersion(), settings.dockerClient()));
  }

  /**
   * Starts this JVM's watchdog for process sidecars listed in {@code pidFile} once; call it after
   * every change of that file. The watchdog reads a copy kept beside its log (outside the working
   * directory, which YARN deletes when the container ends).
   */
  public static void ensureRunningForProcesses(Path pidFile, String appId, String executorId) {
    Owner self = Owner.self();
    Path copy = copyPids(pidFile, self, appId, executorId);
    ensureRunning(self, appId, executorId, List.of("pids", copy.toAbsolutePath().toString()));
  }

  private static synchronized Path copyPids(Path pidFile, Owner owner, String appId, String executorId) {
    if (pidsCopy == null) {
      Path copy = pidsCopyIn(owner, appId, executorId);
      pidsCopy = copy == null ? pidFile : copy;
    }
    if (!pidsCopy.equals(pidFile)) {
      try {
        Path tmp = pidsCopy.resolveSibling(pidsCopy.getFileName() + ".tmp");
        Files.write(tmp, Files.readAllBytes(pidFile));
        Files.move(tmp, pidsCopy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        System.err.println("spark-sidecar: cannot copy " + pidFile + " for the watchdog to " + pidsCopy + ": " + e);
        pidsCopy = pidFile;
      }
    }
    return pidsCopy;
  }

  /** The pid-file copy beside the log, or null without a private state directory. */
  private static Path pidsCopyIn(Owner owner, String appId, String executorId) {
    Path dir = WatchdogFiles.stateDir();
    return dir == null ? null : dir.resolve(WatchdogFiles.baseName(appId, executorId, owner.pid()) + ".pids");
  }

  private static synchronized void ensureRunning(Owner owner, String appId, String executorId, List<String> cleanup) {
    if (started) {
      return;
    }
    started = true;
    List<String> what = new ArrayList<>(cleanup);
    if (!what.contains("pids") && pidsCopy == null) {
      // one watchdog per JVM: one started for a container must also cover the process sidecars
      // started later in this JVM (a Connect session's, a warm agent), through the same pid-file copy
      pidsCopy = pidsCopyIn(owner, appId, executorId);
      if (pidsCopy != null) {
        what.addAll(List.of("pids", pidsCopy.toString()));
      }
    }
    try {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      List<String> cp = classpath();
      String start = startTicks(owner.pid());
      boolean guard = start != null && new File(SH).canExecute();
      List<String> held = guard && cp.size() <= MAX_HELD && cp.stream().allMatch(e -> Files.isRegularFile(Path.of(e)))
          ? cp : List.of();
      List<String> jvmCp = new ArrayList<>();
      for (int i = 0; i < cp.size(); i++) {
        jvmCp.add(held.isEmpty() ? cp.get(i) : "/proc/self/fd/" + (3 + i));
      }
      List<String> argv = new ArrayList<>(List.of(java.toString(), "-Xmx24m", "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1", "-Xss512k", "-cp", String.join(File.pathSeparator, jvmCp), Watchdog.class.getName(),
          owner.id()));
      argv.addAll(what);
      Path dirs = WatchdogFiles.dirsFile(owner);
      if (dirs != null) {
        argv.addAll(List.of("dirs", dirs.toString()));
      }
      if (new File(NICE).canExecute()) {
        argv.addAll(0, List.of(NICE, "-n", "10")); // low priority
      }
      if (guard) {
        // a cheap sh loop watches; the JVM starts only once the owner is gone
        List<String> g = new ArrayList<>(List.of(SH, "-c", GUARD, "sidecar-watchdog", String.valueOf(owner.pid()), start,
            String.valueOf(held.size())));
        g.addAll(held);
        argv.addAll(0, g);
      }
      List<String> session = newSession();
      argv.addAll(0, session);
      File log = WatchdogFiles.logFile(appId, executorId, owner.pid());
      Files.writeString(log.toPath(), Instant.now() + " spark-sidecar watchdog: watching owner " + owner.id() + " (app "
          + appId + ", executor " + executorId + ")" + (session.isEmpty() ? " in the executor's process group" : " in its own session")
          + "\n", StandardOpenOption.APPEND);
      // not in the executor's working directory, which YARN deletes (a JVM without a cwd does not start)
      Process p = new ProcessBuilder(argv)
          .directory(new File("/"))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      System.err.println("spark-sidecar: watchdog " + p.pid() + " watches this executor"
          + (session.isEmpty() ? " in its process group (no setsid or perl here: a kill of the whole group kills it too)"
          : " in its own session") + "; log " + log);
    } catch (Exception e) {
      System.err.println("spark-sidecar: cannot start the watchdog (sidecars of a killed executor are then left to the"
          + " next executor start on this host): " + e);
    }
  }

  /** The command prefix that starts a program in a new session, or nothing when this host has no way to. */
  static List<String> newSession() {
    for (String s : SETSID) {
      if (new File(s).canExecute()) {
        return List.of(s);
      }
    }
    for (String p : PERL) {
      if (new File(p).canExecute()) {
        return List.of(p, "-e", PERL_SETSID);
      }
    }
    return List.of();
  }

  /** Field 22 of /proc/&lt;pid&gt;/stat (start time in clock ticks since boot), or null without /proc. */
  static String startTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII);
      String[] fields = stat.substring(stat.lastIndexOf(") ") + 2).trim().split(" ");
      return fields.length > 19 ? fields[19] : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The shaded plugin jar when running from it (it holds docker-java) plus the SLF4J API the
   * executor has (Spark provides it, so the jar does not bundle it); else this JVM's classpath.
   */
  static List<String> classpath() throws Exception {
    Path self = jarOf(Watchdog.class);
    if (self.toString().endsWith(".jar")) {
      try (JarFile jar = new JarFile(self.toFile())) {
        if (jar.getEntry("io/sparksidecar/shaded/dockerjava/api/DockerClient.class") != null) { // no scan of 13k entries
          return List.of(self.toString(), jarOf(org.slf4j.LoggerFactory.class).toString());
        }
      }
    }
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(e -> Path.of(e).toAbsolutePath().toString()).toList();
  }

  private static Path jarOf(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private Watchdog() {}
}
