package io.sparksidecar.plugin.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SupervisorTest {
  private final FakeRuntime runtime = new FakeRuntime();
  private final List<Snapshot> seen = new CopyOnWriteArrayList<>();
  private Supervisor supervisor;

  private static final Readiness READY_WHEN_FLAGGED = instance ->
      ((FakeRuntime.FakeInstance) instance).ready ? Optional.empty() : Optional.of("the fake to be ready");

  private Supervisor supervisor(int maxRestarts) {
    return supervisor(new RestartPolicy(maxRestarts, Duration.ofMillis(10)));
  }

  private Supervisor supervisor(RestartPolicy policy) {
    SidecarSpec spec = new SidecarSpec("app-1", "7", SidecarSettings.from(Map.of("spark.sidecar.command", "x")),
        Map.of(), Path.of("."));
    supervisor = new Supervisor(runtime, spec, READY_WHEN_FLAGGED, policy,
        Duration.ofMillis(200), Duration.ofMillis(10), Duration.ofMillis(20), seen::add);
    return supervisor;
  }

  @AfterEach
  void close() {
    if (supervisor != null) {
      supervisor.close();
    }
  }

  private List<State> states() {
    return seen.stream().map(Snapshot::state).toList();
  }

  private void awaitState(State state) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (supervisor.snapshot().state() != state) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("never reached " + state + "; states " + states());
      }
      Thread.sleep(5);
    }
  }

  @Test
  void startsReadyAndReportsEveryChange() {
    Consumer<Snapshot> listener = mock();
    SidecarSpec spec = new SidecarSpec("app-1", "7", SidecarSettings.from(Map.of("spark.sidecar.command", "x")), Map.of(), Path.of("."));
    supervisor = new Supervisor(runtime, spec, READY_WHEN_FLAGGED, new RestartPolicy(1, Duration.ofMillis(10)),
        Duration.ofMillis(200), Duration.ofMillis(10), Duration.ofMillis(20), listener);
    supervisor.start();
    assertThat(supervisor.snapshot().state()).isEqualTo(State.READY);
    assertThat(supervisor.snapshot().instanceId()).isEqualTo(runtime.started.get(0).id);
    verify(listener, atLeastOnce()).accept(argThat(s -> s.state() == State.STARTING));
    verify(listener, atLeastOnce()).accept(argThat(s -> s.state() == State.READY));
  }

  @Test
  void aCrashIsRestartedInPlaceAndCounted() throws Exception {
    supervisor(2).start();
    runtime.started.get(0).crash(3);
    awaitState(State.RESTARTING);
    awaitState(State.READY);
    Snapshot s = supervisor.snapshot();
    assertThat(s.restarts()).isEqualTo(1);
    assertThat(s.lastExitCode()).isEqualTo(3);
    assertThat(runtime.started).hasSize(2);
    assertThat(runtime.started.get(0).stopped).isTrue();
    assertThat(seen.stream().filter(x -> x.state() == State.RESTARTING).findFirst().orElseThrow().reason())
        .contains("executor 7").contains("exited with 3").contains("log of");
  }

  @Test
  void tooManyCrashesFailForGoodWithTheLastReason() throws Exception {
    supervisor(1).start();
    runtime.started.get(0).crash(1);
    long deadline = System.currentTimeMillis() + 5000;
    while (runtime.started.size() < 2 || supervisor.snapshot().state() != State.READY) {
      assertThat(System.currentTimeMillis()).as("restarted once").isLessThan(deadline);
      Thread.sleep(5);
    }
    runtime.started.get(1).crash(137);
    awaitState(State.FAILED);
    assertThat(supervisor.snapshot().reason()).contains("killed by signal 9").contains("gave up after 1 restart(s)");
    assertThatThrownBy(() -> supervisor.awaitReady(Duration.ofSeconds(1)))
        .isInstanceOf(SidecarException.class).hasMessageContaining("FAILED").hasMessageContaining("gave up");
  }

  /** Crashes the current instance and waits until its replacement is ready. */
  private void crashAndAwaitRestart(int exit) throws Exception {
    int before = runtime.started.size();
    runtime.started.get(before - 1).crash(exit);
    long deadline = System.currentTimeMillis() + 5000;
    while (runtime.started.size() <= before || supervisor.snapshot().state() != State.READY) {
      assertThat(System.currentTimeMillis()).as("restarted; states %s", states()).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void onlyRestartsWithinTheWindowCount() throws Exception {
    supervisor(new RestartPolicy(1, Duration.ofMillis(10), Duration.ofMillis(300))).start();
    crashAndAwaitRestart(1);
    Thread.sleep(400); // the first restart leaves the window
    crashAndAwaitRestart(2);
    Thread.sleep(400);
    crashAndAwaitRestart(3);
    assertThat(supervisor.snapshot().restarts()).as("total restarts reported").isEqualTo(3);
    runtime.started.get(3).crash(4); // the second crash within 300 ms: over the limit
    awaitState(State.FAILED);
    assertThat(supervisor.snapshot().reason()).contains("exited with 4").contains("gave up after 1 restart(s) within 300 ms");
  }

  @Test
  void neverReadyFailsStartNamingWhatWasAwaitedAndLeavesNothingRunning() {
    runtime.then(new FakeRuntime.FakeInstance().notReady()).then(new FakeRuntime.FakeInstance().notReady());
    assertThatThrownBy(() -> supervisor(1).start())
        .isInstanceOf(SidecarException.class)
        .hasMessageContaining("never ready after")
        .hasMessageContaining("the fake to be ready")
        .hasMessageContaining("gave up after 1 restart(s)");
    assertThat(runtime.started).allMatch(i -> i.stopped);
    assertThat(supervisor.snapshot().state()).isEqualTo(State.FAILED);
  }

  @Test
  void aPermanentFailureIsNotRetried() {
    runtime.then(SidecarException.permanent("image nope:1 not found", null));
    assertThatThrownBy(() -> supervisor(5).start()).hasMessageContaining("image nope:1 not found");
    assertThat(supervisor.snapshot().state()).isEqualTo(State.FAILED);
    assertThat(supervisor.snapshot().restarts()).isZero();
    assertThat(states()).doesNotContain(State.RESTARTING);
  }

  @Test
  void awaitReadyWaitsThroughARestart() throws Exception {
    supervisor(3).start();
    FakeRuntime.FakeInstance slow = new FakeRuntime.FakeInstance().notReady();
    runtime.then(slow);
    runtime.started.get(0).crash(1);
    awaitState(State.RESTARTING);
    new Thread(() -> {
      try {
        Thread.sleep(100);
      } catch (InterruptedException ignored) {
        // test thread
      }
      slow.ready = true;
    }).start();
    supervisor.awaitReady(Duration.ofSeconds(5));
    assertThat(supervisor.snapshot().state()).isEqualTo(State.READY);
  }

  @Test
  void unhealthyAndBack() throws Exception {
    supervisor(1).start();
    runtime.started.get(0).status = InstanceStatus.alive("unhealthy");
    awaitState(State.UNHEALTHY);
    runtime.started.get(0).status = InstanceStatus.alive("healthy");
    awaitState(State.READY);
    assertThat(supervisor.snapshot().restarts()).isZero();
  }

  @Test
  void closingAFailedSidecarKeepsWhyItFailed() throws Exception {
    supervisor(0).start();
    runtime.started.get(0).crash(3);
    awaitState(State.FAILED);
    supervisor.close();
    assertThat(supervisor.snapshot().state()).isEqualTo(State.STOPPED);
    assertThat(supervisor.snapshot().lastExitCode()).isEqualTo(3);
    assertThat(supervisor.snapshot().reason()).startsWith("stopped; had failed: ").contains("exited with 3");
  }

  @Test
  void closeStopsTheInstanceOnce() {
    supervisor(1).start();
    supervisor.close();
    supervisor.close();
    assertThat(runtime.started.get(0).stopped).isTrue();
    assertThat(supervisor.snapshot().state()).isEqualTo(State.STOPPED);
    assertThat(states().stream().filter(s -> s == State.STOPPED).count()).isEqualTo(1);
  }

  @Test
  void restartPolicyBacksOffAndCaps() {
    RestartPolicy p = new RestartPolicy(10, Duration.ofSeconds(1));
    assertThat(p.delayBeforeRestart(0)).contains(Duration.ofSeconds(1));
    assertThat(p.delayBeforeRestart(2)).contains(Duration.ofSeconds(4));
    assertThat(p.delayBeforeRestart(9)).contains(Duration.ofSeconds(30));
    assertThat(p.delayBeforeRestart(10)).isEmpty();
    assertThat(new RestartPolicy(0, Duration.ofSeconds(1)).delayBeforeRestart(0)).isEmpty();
  }

  @Test
  void restartPolicyForgetsRestartsOutsideItsWindow() {
    RestartPolicy p = new RestartPolicy(3, Duration.ofSeconds(1), Duration.ofMinutes(10));
    java.util.Deque<Long> times = new java.util.ArrayDeque<>(List.of(0L, Duration.ofMinutes(5).toNanos(), Duration.ofMinutes(9).toNanos()));
    assertThat(p.recent(times, Duration.ofMinutes(10).toNanos())).isEqualTo(3);
    assertThat(p.recent(times, Duration.ofMinutes(14).toNanos())).isEqualTo(2);
    assertThat(p.recent(times, Duration.ofMinutes(30).toNanos())).isZero();
    assertThat(p.describe(2)).isEqualTo("2 restart(s) within 10 min");
    assertThat(new RestartPolicy(3, Duration.ofSeconds(1)).describe(2)).isEqualTo("2 restart(s)");
  }
}
