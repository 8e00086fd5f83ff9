package io.sparksidecar.plugin;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.HealthReporter;
import io.sparksidecar.plugin.runtime.Runtimes;
import io.sparksidecar.plugin.runtime.SidecarRuntime;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executor side. {@link #init} (executor start-up, before any task, on the executor's main thread)
 * starts the sidecar and blocks until it is ready, at most the readiness timeout plus restarts; it
 * never throws: a sidecar that cannot start is reported FAILED to the driver (which applies the
 * failure policy) and tasks calling {@link Sidecars#get()} get the reason. {@link #shutdown}
 * (executor exit) stops and removes the sidecar and its volumes. Health goes to the driver from
 * the reporter's own thread. Every callback is wrapped and logged with the executor id.
 */
public final class SidecarExecutorPlugin implements ExecutorPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(SidecarExecutorPlugin.class);

  private String executorId = "?";
  private ExecutorSidecar sidecar;
  private HealthReporter reporter;
  private volatile String runtimeName = "?";
  private volatile ExecutorSidecar reported; // what reports describe, also after shutdown() let go of it
  private volatile SidecarSettings settings;
  private volatile DiscoveryFile discovery; // for Python workers: where this executor's sidecar is
  private final io.sparksidecar.plugin.metrics.FailureMemory failures = new io.sparksidecar.plugin.metrics.FailureMemory();
  private volatile io.sparksidecar.plugin.session.SessionSidecars sessions; // Spark Connect: per-session sidecars

  @Override
  public void init(PluginContext ctx, Map<String, String> extraConf) {
    long t0 = System.nanoTime();
    try {
      executorId = ctx.executorID();
      String appId = ctx.conf().get("spark.app.id", "app");
      discovery = new DiscoveryFile(appId, executorId, Path.of("").toAbsolutePath());
      // sidecars of Spark Connect sessions (started by their first task here), independent of the executor-wide one
      sessions = new io.sparksidecar.plugin.session.SessionSidecars(appId, executorId, extraConf, Path.of(""),
          message -> {
            try {
              return ctx.ask(message); // bounded by spark.rpc.askTimeout; on the session sweeper's thread only
            } catch (Exception e) {
              throw new SidecarException("cannot ask the driver about sessions: " + e, e);
            }
          }, System::currentTimeMillis, true).install();
      SidecarSettings settings = SidecarSettings.from(extraConf);
      this.settings = settings;
      String host = hostName(); // not ctx.hostname(): it throws NullPointerException inside executors
      reporter = new HealthReporter(ctx, executorId, settings.healthInterval(), snap -> {
        ExecutorSidecar r = reported;
        failures.observe(snap); // the reporter sees every change in order: the last failure outlives a recovery
        io.sparksidecar.plugin.session.SessionSidecars ss = sessions;
        DiscoveryFile d = discovery;
        // the Java client's hand-offs and those of the Python workers (their meters' files)
        io.sparksidecar.plugin.metrics.HandoffTotals py = d == null ? io.sparksidecar.plugin.metrics.HandoffTotals.NONE
            : d.pythonHandoffs();
        io.sparksidecar.plugin.metrics.HandoffTotals jvm = r == null ? io.sparksidecar.plugin.metrics.HandoffTotals.NONE
            : r.handoffTotals();
        return new HealthReport(executorId, host, runtimeName, snap, (r == null ? 0 : r.handoffs()) + py.done(),
            System.currentTimeMillis(), failures.activity(jvm.plus(py)), ss == null ? java.util.List.of() : ss.statuses());
      }).watch(this::sessionStates).start(); // a session sidecar's change reaches the driver within 250 ms
      SidecarRuntime runtime;
      long t1 = System.nanoTime();
      try {
        runtime = Runtimes.choose(settings);
      } catch (SidecarException e) {
        fail(e);
        return;
      }
      long t2 = System.nanoTime();
      runtimeName = runtime.name();
      sidecar = new ExecutorSidecar(appId, executorId, settings, runtime, Path.of("").toAbsolutePath(), this::changed);
      reported = sidecar;
      Sidecars.install(sidecar);
      sidecar.registerMetrics(ctx.metricRegistry());
      // a SIGTERMed executor (Spark kills executors that way and does not call plugin shutdown then)
      // removes its sidecar itself; after SIGKILL the runtime's watchdog does it
      Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "sidecar-shutdown-" + executorId));
      long t3 = System.nanoTime();
      sidecar.start();
      long t4 = System.nanoTime();
      LOG.info("spark-sidecar: executor {} sidecar ready in {} ms ({}, {}; settings {} ms, runtime {} ms, volumes and hooks {} ms,"
          + " start to ready {} ms)", executorId, (t4 - t0) / 1_000_000, runtime.name(), sidecar.status().instanceId(),
          (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
    } catch (SidecarException e) {
      fail(e);
    } catch (RuntimeException e) {
      LOG.error("spark-sidecar: executor {} plugin init failed", executorId, e);
      fail(new SidecarException("plugin init failed: " + e, e));
    }
  }

  /** What the driver must hear of at once about the session sidecars: which run, their states, restarts and failures. */
  private java.util.List<String> sessionStates() {
    io.sparksidecar.plugin.session.SessionSidecars ss = sessions;
    return ss == null ? java.util.List.of() : ss.watchKeys();
  }

  /** Every supervisor state change: to the driver, and to the discovery file (new host ports after a restart). */
  private void changed(Supervisor.Snapshot snap) {
    HealthReporter r = reporter;
    if (r != null) {
      r.changed(snap);
    }
    DiscoveryFile d = discovery;
    if (d != null) {
      d.publish(snap, runtimeName, reported, settings);
    }
  }

  private void fail(SidecarException e) {
    LOG.error("spark-sidecar: executor {} has no sidecar: {}", executorId, e.getMessage());
    if (sidecar == null) {
      // the supervisor never ran: report the failure ourselves; tasks get the reason from Sidecars.get()
      Sidecars.failed(e.getMessage());
      changed(new Supervisor.Snapshot(Supervisor.State.FAILED, 0, -1, e.getMessage(), "",
          System.currentTimeMillis(), e.isPermanent()));
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "localhost";
    }
  }

  /** Task thread, before the task body: a Connect session's task gets its session's sidecar started (or reused). */
  @Override
  public void onTaskStart() {
    io.sparksidecar.plugin.session.SessionSidecars s = sessions;
    if (s != null) {
      s.onTaskStart();
    }
  }

  @Override
  public void onTaskSucceeded() {
    io.sparksidecar.plugin.session.SessionSidecars s = sessions;
    if (s != null) {
      s.onTaskEnd();
    }
  }

  @Override
  public void onTaskFailed(org.apache.spark.TaskFailedReason failureReason) {
    io.sparksidecar.plugin.session.SessionSidecars s = sessions;
    if (s != null) {
      s.onTaskEnd();
    }
  }

  /** Executor exit or JVM shutdown hook; idempotent. */
  @Override
  public synchronized void shutdown() {
    io.sparksidecar.plugin.session.SessionSidecars ss = sessions;
    sessions = null;
    if (ss != null) {
      try {
        ss.close();
      } catch (RuntimeException e) {
        LOG.error("spark-sidecar: executor {} failed to stop its session sidecars", executorId, e);
      }
    }
    try {
      if (sidecar != null) {
        Sidecars.uninstall(sidecar);
        ExecutorSidecar s = sidecar;
        sidecar = null;
        s.close();
      }
    } catch (RuntimeException e) {
      LOG.error("spark-sidecar: executor {} failed to stop its sidecar", executorId, e);
    }
    DiscoveryFile d = discovery;
    discovery = null;
    if (d != null) {
      d.close();
    }
    try {
      if (reporter != null) {
        HealthReporter r = reporter;
        reporter = null;
        r.close();
      }
    } catch (RuntimeException e) {
      LOG.warn("spark-sidecar: executor {} failed to stop its health reporter", executorId, e);
    }
    // nothing left in a local-mode driver's cwd (the user's): there a sidecar that never failed takes its log along
    Path cwd = Path.of("").toAbsolutePath();
    boolean localClean = "driver".equals(executorId) && !failures.any();
    io.sparksidecar.plugin.runtime.WorkDirFiles.tidy(cwd, localClean ? java.util.List.of(
        io.sparksidecar.plugin.runtime.WorkDirFiles.sidecarLog(cwd, executorId),
        io.sparksidecar.plugin.runtime.WorkDirFiles.warmAgentsLog(cwd)) : java.util.List.of());
  }
}
