package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sparksidecar.plugin.health.FailurePolicy;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.ObservedStatus;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The driver reads the sidecar's container status from executor pods that Spark's builder made,
 * stored in fabric8's mock API server in CRUD mode (which keeps whatever status a test writes, as a
 * kubelet would), and the registry, the failure policy and the status report see the kubelet's
 * restarts and failures, also of an executor whose JVM never reported. (The JUnit extension, not
 * the server's constructors: it works the same with fabric8 6.x on the Spark 3.5 line.)
 */
@EnableKubernetesMockClient(crud = true)
class PodStatusWatcherTest {
  private KubernetesClient client; // injected by the extension, a fresh CRUD server per test
  private final SidecarRegistry registry = new SidecarRegistry(60_000);
  private final FailurePolicy policy = new FailurePolicy("replaceExecutor");
  private final List<FailurePolicy.Action> actions = new CopyOnWriteArrayList<>();

  private PodStatusWatcher watcher(String appId) {
    return new PodStatusWatcher(() -> client, "default", () -> appId, 3, Duration.ofMillis(100), this::sink);
  }

  private void sink(List<ObservedStatus> statuses) {
    for (SidecarRegistry.Observed<FailurePolicy.Action> o : registry.observed(statuses, System.currentTimeMillis(), policy::decide)) {
      if (o.decision() != FailurePolicy.Action.NONE) {
        actions.add(o.decision());
      }
    }
  }

  /** Executor {@code id}'s pod as Spark builds and submits it, created in the mock, then its status written as a kubelet would. */
  private void pod(String id, boolean nativeSidecar, ContainerStatus sidecar, String... extra) {
    List<String> conf = new ArrayList<>(List.of("spark.sidecar.kubernetes.nativeSidecar", String.valueOf(nativeSidecar)));
    conf.addAll(List.of(extra));
    Pod pod = Serialization.unmarshal(SparkPods.submittedJson(SparkPods.build(SparkPods.conf(conf.toArray(String[]::new)))), Pod.class);
    pod.getMetadata().setName("pods-exec-" + id);
    pod.getMetadata().getLabels().put(PodStatusWatcher.EXECUTOR_LABEL, id);
    client.pods().inNamespace("default").resource(pod).create();
    PodStatusBuilder status = new PodStatusBuilder().withPhase(nativeSidecar ? "Pending" : "Running");
    ContainerStatus executor = new ContainerStatusBuilder().withName("spark-kubernetes-executor").withRestartCount(0)
        .withNewState().withNewRunning().endRunning().endState().build();
    if (nativeSidecar) {
      status.withInitContainerStatuses(sidecar).withContainerStatuses(executor);
    } else {
      status.withContainerStatuses(executor, sidecar);
    }
    pod.setStatus(status.build());
    client.pods().inNamespace("default").resource(pod).updateStatus();
  }

  private static ContainerStatus crashLooping(int restarts) {
    return new ContainerStatusBuilder().withName(SidecarPodSpec.CONTAINER_NAME).withRestartCount(restarts)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off 20s restarting failed container")
        .endWaiting().endState().withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated()
        .endLastState().build();
  }

  private static ContainerStatus running(int restarts, int lastExit) {
    ContainerStatusBuilder b = new ContainerStatusBuilder().withName(SidecarPodSpec.CONTAINER_NAME).withRestartCount(restarts)
        .withStarted(true).withReady(true).withNewState().withNewRunning().endRunning().endState();
    if (lastExit >= 0) {
      b.withNewLastState().withNewTerminated().withExitCode(lastExit).withReason("Error").endTerminated().endLastState();
    }
    return b.build();
  }

  private Map<String, HealthReport> rows() {
    Map<String, HealthReport> out = new HashMap<>();
    registry.entries(System.currentTimeMillis()).forEach(e -> out.put(e.report().executorId(), e.report()));
    return out;
  }

  @Test
  void aCrashLoopingNativeSidecarShowsUpAlthoughItsExecutorNeverReported() {
    pod("1", true, crashLooping(2));
    watcher("spark-0001").pollOnce();
    HealthReport r = rows().get("1");
    assertThat(r).as("registry %s", rows()).isNotNull();
    assertThat(r.host()).isEqualTo("pods-exec-1/spark-sidecar");
    assertThat(r.snapshot().state()).isEqualTo(State.RESTARTING);
    assertThat(r.snapshot().restarts()).isEqualTo(2);
    assertThat(r.snapshot().lastExitCode()).isEqualTo(1);
    assertThat(r.snapshot().reason()).contains("CrashLoopBackOff", "exit 1 (Error)");
    assertThat(registry.totalRestarts()).isEqualTo(2);
    assertThat(registry.table(System.currentTimeMillis())).contains("RESTARTING", "CrashLoopBackOff");
    assertThat(actions).isEmpty();
  }

  @Test
  void moreKubeletRestartsThanMaxRestartsFailTheSidecarAndThePolicyActsOnce() {
    pod("2", true, crashLooping(4)); // > spark.sidecar.restart.maxRestarts=3
    PodStatusWatcher w = watcher("spark-0001");
    w.pollOnce();
    w.pollOnce();
    HealthReport r = rows().get("2");
    assertThat(r.snapshot().state()).isEqualTo(State.FAILED);
    assertThat(r.snapshot().reason()).contains("restarted 4 times", "spark.sidecar.restart.maxRestarts=3");
    assertThat(actions).containsExactly(FailurePolicy.Action.REPLACE_EXECUTOR);
  }

  @Test
  void aRegularSidecarThatTerminatedInANeverRestartedPodHasFailed() {
    ContainerStatus terminated = new ContainerStatusBuilder().withName(SidecarPodSpec.CONTAINER_NAME).withRestartCount(0)
        .withNewState().withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated().endState().build();
    pod("3", false, terminated);
    watcher("spark-0001").pollOnce();
    HealthReport r = rows().get("3");
    assertThat(r.snapshot().state()).isEqualTo(State.FAILED);
    assertThat(r.snapshot().lastExitCode()).isEqualTo(137);
    assertThat(r.snapshot().reason()).contains("terminated: exit 137 (OOMKilled)");
    assertThat(actions).containsExactly(FailurePolicy.Action.REPLACE_EXECUTOR);
  }

  @Test
  void kubeletRestartsAddToTheExecutorsReportsAndStayAcrossItsNextReports() {
    long now = System.currentTimeMillis();
    Supervisor.Snapshot ready = new Supervisor.Snapshot(State.READY, 0, -1, "ready", "pods-exec-4/spark-sidecar", now, false);
    registry.update(new HealthReport("4", "10.0.0.4", "kubernetes", ready, 7, now), now);
    pod("4", true, running(1, 2));
    watcher("spark-0001").pollOnce();
    HealthReport r = rows().get("4");
    assertThat(r.snapshot().state()).isEqualTo(State.READY);
    assertThat(r.snapshot().restarts()).isEqualTo(1);
    assertThat(r.snapshot().lastExitCode()).isEqualTo(2);
    assertThat(r.host()).isEqualTo("10.0.0.4");
    assertThat(r.handoffs()).isEqualTo(7);
    // the executor's next heartbeat knows nothing of the kubelet's restart: the registry still does
    registry.update(new HealthReport("4", "10.0.0.4", "kubernetes", ready, 8, now + 1), now + 1);
    assertThat(rows().get("4").snapshot().restarts()).isEqualTo(1);
    assertThat(registry.totalRestarts()).isEqualTo(1);
  }

  @Test
  void whileTheKubeletRestartsTheSidecarAnExecutorsReadyReportDoesNotHideItUntilThePodRunsAgain() {
    pod("7", true, crashLooping(1));
    PodStatusWatcher w = watcher("spark-0001");
    w.pollOnce();
    assertThat(rows().get("7").snapshot().reason()).contains("CrashLoopBackOff");
    long now = System.currentTimeMillis();
    Supervisor.Snapshot ready = new Supervisor.Snapshot(State.READY, 0, -1, "ready", "pods-exec-7/spark-sidecar", now, false);
    SidecarRegistry.Update<FailurePolicy.Action> u = registry.update(new HealthReport("7", "10.0.0.7", "kubernetes", ready, 0,
        now), now, policy::decide);
    assertThat(u.stored().snapshot().state()).isEqualTo(State.RESTARTING);
    assertThat(u.stored().snapshot().restarts()).isEqualTo(1);
    // the kubelet got it running again: the executor's next report counts as it is
    Pod p = client.pods().inNamespace("default").withName("pods-exec-7").get();
    p.getStatus().setInitContainerStatuses(List.of(running(1, 1)));
    client.pods().inNamespace("default").resource(p).updateStatus();
    w.pollOnce();
    u = registry.update(new HealthReport("7", "10.0.0.7", "kubernetes", ready, 0, now + 1), now + 1, policy::decide);
    assertThat(u.stored().snapshot().state()).isEqualTo(State.READY);
    assertThat(u.stored().snapshot().restarts()).isEqualTo(1);
    assertThat(u.stored().snapshot().lastExitCode()).isEqualTo(1);
  }

  @Test
  void podsOfOtherApplicationsAndDeletedPodsAreIgnored() {
    pod("5", true, crashLooping(1), "spark.app.id", "spark-other");
    watcher("spark-0001").pollOnce();
    assertThat(registry.size()).isZero();
    Pod p = client.pods().inNamespace("default").withName("pods-exec-5").get();
    p.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");
    assertThat(PodStatusWatcher.observe(p, 3)).isNull();
    p.getMetadata().setDeletionTimestamp(null);
    assertThat(PodStatusWatcher.observe(p, 3)).isNotNull();
  }

  @Test
  void theDaemonThreadPollsAtTheIntervalAndStopsOnClose() throws Exception {
    pod("6", true, crashLooping(1));
    PodStatusWatcher w = watcher("spark-0001").start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (rows().get("6") == null && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(rows().get("6")).isNotNull();
    } finally {
      w.close();
    }
    Thread t = Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().equals("spark-sidecar-pod-status"))
        .findFirst().orElse(null);
    if (t != null) {
      t.join(5_000);
      assertThat(t.isAlive()).isFalse();
    }
  }
}
