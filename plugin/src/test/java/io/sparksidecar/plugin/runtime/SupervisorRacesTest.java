package io.sparksidecar.plugin.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The supervisor's threads against each other: recycle vs watch, close vs restart, start-up bounds, failing probes. */
@Timeout(30)
class SupervisorRacesTest {
  private final FakeRuntime runtime = new FakeRuntime();
  private final List<Snapshot> seen = new CopyOnWriteArrayList<>();
  private Supervisor supervisor;

  private static final Readiness READY_WHEN_FLAGGED = instance ->
      ((FakeRuntime.FakeInstance) instance).ready ? Optional.empty() : Optional.of("the fake to be ready");

  private Supervisor supervisor(RestartPolicy policy, Consumer<Snapshot> listener) {
    SidecarSpec spec = new SidecarSpec("app-1", "7", SidecarSettings.from(Map.of("spark.sidecar.command", "x")),
        Map.of(), Path.of("."));
    supervisor = new Supervisor(runtime, spec, READY_WHEN_FLAGGED, policy,
        Duration.ofMillis(200), Duration.ofMillis(10), Duration.ofMillis(20), listener);
    return supervisor;
  }

  @AfterEach
  void close() {
    if (supervisor != null) {
      supervisor.close();
    }
  }

  @Test
  void theInstanceThatRecycleStopsIsNotTakenForACrash() throws Exception {
    supervisor(new RestartPolicy(3, Duration.ofMillis(10)), seen::add).start();
    // recycle stops the running instance (it exits 143) and takes a while before the next one runs:
    // the watch thread polls every 20 ms meanwhile and must not restart "the crash"
    supervisor.recycle(Duration.ZERO, () -> sleep(300));
    Thread.sleep(200);
    assertThat(supervisor.snapshot().restarts()).as("restarts; states %s", seen.stream().map(Snapshot::state).toList())
        .isZero();
    assertThat(runtime.started).as("the first instance and the recycled one, nothing more").hasSize(2);
    assertThat(supervisor.snapshot().state()).isEqualTo(State.READY);
  }

  @Test
  void aSpentOneShotInstanceIsReplacedAtOnceWhenAskedWithoutARestart() throws Exception {
    java.util.concurrent.atomic.AtomicInteger cleared = new java.util.concurrent.atomic.AtomicInteger();
    supervisor(new RestartPolicy(0, Duration.ofMillis(10)), seen::add).oneShot(true)
        .recycleWhenSpent(cleared::incrementAndGet).start();
    for (int i = 0; i < 3; i++) {
      runtime.started.get(i).crash(0); // a legacy image: one hand-off, then exit 0
      long deadline = System.currentTimeMillis() + 5000;
      while (runtime.started.size() < i + 2) {
        assertThat(System.currentTimeMillis()).as("replacement %d started", i + 1).isLessThan(deadline);
        Thread.sleep(5);
      }
    }
    Thread.sleep(100);
    assertThat(cleared.get()).as("flags cleared before each replacement").isEqualTo(3);
    assertThat(runtime.started).as("the first instance and three replacements").hasSize(4);
    assertThat(runtime.started.subList(0, 3)).allMatch(i -> i.stopped);
    assertThat(supervisor.snapshot().restarts()).isZero();
    assertThat(supervisor.snapshot().state()).isEqualTo(State.READY);
    assertThat(supervisor.snapshot().instanceId()).isEqualTo(runtime.started.get(3).id);
  }

  @Test
  void aReplacementThatDoesNotStartCountsAsACrash() throws Exception {
    supervisor(new RestartPolicy(0, Duration.ofMillis(10)), seen::add).oneShot(true).recycleWhenSpent(() -> {}).start();
    runtime.then(new FakeRuntime.FakeInstance().notReady());
    runtime.started.get(0).crash(0);
    long deadline = System.currentTimeMillis() + 5000;
    while (supervisor.snapshot().state() != State.FAILED) {
      assertThat(System.currentTimeMillis()).as("states %s", seen.stream().map(Snapshot::state).toList()).isLessThan(deadline);
      Thread.sleep(5);
    }
    assertThat(supervisor.snapshot().reason()).contains("the next one-shot instance did not start");
  }

