package io.sparksidecar.plugin;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.config.SparkTimeouts;
import io.sparksidecar.plugin.health.FailurePolicy;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver side. {@link #init} (driver start-up, main thread) validates every {@code spark.sidecar.*}
 * key and fails the application naming the bad key; the resolved entries reach executors through
 * the returned map. {@link #receive} (Spark's RPC thread, must not block) records health reports
 * and applies the failure policy on a separate thread. On Kubernetes a daemon thread also reads the
 * sidecar's container status from the executor pods at the health interval
 * ({@link io.sparksidecar.plugin.runtime.kubernetes.PodStatusWatcher}) and merges it into the
 * registry. {@link #shutdown} stops that thread and logs the summary table.
 */
public final class SidecarDriverPlugin implements DriverPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(SidecarDriverPlugin.class);
  private static volatile SidecarDriverPlugin active;

  private SparkContext sc;
  private SidecarRegistry registry;
  private volatile io.sparksidecar.plugin.ui.HistoryPublisher history; // with the event log on
  private FailurePolicy policy;
  private final java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
  private io.sparksidecar.plugin.runtime.kubernetes.PodStatusWatcher pods;
  private final io.sparksidecar.plugin.metrics.HandoffAggregates handoffTotals = new io.sparksidecar.plugin.metrics.HandoffAggregates();
  private final io.sparksidecar.plugin.session.SessionEnds sessionEnds = new io.sparksidecar.plugin.session.SessionEnds();

  /** The status of every executor's sidecar in the running application (driver only). */
  public static String statusReport() {
    SidecarDriverPlugin p = active;
    return p == null || p.registry == null ? "spark-sidecar: no driver plugin is active\n" : p.registry.table(System.currentTimeMillis());
  }

  /** The registry of the running application (driver only), or null. */
  public static SidecarRegistry registry() {
    SidecarDriverPlugin p = active;
    return p == null ? null : p.registry;
  }

  @Override
  public Map<String, String> init(SparkContext sc, PluginContext ctx) {
    this.sc = sc;
    Map<String, String> conf = new HashMap<>();
    for (scala.Tuple2<String, String> kv : sc.conf().getAllWithPrefix(SidecarKeys.PREFIX)) {
      conf.put(SidecarKeys.PREFIX + kv._1(), kv._2());
    }
    long networkTimeoutMs = sc.conf().getTimeAsMs("spark.network.timeout", "120s"); // Spark's own parser
    conf = SparkTimeouts.resolve(conf, networkTimeoutMs);
    SidecarSettings settings = SidecarSettings.from(conf); // throws naming the key: the app does not start
    if (io.sparksidecar.plugin.runtime.kubernetes.KubernetesChecks.isKubernetes(sc.conf().get("spark.master", ""))) {
      // the feature step adds the sidecar to executor pods: its settings fail here, before any pod is built
      Map<String, String> all = new HashMap<>();
      for (scala.Tuple2<String, String> kv : sc.conf().getAll()) {
        all.put(kv._1(), kv._2());
      }
      io.sparksidecar.plugin.runtime.kubernetes.KubernetesChecks.atDriverStart(all, networkTimeoutMs);
    }
    Long heartbeatMs = sc.conf().contains("spark.storage.blockManagerHeartbeatTimeoutMs")
        ? sc.conf().getTimeAsMs("spark.storage.blockManagerHeartbeatTimeoutMs") : null;
    for (String warning : SparkTimeouts.check(settings, SparkTimeouts.heartbeatTimeout(heartbeatMs, networkTimeoutMs))) {
      LOG.warn("spark-sidecar: {}", warning);
    }
    this.registry = new SidecarRegistry(settings.healthStaleAfter().toMillis());
    registry.sessions().closedSessions(sessionEnds::isClosed); // says so when a closed session's sidecars leave
    registry.sessions().onHandoffs(handoffTotals::addSessions); // handoffs.* count every sidecar's hand-offs
    this.policy = new FailurePolicy(settings.failurePolicy());
    active = this;
    // Spark tells listeners when an executor goes (also by SIGKILL, which sends us no last report)
    sc.addSparkListener(new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onExecutorRemoved(org.apache.spark.scheduler.SparkListenerExecutorRemoved removed) {
        if (registry.executorRemoved(removed.executorId(), removed.reason(), System.currentTimeMillis())) {
          LOG.info("spark-sidecar: executor {} removed ({}): its sidecar no longer counts", removed.executorId(),
              removed.reason());
        }
      }
    });
    sc.addSparkListener(sessionEnds.listener()); // Spark Connect session closed -> its session sidecars stop
    if (io.sparksidecar.plugin.runtime.kubernetes.KubernetesChecks.isKubernetes(sc.conf().get("spark.master", ""))) {
      // Spark ignores the sidecar's container status in executor pods: read it at the health interval
      pods = io.sparksidecar.plugin.runtime.kubernetes.PodStatusWatcher.forSparkContext(sc, settings.maxRestarts(),
          settings.healthInterval(), this::observed).restartWindow(settings.restartWindow()).start();
    }
    // the Sidecars tab and its JSON beside Spark's own (no-op without a UI; never fails the application)
    io.sparksidecar.plugin.ui.SidecarsUi.attach(sc, registry, handoffTotals);
    if (sc.conf().getBoolean("spark.eventLog.enabled", false)) {
      // the rows that change go to the event log too, for the history server's Sidecars tab
      history = new io.sparksidecar.plugin.ui.HistoryPublisher(registry, e -> sc.listenerBus().post(e),
          SidecarKeys.HISTORY_INTERVAL.get(conf), System::currentTimeMillis);
      io.sparksidecar.plugin.ui.HistoryPublisher h = history;
      sc.addSparkListener(new org.apache.spark.scheduler.SparkListener() {
        @Override
        public void onApplicationEnd(org.apache.spark.scheduler.SparkListenerApplicationEnd end) {
          h.publish(); // Spark 3.5 stops its listener bus before plugins: this is its last chance
        }
      });
    }
    LOG.info("spark-sidecar: {} runtime, image '{}', command {}, protocol {}, readiness {}", settings.runtime(),
        settings.image(), settings.command(), settings.protocol(), settings.readiness().kind());
    return conf; // the application id does not exist yet here; executors read it from their own conf
  }

  @Override
  public void registerMetrics(String appId, PluginContext ctx) {
    MetricRegistry m = ctx.metricRegistry();
    m.register("sidecars.ready", (Gauge<Long>) () -> registry.count(State.READY, System.currentTimeMillis()));
    m.register("sidecars.unhealthy", (Gauge<Long>) () -> registry.count(State.UNHEALTHY, System.currentTimeMillis()));
    m.register("sidecars.failed", (Gauge<Long>) () -> registry.count(State.FAILED, System.currentTimeMillis()));
    m.register("sidecars.stale", (Gauge<Long>) () -> registry.stale(System.currentTimeMillis()));
    m.register("sidecars.restarts", (Gauge<Long>) () -> registry.totalRestarts());
    io.sparksidecar.plugin.metrics.DriverHandoffMetrics.register(m, handoffTotals);
    io.sparksidecar.plugin.metrics.DriverSessionMetrics.register(m, registry);
  }

  @Override
  public Object receive(Object message) {
    try {
      Object sessions = sessionEnds.answer(message); // an executor asking which Connect sessions closed
      if (sessions != null) {
        return sessions;
      }
      HealthReport report = HealthReport.fromWire(message);
      if (report != null) {
        // record and decide in one step: Spark delivers messages on several RPC threads at once
        SidecarRegistry.Update<FailurePolicy.Action> u = registry.update(report, System.currentTimeMillis(), policy::decide);
        HealthReport previous = u.previous();
        HealthReport stored = u.stored(); // with the pod status merged in, on Kubernetes
        handoffTotals.record(report); // cumulative per executor: order and duplicates do not matter
        if (u.recorded() && (previous == null || previous.snapshot().state() != stored.snapshot().state())) {
          LOG.info("spark-sidecar: executor {} sidecar {}: {}", stored.executorId(), stored.snapshot().state(),
              stored.snapshot().reason());
        }
        if (u.decision() != null) {
          act(u.decision(), stored);
        }
        if (u.recorded()) {
          sessionsChanged(previous, stored);
        }
        return HealthReport.expectsReply(message) ? HealthReport.ACK : null; // send() must not be answered
      }
      LOG.warn("spark-sidecar: ignoring unknown message {}", message == null ? null : message.getClass());
      return null;
    } catch (RuntimeException e) {
      LOG.error("spark-sidecar: failed to handle {}", message, e);
      return null;
    }
  }

  /** Logs a session sidecar that newly failed: that session's affair only (see FailurePolicy). */
  private void sessionsChanged(HealthReport previous, HealthReport stored) {
    if (stored.sessions().isEmpty() && (previous == null || previous.sessions().isEmpty())) {
      return;
    }
    Map<String, io.sparksidecar.plugin.health.SessionReport> before = new HashMap<>();
    if (previous != null) {
      previous.sessions().forEach(s -> before.put(s.uuid(), s));
    }
    for (io.sparksidecar.plugin.health.SessionReport s : stored.sessions()) {
      io.sparksidecar.plugin.health.SessionReport was = before.get(s.uuid());
      if (policy.decideSession(was, s) == FailurePolicy.SessionAction.FAIL_SESSION_TASKS) {
        LOG.warn("spark-sidecar: executor {} sidecar of session {} FAILED: {} (the session's tasks there fail with this"
            + " reason; the application, the executor and other sessions go on)", stored.executorId(), s.uuid(),
            s.snapshot().reason()); // other state changes are logged by SessionEnds, from the executors' session queries
      }
    }
  }

  /** The pod statuses of one poll (the pod-status thread): merged into the registry, failures acted on. */
  void observed(java.util.List<io.sparksidecar.plugin.health.ObservedStatus> statuses) {
    for (SidecarRegistry.Observed<FailurePolicy.Action> o : registry.observed(statuses, System.currentTimeMillis(),
        policy::decide)) {
      if (o.previous() == null || o.previous().snapshot().state() != o.report().snapshot().state()) {
        LOG.info("spark-sidecar: executor {} sidecar {} (pod status): {}", o.report().executorId(),
            o.report().snapshot().state(), o.report().snapshot().reason());
      }
      if (o.decision() != null) {
        act(o.decision(), o.report());
      }
    }
  }

  private void act(FailurePolicy.Action action, HealthReport report) {
    String id = report.executorId();
    String reason = report.snapshot().reason();
    switch (action) {
      case REPLACE_EXECUTOR -> {
        LOG.warn("spark-sidecar: replacing executor {}: its sidecar failed for good: {}", id, reason);
        // kill without lowering the target (works with and without dynamic allocation): the
        // cluster manager starts a replacement, whose sidecar starts afresh
        background("replace-executor-" + id, () -> {
          if (!sc.killAndReplaceExecutor(id)) {
            LOG.warn("spark-sidecar: the scheduler cannot replace executor {} (local mode?); it keeps running without"
                + " its sidecar and tasks calling Sidecars.get() fail with the reason", id);
          }
        });
      }
      case FAIL_APPLICATION -> {
        if (!failing.compareAndSet(false, true)) {
          LOG.info("spark-sidecar: the sidecar of executor {} failed too: {}", id, reason); // the application already stops
          return;
        }
        LOG.error("spark-sidecar: failing the application: the sidecar of executor {} failed: {}", id, reason);
        System.err.println("spark-sidecar: failing the application: the sidecar of executor " + id + " failed: " + reason);
        background("fail-application", sc::stop);
      }
      default -> { }
    }
  }

  private static void background(String name, Runnable r) {
    Thread t = new Thread(() -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("spark-sidecar: {} failed", name, e);
      }
    }, "spark-sidecar-" + name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void shutdown() {
    if (pods != null) {
      pods.close();
    }
    if (history != null) {
      history.close(); // the last rows (Spark 4.x still delivers events posted here)
    }
    try {
      if (registry != null) {
        LOG.info("spark-sidecar: sidecar status at application end:\n{}", registry.table(System.currentTimeMillis()));
      }
    } catch (RuntimeException e) {
      LOG.warn("spark-sidecar: cannot print the status table", e);
    }
  }
}
