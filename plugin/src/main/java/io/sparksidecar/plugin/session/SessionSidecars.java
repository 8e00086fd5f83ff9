package io.sparksidecar.plugin.session;

import io.sparksidecar.plugin.DiscoveryFile;
import io.sparksidecar.plugin.ExecutorSidecar;
import io.sparksidecar.plugin.Sidecar;
import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Runtimes;
import io.sparksidecar.plugin.runtime.SidecarRuntime;
import io.sparksidecar.plugin.runtime.process.ProcessRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An executor's session sidecars (Spark Connect): at most one per session, started on the session's
 * first task on this executor ({@link #onTaskStart}, on the task thread, before the task body; it
 * blocks that task until the sidecar is ready), reached by the session's tasks through
 * {@code Sidecars.get()} (Java) and {@code sidecar()} (Python, through the session's discovery file
 * {@code <executor discovery file>.session-<uuid>.json}), and stopped ({@link #sweep}, on this class's
 * own daemon thread, every {@value #SWEEP_MS} ms) when
 * <ul>
 *   <li>the driver says the session closed (asked over the plugin RPC: {@link SessionMessages});</li>
 *   <li>the session's directory {@code <executor cwd>/<uuid>} or its archive is gone (Spark evicted the session);</li>
 *   <li>it ran no task for {@code spark.sidecar.session.idleTimeout} (the server's, or the session's when shorter);</li>
 *   <li>the executor stops ({@link #close}); after a SIGKILL the watchdog removes it like the executor-wide one.</li>
 * </ul>
 * From the first Spark Connect task on the executor, one warm agent JVM is kept ready
 * ({@link ProcessRuntime#keepWarmAgent}; {@code spark.sidecar.session.warmAgent}), so that a session's v1 process sidecar starts without a JVM start.
 * A session that cannot get its sidecar (bad keys, an archive it did not add, a missing program, more
 * than {@code spark.sidecar.session.maxPerExecutor} sessions) gets the reason, naming the session, the
 * key and the value, in the tasks that use it; other sessions are untouched. Callbacks never throw.
 */
public final class SessionSidecars implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionSidecars.class);
  static final long SWEEP_MS = 500;
  private static volatile SessionSidecars active;

  private final String appId;
  private final String executorId;
  private final Map<String, String> appConf;
  private final Path workDir;
  private final int maxPerExecutor;
  private final long idleMillis;
  private final boolean warmAgent;
  private final Function<Object, Object> driver; // ask; null: no driver (tests)
  private final LongSupplier clock;
  private final Map<String, SessionSidecar> sessions = new ConcurrentHashMap<>(); // by session uuid
  private final ThreadLocal<SessionSidecar> current = new ThreadLocal<>();
  private final Thread sweeper;
  private volatile boolean closed;
  private volatile boolean warming; // a warm agent JVM is kept (from the first Spark Connect task on)

  /**
   * @param appConf the server's resolved {@code spark.sidecar.*} entries (the executor plugin's init map)
   * @param workDir the executor's working directory
   * @param driver  asks the driver (the plugin context's {@code ask}); null for none
   */
  public SessionSidecars(String appId, String executorId, Map<String, String> appConf, Path workDir,
      Function<Object, Object> driver, LongSupplier clock, boolean sweepThread) {
    this.appId = appId;
    this.executorId = executorId;
    this.appConf = Map.copyOf(appConf);
    this.workDir = workDir.toAbsolutePath();
    this.maxPerExecutor = SidecarKeys.SESSION_MAX_PER_EXECUTOR.get(appConf);
    this.idleMillis = SidecarKeys.SESSION_IDLE_TIMEOUT.get(appConf).toMillis();
    this.warmAgent = SidecarKeys.SESSION_WARM_AGENT.get(appConf);
    this.driver = driver;
    this.clock = clock;
    removeFilesOfDeadExecutors(DiscoveryFile.executorTargets(this.workDir).get(1).getParent());
    this.sweeper = new Thread(this::sweepLoop, "sidecar-sessions-" + executorId);
    sweeper.setDaemon(true);
    if (sweepThread) {
      sweeper.start();
    }
  }

  /** Makes this the instance {@link #forCurrentTask} uses (one per executor JVM). */
  public SessionSidecars install() {
    active = this;
    return this;
  }

  /**
   * The sidecar of the current task's session, or null when the task is not in a session that asks
   * for one (then the executor-wide sidecar serves it). Waits for readiness (bounded); throws
   * {@link SidecarException} with the reason when the session's sidecar failed. Task threads only.
   */
  public static Sidecar forCurrentTask() {
    SessionSidecars s = active;
    TaskContext tc = TaskContext.get();
    if (s == null || tc == null) {
      return null;
    }
    SessionRef ref = SessionRef.fromTags(tc.getLocalProperty(SessionRef.JOB_TAGS));
    SessionWish wish = ref == null ? null : SessionWish.from(props(tc.getLocalProperties()));
    if (wish == null) {
      return null;
    }
    ExecutorSidecar sidecar = s.acquire(ref, wish).sidecar();
    sidecar.awaitReady();
    return sidecar;
  }

  /** Task start (task thread, before the task body): starts or reuses the session's sidecar. Never throws. */
  public void onTaskStart() {
    try {
      TaskContext tc = TaskContext.get();
      SessionRef ref = tc == null ? null : SessionRef.fromTags(tc.getLocalProperty(SessionRef.JOB_TAGS));
      if (ref != null && !ref.connectId().isEmpty() && !warming && warmAgent) {
        warming = true; // a Spark Connect server: sessions may ask for sidecars; their first use takes a warm agent
        ProcessRuntime.keepWarmAgent(appId, executorId, workDir);
      }
      SessionWish wish = ref == null ? null : SessionWish.from(props(tc.getLocalProperties()));
      if (wish != null) {
        SessionSidecar e = acquire(ref, wish);
        e.running.incrementAndGet();
        current.set(e);
      }
    } catch (RuntimeException e) {
      LOG.error("spark-sidecar: executor {} session sidecar at task start failed", executorId, e);
    }
  }

  /** Task end (succeeded or failed; task thread). Never throws. */
  public void onTaskEnd() {
    SessionSidecar e = current.get();
    if (e != null) {
      current.remove();
      e.running.decrementAndGet();
      e.used(clock.getAsLong());
    }
  }

  /**
   * The session's sidecar on this executor: the running one when the wish is the same, else a new
   * one (a changed wish replaces the old sidecar). Blocks while it starts. Returns an entry that
   * carries the failure when it cannot be built; never null.
   */
  SessionSidecar acquire(SessionRef ref, SessionWish wish) {
    long now = clock.getAsLong();
    SessionSidecar e = sessions.get(ref.uuid());
    if (e != null && e.wish.equals(wish) && !e.failed() && !closed) {
      e.used(now);
      return e; // the steady state: no lock
    }
    // bad keys, an archive the session did not add, a missing program: refused before it takes a place
    SidecarSettings settings = null;
    String refusal = null;
    long idle = idleMillis;
    try {
      idle = wish.idleTimeout(ref, Duration.ofMillis(idleMillis)).toMillis();
      settings = wish.settings(ref, appConf, workDir.resolve(ref.uuid()));
    } catch (SidecarException ex) {
      refusal = ex.getMessage();
    }
    SessionSidecar replaced = null;
    synchronized (this) {
      if (closed) {
        throw new SidecarException("the executor is stopping: no sidecar for session " + ref.uuid());
      }
      e = sessions.get(ref.uuid());
      if (e != null && e.wish.equals(wish) && !e.failed()) {
        e.used(now);
        return e;
      }
      if (e != null) {
        replaced = remove(e, e.failed() ? "retrying after: " + e.stateLine() : "its session changed its spark.sidecar.session.* keys");
      }
      e = new SessionSidecar(ref, wish, discovery(ref), now, Files.isDirectory(workDir.resolve(ref.uuid())), idle);
      if (refusal == null) {
        List<String> others = sessions.values().stream().filter(x -> !x.failed()).map(x -> x.session.uuid()).sorted().toList();
        if (others.size() >= maxPerExecutor) {
          refusal = "session " + ref.uuid() + ": " + SidecarKeys.SESSION_MAX_PER_EXECUTOR.name() + "=" + maxPerExecutor
              + " reached on executor " + executorId + " (session sidecars running for " + String.join(", ", others)
              + "); a session's sidecar stops when the session closes or after " + SidecarKeys.SESSION_IDLE_TIMEOUT.name()
              + "=" + Duration.ofMillis(idleMillis).toString().substring(2).toLowerCase() + " without tasks";
        }
      }
      if (refusal != null) {
        e.refused(); // counts for no place from now on, before its failure is published
      }
      sessions.put(ref.uuid(), e);
    }
    stop(replaced); // deletes the replaced one's discovery file: before the new one is published
    synchronized (e) { // tasks of one session wait for its start; other sessions do not
      if (refusal != null) {
        LOG.error("spark-sidecar: executor {}: {}", executorId, refusal);
        e.fail(refusal);
      } else if (!e.failed()) {
        start(e, settings);
      }
    }
    return e;
  }

  private void start(SessionSidecar e, SidecarSettings settings) {
    long t0 = System.nanoTime();
    ExecutorSidecar sidecar = null;
    try {
      SidecarRuntime runtime = Runtimes.choose(settings);
      sidecar = new ExecutorSidecar(appId, executorId + ".session-" + e.session.shortId(), settings, runtime, workDir,
          e::changed);
      e.built(sidecar, settings);
      sidecar.start();
      LOG.info("spark-sidecar: executor {} sidecar of session {} ready in {} ms ({}, {})", executorId, e.session.uuid(),
          (System.nanoTime() - t0) / 1_000_000, runtime.name(), sidecar.status().instanceId());
    } catch (RuntimeException ex) {
      String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
      String reason = msg.startsWith("session ") ? msg : "session " + e.session.uuid() + ": its sidecar did not start: " + msg;
      LOG.error("spark-sidecar: executor {}: {}", executorId, reason);
      if (sidecar != null) {
        try {
          sidecar.close();
        } catch (RuntimeException closing) {
          LOG.warn("spark-sidecar: executor {} cannot clean up after session {}", executorId, e.session.uuid(), closing);
        }
      }
      e.fail(reason);
    }
  }

  private DiscoveryFile discovery(SessionRef ref) {
    List<Path> targets = new ArrayList<>();
    for (Path p : DiscoveryFile.executorTargets(workDir)) {
      String name = p.getFileName().toString();
      targets.add(p.resolveSibling(name.substring(0, name.length() - ".json".length()) + ".session-" + ref.uuid() + ".json"));
    }
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("scope", "session");
    extra.put("session", ref.uuid());
    extra.put("connect_session", ref.connectId());
    return new DiscoveryFile(appId, executorId, targets, extra);
  }

  /**
   * One pass: asks the driver which sessions closed (when any session has a sidecar here), then stops
   * the sidecars of closed sessions, of sessions whose directory or archive is gone, and idle ones.
   */
  void sweep() {
    List<SessionSidecar> all = new ArrayList<>(sessions.values());
    if (all.isEmpty()) {
      return;
    }
    Set<String> closedIds = Set.of();
    if (driver != null) {
      Map<String, String> asked = new HashMap<>();
      for (SessionSidecar e : all) {
        if (!e.session.connectId().isEmpty()) {
          asked.put(e.session.connectId(), e.stateLine());
        }
      }
      if (!asked.isEmpty()) {
        try {
          closedIds = SessionMessages.closed(driver.apply(SessionMessages.query(executorId, asked)));
        } catch (RuntimeException ex) {
          LOG.debug("spark-sidecar: executor {} cannot ask the driver about sessions: {}", executorId, ex.toString());
        }
      }
    }
    long now = clock.getAsLong();
    for (SessionSidecar e : all) {
      String why = null;
      if (closedIds.contains(e.session.connectId())) {
        why = "its Spark Connect session " + e.session.connectId() + " closed";
      } else if (e.hadSessionDir && !Files.isDirectory(workDir.resolve(e.session.uuid()))) {
        why = "the session's directory " + workDir.resolve(e.session.uuid()) + " is gone (Spark evicted the session)";
      } else if (!e.failed() && !e.wish.keys().getOrDefault("process.archive", "").isEmpty() // a failed one may name none
          && !Files.isDirectory(workDir.resolve(e.session.uuid()).resolve(e.wish.keys().get("process.archive")))) {
        why = "its archive " + e.wish.keys().get("process.archive") + " is gone";
      } else if (e.running.get() == 0 && now - e.lastUsedMillis() > e.idleMillis) {
        why = "idle for " + (now - e.lastUsedMillis()) / 1000 + " s (" + SidecarKeys.SESSION_IDLE_TIMEOUT.name() + "="
            + Duration.ofMillis(e.idleMillis).toString().substring(2).toLowerCase() + ")";
      }
      if (why != null) {
        synchronized (this) {
          if (sessions.get(e.session.uuid()) != e) {
            continue;
          }
          remove(e, why);
        }
        stop(e);
      }
    }
  }

  /** Caller holds this lock; then calls {@link #stop} without it (a stop waits up to the stop timeout). */
  private SessionSidecar remove(SessionSidecar e, String why) {
    sessions.remove(e.session.uuid(), e);
    LOG.info("spark-sidecar: executor {} stops the sidecar of session {}: {}", executorId, e.session.uuid(), why);
    return e;
  }

  private void stop(SessionSidecar e) {
    if (e == null) {
      return;
    }
    try {
      e.close();
    } catch (RuntimeException ex) {
      LOG.warn("spark-sidecar: executor {} failed to stop the sidecar of session {}", executorId, e.session.uuid(), ex);
    }
  }

  private void sweepLoop() {
    while (!closed) {
      try {
        Thread.sleep(SWEEP_MS);
        sweep();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("spark-sidecar: executor {} session sweep failed", executorId, e);
      }
    }
  }

  /**
   * An executor killed with SIGKILL leaves its session discovery files in the run dir (its
   * sidecars are gone: the watchdog removed them); readers would never match them (pid start
   * time), but nothing should be left behind: the next executor on the host removes them.
   */
  static void removeFilesOfDeadExecutors(Path runDir) {
    try (java.util.stream.Stream<Path> files = Files.list(runDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        int dot = name.indexOf(".session-");
        if (dot > 0 && name.endsWith(".json") && name.substring(0, dot).matches("\\d+")
            && ProcessHandle.of(Long.parseLong(name.substring(0, dot))).isEmpty()) {
          Files.deleteIfExists(f);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.debug("spark-sidecar: cannot clean {}: {}", runDir, e.toString());
    }
  }

  /** The sessions with a sidecar (or a failure) on this executor: uuid → state line. */
  public Map<String, String> states() {
    Map<String, String> out = new LinkedHashMap<>();
    sessions.forEach((k, v) -> out.put(k, v.stateLine()));
    return out;
  }

  /**
   * Reporting hook (the health reporter's thread; never blocks): the session sidecars on this
   * executor now, running, starting or failed; one that stopped is no longer here.
   */
  public List<io.sparksidecar.plugin.health.SessionReport> statuses() {
    List<io.sparksidecar.plugin.health.SessionReport> out = new ArrayList<>();
    sessions.values().forEach(e -> out.add(e.report()));
    return out;
  }

  /**
   * The health reporter's 250-ms watch (its thread; never blocks, reads no file): one line per session
   * sidecar of what the driver must hear of at once (state, restarts, last failure), sorted; a change
   * makes the reporter send a report.
   */
  public List<String> watchKeys() {
    List<String> out = new ArrayList<>();
    sessions.values().forEach(e -> out.add(e.watchKey()));
    java.util.Collections.sort(out);
    return out;
  }

  private static Map<String, String> props(Properties p) {
    Map<String, String> m = new HashMap<>();
    if (p != null) {
      for (String k : p.stringPropertyNames()) {
        if (k.startsWith(SidecarKeys.PREFIX) || k.equals(SessionRef.JOB_TAGS)) {
          m.put(k, p.getProperty(k));
        }
      }
    }
    return m;
  }

  /** Executor exit: stops every session sidecar. Idempotent. */
  @Override
  public void close() {
    List<SessionSidecar> stopping = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (SessionSidecar e : new ArrayList<>(sessions.values())) {
        stopping.add(remove(e, "the executor stops"));
      }
    }
    stopping.forEach(this::stop);
    ProcessRuntime.closeWarmAgent();
    sweeper.interrupt();
    if (active == this) {
      active = null;
    }
  }
}
