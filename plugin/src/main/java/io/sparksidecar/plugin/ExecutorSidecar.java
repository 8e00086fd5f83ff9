package io.sparksidecar.plugin;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Readiness;
import io.sparksidecar.plugin.runtime.RestartPolicy;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarRuntime;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.LegacyVolume;
import io.sparksidecar.protocol.Liveness;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.VolumeOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One executor's sidecar and everything around it: volumes, runtime, supervisor and the open
 * hand-off volumes. Built and started by the executor plugin (the executor-wide one) and by
 * {@code io.sparksidecar.plugin.session.SessionSidecars} (one per Spark Connect session); used by
 * tasks through {@link Sidecars}. Internal: public only for the session package, not task API.
 */
public final class ExecutorSidecar implements Sidecar, AutoCloseable {
  private final String executorId;
  private final SidecarSettings settings;
  private final VolumeDirs volumeDirs;
  private final SidecarRuntime runtime;
  private final Supervisor supervisor;
  private final Map<String, Volume> volumes = new LinkedHashMap<>();
  private final AtomicLong handoffs = new AtomicLong(); // completed (a result came back)
  private final io.sparksidecar.plugin.metrics.HandoffRecorder handoffTotals = new io.sparksidecar.plugin.metrics.HandoffRecorder();
  private volatile MeteredHandoff.Metrics metrics;

  public ExecutorSidecar(String appId, String executorId, SidecarSettings settings, SidecarRuntime runtime, Path workDir,
      Consumer<Supervisor.Snapshot> listener) {
    this.executorId = executorId;
    this.settings = settings;
    this.runtime = runtime;
    this.volumeDirs = runtime.providesVolumes() ? VolumeDirs.mounted(settings) : new VolumeDirs(settings, appId, executorId, workDir);
    SidecarSpec spec = new SidecarSpec(appId, executorId, settings, volumeDirs.dirs(), workDir);
    Path first = settings.volumes().isEmpty() ? workDir : volumeDirs.dirs().get(settings.volumes().get(0));
    this.supervisor = new Supervisor(runtime, spec, Readiness.from(settings.readiness(), first),
        new RestartPolicy(settings.maxRestarts(), settings.restartBackoff(), settings.restartWindow()), settings.readiness().timeout(),
        settings.stopTimeout(), Duration.ofMillis(500), listener).oneShot(settings.protocol().equals("legacy"))
        .startupTimeout(settings.startupTimeout());
    if (settings.protocol().equals("legacy")) {
      // a spent legacy container is replaced at once, flags cleared, so that a client that cannot
      // recycle it (a Python worker) just waits until the flags are gone
      this.supervisor.recycleWhenSpent(() -> {
        for (Path dir : volumeDirs.dirs().values()) {
          try {
            LegacyVolume.CLEAR_FLAGS.beforeHandoff(dir);
          } catch (java.io.IOException e) {
            throw new SidecarException("cannot clear legacy flags in " + dir, e);
          }
        }
      });
    }
  }

  /** Opens the hand-off volumes (their client heartbeat must exist before the agent looks), then starts. Blocks. */
  public void start() {
    for (String name : settings.volumes()) {
      Path dir = volumeDirs.dirs().get(name);
      if (settings.protocol().equals("v1")) {
        // a sidecar that exited is known to its supervisor within a poll (500 ms): waiting hand-offs
        // fail at once then; the heartbeat bound is only for an agent that hangs, so it can be
        // generous enough that a loaded host (or an executor resuming from a pause) never trips it
        Liveness supervised = () -> switch (supervisor.snapshot().state()) {
          case RESTARTING, FAILED, STOPPED -> java.util.Optional.of("its sidecar is " + supervisor.snapshot().state()
              + ": " + supervisor.snapshot().reason().lines().findFirst().orElse(""));
          default -> java.util.Optional.empty();
        };
        volumes.put(name, Volume.open(dir, VolumeOptions.defaults().withGroupWritable(true)
            .withStaleAfter(settings.agentStaleAfter()).withExtraLiveness(supervised)));
      } else if (settings.protocol().equals("legacy")) {
        Liveness running = () -> {
          SidecarInstance i = supervisor.instance();
          return i != null && i.status().running() ? java.util.Optional.empty()
              : java.util.Optional.of("the legacy sidecar container is not running");
        };
        LegacyVolume.Cycle cycle = runtime.providesVolumes()
            // in a pod the legacy loop runs the image again and clears the flags: wait for that
            ? io.sparksidecar.plugin.runtime.kubernetes.LegacyLoop.awaitFlagsCleared(settings.readiness().timeout())
            : root -> {
          if (Path.of(root.toString(), io.sparksidecar.protocol.Protocol.CLOSE_FLAG).toFile().exists()) {
            // one hand-off per container life: wait for the previous one to exit, clear the flags, start the next
            supervisor.recycle(settings.stopTimeout(), () -> {
              try {
                LegacyVolume.CLEAR_FLAGS.beforeHandoff(root);
              } catch (java.io.IOException e) {
                throw new SidecarException("cannot clear legacy flags in " + root, e);
              }
            });
          }
        };
        volumes.put(name, new LegacyVolume(dir, VolumeOptions.defaults().withExtraLiveness(running).withGroupWritable(true), cycle));
      }
    }
    supervisor.start();
  }

