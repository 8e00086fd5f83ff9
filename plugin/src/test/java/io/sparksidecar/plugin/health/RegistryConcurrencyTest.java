package io.sparksidecar.plugin.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.health.FailurePolicy.Action;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The registry as Spark drives it: several RPC threads at once, reports out of order, executors coming and going. */
@Timeout(30)
class RegistryConcurrencyTest {
  private static HealthReport report(String id, State state, int restarts, long sent) {
    return new HealthReport(id, "h", "docker", new Snapshot(state, restarts, -1, state.name(), "c", sent, false), 0, sent);
  }

  @Test
  void aFailureDeliveredOnManyRpcThreadsAtOnceIsActedOnOnce() throws Exception {
    FailurePolicy policy = new FailurePolicy("replaceExecutor");
    for (int round = 0; round < 50; round++) {
      SidecarRegistry r = new SidecarRegistry(30_000);
      r.update(report("1", State.READY, 0, 1), 1, policy::decide);
      List<Action> actions = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread th = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          // the FAILED report and a heartbeat repeating it, as the reporter sends them
          SidecarRegistry.Update<Action> u = r.update(report("1", State.FAILED, 3, 2), 2, policy::decide);
          if (u.decision() != null && u.decision() != Action.NONE) {
            actions.add(u.decision());
          }
        });
        th.start();
        threads.add(th);
      }
      go.countDown();
      for (Thread th : threads) {
        th.join();
      }
      assertThat(actions).as("round %d", round).containsExactly(Action.REPLACE_EXECUTOR);
    }
  }

  @Test
  void aReportSentEarlierButDeliveredLaterChangesNothing() {
    SidecarRegistry r = new SidecarRegistry(30_000);
    r.update(report("1", State.FAILED, 3, 2_000), 2_000);
    SidecarRegistry.Update<Action> late = r.update(report("1", State.READY, 0, 1_000), 2_100,
        new FailurePolicy("replaceExecutor")::decide);
    assertThat(late.recorded()).isFalse();
    assertThat(late.decision()).isNull();
    assertThat(r.entries(2_100)).singleElement().satisfies(e -> assertThat(e.report().snapshot().state()).isEqualTo(State.FAILED));
  }

  @Test
  void deadExecutorsAreEvictedOldestFirstBeyondTheRetainedNumberAndTheirRestartsStillCount() {
    SidecarRegistry r = new SidecarRegistry(30_000, 100);
    for (int i = 0; i < 300; i++) {
      r.update(report("dead-" + i, State.STOPPED, 1, i), i);
    }
    for (int i = 0; i < 5; i++) {
      r.update(report("live-" + i, State.READY, 0, 500), 500);
    }
    r.update(report("live-0", State.READY, 0, 5_000), 5_000); // a later update triggers a pass
    assertThat(r.size()).isEqualTo(105);
    assertThat(r.entries(5_000)).extracting(e -> e.report().executorId()).contains("dead-299", "live-4")
        .doesNotContain("dead-0", "dead-199");
    assertThat(r.totalRestarts()).as("restarts of evicted executors are kept in the total").isEqualTo(300);
  }

  @Test
  void anExecutorSparkRemovedNoLongerCountsAsReadyAndItsLateReportsAreDropped() {
    SidecarRegistry r = new SidecarRegistry(30_000);
    r.update(report("1", State.READY, 2, 1_000), 1_000);
    r.update(report("2", State.READY, 0, 1_000), 1_000);
    assertThat(r.executorRemoved("1", "Command exited with code 137", 2_000)).isTrue();
    assertThat(r.count(State.READY, 2_000)).isEqualTo(1);
    assertThat(r.entries(2_000)).filteredOn(e -> e.report().executorId().equals("1")).singleElement()
        .satisfies(e -> assertThat(e.report().snapshot().reason()).contains("executor removed: Command exited with code 137"));
    assertThat(r.update(report("1", State.READY, 2, 1_500), 2_100).snapshot().state())
        .as("a heartbeat sent before the removal, delivered after").isEqualTo(State.STOPPED);
    assertThat(r.count(State.READY, 2_100)).isEqualTo(1);
    assertThat(r.executorRemoved("1", "again", 3_000)).as("already stopped").isFalse();
    assertThat(r.executorRemoved("9", "never reported", 3_000)).isFalse();
    assertThat(r.totalRestarts()).isEqualTo(2);
  }
}