  @Test
  void aClientRecycleAndTheWatchThreadNeverReplaceTheFreshInstance() throws Exception {
    supervisor(new RestartPolicy(0, Duration.ofMillis(10)), seen::add).oneShot(true).recycleWhenSpent(() -> {}).start();
    for (int i = 0; i < 5; i++) {
      FakeRuntime.FakeInstance spentOne = runtime.started.get(runtime.started.size() - 1);
      spentOne.statusDelayMillis = 150; // the watch thread reads "exited 0" slowly...
      spentOne.crash(0);
      Thread.sleep(40); // ...and is inside that read now
      supervisor.recycle(Duration.ofSeconds(1), () -> {}); // the Java client's own cycle replaces it meanwhile
      int count = runtime.started.size();
      FakeRuntime.FakeInstance fresh = runtime.started.get(count - 1);
      Thread.sleep(300); // the late watch thread must not take the fresh instance for spent
      assertThat(fresh.stopped).as("round %d: the fresh instance still runs", i).isFalse();
      assertThat(runtime.started).as("round %d: nothing replaced the fresh instance", i).hasSize(count);
      assertThat(supervisor.snapshot().instanceId()).isEqualTo(fresh.id);
    }
    assertThat(supervisor.snapshot().restarts()).isZero();
  }

  @Test
  void closeDuringARestartBackoffStartsNoNewInstance() throws Exception {
    supervisor(new RestartPolicy(3, Duration.ofMillis(500)), seen::add).start();
    runtime.started.get(0).crash(3);
    long deadline = System.currentTimeMillis() + 5000;
    while (supervisor.snapshot().state() != State.RESTARTING) {
      assertThat(System.currentTimeMillis()).isLessThan(deadline);
      Thread.sleep(5);
    }
    supervisor.close();
    Thread.sleep(700); // past the backoff
    assertThat(runtime.started).as("no instance launched after close").hasSize(1);
    assertThat(supervisor.snapshot().state()).isEqualTo(State.STOPPED);
  }

  @Test
  void startUpIsBoundedAsAWholeByTheStartupTimeout() {
    for (int i = 0; i < 100; i++) {
      runtime.then(new FakeRuntime.FakeInstance().notReady());
    }
    supervisor(new RestartPolicy(100, Duration.ofMillis(10)), seen::add).startupTimeout(Duration.ofSeconds(1));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> supervisor.start()).isInstanceOf(SidecarException.class)
        .hasMessageContaining("startup timeout").hasMessageContaining("the fake to be ready");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(ms).as("start-up bounded by 1 s (+ one readiness poll)").isLessThan(1_600);
    assertThat(supervisor.snapshot().state()).isEqualTo(State.FAILED);
    assertThat(supervisor.snapshot().permanent()).as("a slow start is not a permanent failure").isFalse();
    assertThat(runtime.started).allMatch(i -> i.stopped);
  }

  @Test
  void aStatusProbeThatThrowsDoesNotEndSupervision() throws Exception {
    AtomicInteger failures = new AtomicInteger(5);
    FakeRuntime.FakeInstance flaky = new FakeRuntime.FakeInstance() {
      @Override
      public InstanceStatus status() {
        if (failures.get() > 0 && failures.decrementAndGet() >= 0 && supervisor.snapshot().state() == State.READY) {
          throw new SidecarException("engine hiccup");
        }
        return super.status();
      }
    };
    runtime.then(flaky);
    supervisor(new RestartPolicy(3, Duration.ofMillis(10)), seen::add).start();
    while (failures.get() > 0) {
      Thread.sleep(10);
    }
    flaky.crash(3);
    long deadline = System.currentTimeMillis() + 5000;
    while (runtime.started.size() < 2 || supervisor.snapshot().state() != State.READY) {
      assertThat(System.currentTimeMillis()).as("the crash after the failed probes is still restarted").isLessThan(deadline);
      Thread.sleep(5);
    }
    assertThat(supervisor.snapshot().restarts()).isEqualTo(1);
  }

  @Test
  void aThrowingListenerDoesNotStopSupervision() throws Exception {
    supervisor(new RestartPolicy(3, Duration.ofMillis(10)), s -> {
      seen.add(s);
      throw new IllegalStateException("listener bug");
    }).start();
    runtime.started.get(0).crash(3);
    long deadline = System.currentTimeMillis() + 5000;
    while (runtime.started.size() < 2 || supervisor.snapshot().state() != State.READY) {
      assertThat(System.currentTimeMillis()).isLessThan(deadline);
      Thread.sleep(5);
    }
    assertThat(seen.stream().map(Snapshot::state)).contains(State.RESTARTING, State.READY);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