  public void awaitReady() {
    supervisor.awaitReady(settings.readiness().timeout());
  }

  public long handoffs() {
    return handoffs.get();
  }

  /** Hand-off totals for the health report (the reporting thread; never blocks). */
  public io.sparksidecar.plugin.metrics.HandoffTotals handoffTotals() {
    return handoffTotals.totals();
  }

  public String runtimeName() {
    return runtime.name();
  }

  @Override
  public String executorId() {
    return executorId;
  }

  @Override
  public InetSocketAddress endpoint(int port) {
    SidecarInstance i = supervisor.instance();
    if (i == null) {
      throw new SidecarException("the sidecar of executor " + executorId + " is not running: " + supervisor.snapshot().reason());
    }
    return new InetSocketAddress("127.0.0.1", i.hostPort(port));
  }

  @Override
  public Volume volume(String name) {
    Volume v = volumes.get(name);
    if (v == null) {
      throw new SidecarException(settings.protocol().equals("none")
          ? "no hand-off volumes: set spark.sidecar.protocol to v1 or legacy"
          : "no volume '" + name + "' (spark.sidecar.volumes=" + String.join(",", settings.volumes()) + ")");
    }
    return v;
  }

  @Override
  public Handoff newHandoff() {
    Volume v = volume(settings.volumes().get(0));
    if (settings.protocol().equals("v1")) {
      awaitAgent(v);
    }
    return new MeteredHandoff(v.newHandoff(), metrics, handoffs, handoffTotals);
  }

  /** Reports hand-off count, latency, failures and sizes to the executor's metric registry. */
  void registerMetrics(com.codahale.metrics.MetricRegistry registry) {
    metrics = MeteredHandoff.Metrics.register(registry);
  }

  /**
   * A task retried right after its sidecar died must not fail again on the dead agent: wait
   * (bounded by the readiness timeout) until the supervisor's restart brings an agent back; fail
   * at once when the supervisor gave up. Costs two stats when the agent is alive.
   */
  private void awaitAgent(Volume v) {
    long deadline = System.nanoTime() + settings.readiness().timeout().toNanos();
    while (true) {
      try {
        v.awaitAgent(Duration.ofMillis(100));
        return;
      } catch (io.sparksidecar.protocol.HandoffException gone) {
        Supervisor.Snapshot s = supervisor.snapshot();
        if (s.state() == Supervisor.State.FAILED || s.state() == Supervisor.State.STOPPED) {
          throw new SidecarException("the sidecar of executor " + executorId + " is " + s.state() + ": " + s.reason());
        }
        if (System.nanoTime() > deadline) {
          throw new SidecarException("the protocol agent of executor " + executorId + " did not come back within "
              + settings.readiness().timeout().toSeconds() + " s (" + s.state() + "): " + gone.getMessage());
        }
      }
    }
  }

  @Override
  public Supervisor.Snapshot status() {
    return supervisor.snapshot();
  }

  /**
   * Closes the volumes (the agent sees the client leave), stops the sidecar, closes the runtime and
   * deletes the volume directories it created (never a pod's mounts): every step runs even when an earlier one throws; the first
   * failure is rethrown with the others suppressed.
   */
  @Override
  public void close() {
    List<Runnable> steps = new ArrayList<>();
    volumes.values().forEach(v -> steps.add(v::close));
    steps.add(supervisor::close);
    steps.add(runtime::close);
    steps.add(volumeDirs::close);
    RuntimeException first = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
