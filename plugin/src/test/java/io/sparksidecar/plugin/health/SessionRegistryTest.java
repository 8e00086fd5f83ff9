package io.sparksidecar.plugin.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.metrics.HandoffRecorder;
import io.sparksidecar.plugin.metrics.HandoffTotals;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Session sidecars in the health report and the driver's registry: per (executor, session), bounded, counted. */
class SessionRegistryTest {
  private static final String A = "aaaaaaaa-0000-0000-0000-000000000001";
  private static final String B = "bbbbbbbb-0000-0000-0000-000000000002";

  private static SessionReport session(String uuid, State state, int restarts, int done, String lastFailure, long started) {
    HandoffRecorder rec = new HandoffRecorder();
    for (int i = 0; i < done; i++) {
      rec.succeeded(2_000_000, 100, 300);
    }
    return new SessionReport(uuid, "connect-" + uuid.charAt(0), "process", new Snapshot(state, restarts, restarts > 0 ? 137 : -1,
        state == State.FAILED ? "session " + uuid + ": no program 'tool'" : "ready", "pid " + (1000 + restarts), 500, false),
        new ExecutorActivity(rec.totals(), lastFailure, lastFailure.isEmpty() ? 0 : 400), started);
  }

  private static HealthReport report(String executor, long sent, SessionReport... sessions) {
    return new HealthReport(executor, "host-" + executor, "process", new Snapshot(State.READY, 0, -1, "ready", "pid 1", 0, false),
        0, sent, ExecutorActivity.none(0), List.of(sessions));
  }

  @Test
  void sessionsCrossTheRpcAsJdkStringsAndAnOlderSenderHasNone() throws Exception {
    HealthReport r = report("3", 99, session(A, State.READY, 1, 4, "exited with 137; last lines of its log:\nKilled", 10),
        session(B, State.FAILED, 0, 0, "", 20));
    HashMap<String, String> wire = r.toWire();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    new java.io.ObjectOutputStream(bytes).writeObject(wire); // what Spark's RPC does, with JDK classes only
    Object back = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())).readObject();
    HealthReport read = HealthReport.fromWire(back);
    assertThat(read).isEqualTo(r);
    assertThat(read.sessions()).hasSize(2);
    assertThat(read.sessions().get(0).activity().lastFailure()).endsWith("Killed");
    assertThat(read.sessions().get(0).activity().handoffs().done()).isEqualTo(4);
    assertThat(read.sessions().get(0).activity().handoffs().bytesOut()).isEqualTo(1200);
    // the executor-wide sidecar's keys are untouched by the sessions' (an older driver reads them as before)
    HashMap<String, String> plain = report("3", 99).toWire();
    assertThat(wire).containsAllEntriesOf(plain);
    wire.keySet().removeIf(k -> k.equals("sessions") || k.startsWith("s."));
    assertThat(HealthReport.fromWire(wire).sessions()).isEmpty();
  }

  @Test
  void theRegistryKeepsSessionsPerExecutorAndCountsTheirStatesRestartsAndHandoffs() {
    SidecarRegistry r = new SidecarRegistry(30_000);
    List<HandoffTotals> growth = new ArrayList<>();
    r.sessions().onHandoffs(growth::add);
    r.update(report("1", 1_000, session(A, State.READY, 0, 2, "", 10), session(B, State.READY, 0, 0, "", 20)), 1_000);
    r.update(report("2", 1_000, session(A, State.FAILED, 0, 0, "", 30)), 1_000);
    assertThat(r.sessionCount(State.READY, 1_000)).isEqualTo(2);
    assertThat(r.sessionCount(State.FAILED, 1_000)).isEqualTo(1);
    // a crash of A's sidecar on executor 1: one restart, its hand-offs grow; an older report delivered late changes nothing
    r.update(report("1", 2_000, session(A, State.READY, 1, 5, "exited with 137", 10), session(B, State.READY, 0, 1, "", 20)), 2_000);
    r.update(report("1", 1_500, session(A, State.READY, 0, 3, "", 10), session(B, State.READY, 0, 0, "", 20)), 2_100);
    assertThat(r.sessions().restarts()).isEqualTo(1);
    assertThat(r.sessions().handoffs().done()).isEqualTo(6);
    assertThat(growth.stream().mapToLong(HandoffTotals::done).sum()).isEqualTo(6);
    // both executors fell silent: their session sidecars are stale, not ready (a FAILED one too: its executor says nothing)
    assertThat(r.sessionStale(40_000)).isEqualTo(3);
    assertThat(r.sessionCount(State.READY, 40_000)).isZero();
    String table = r.table(2_100);
    assertThat(table).contains("session sidecars (Spark Connect):").containsPattern("1 +" + A + " +process +READY +1 +137 +5")
        .contains(B).containsPattern("2 +" + A + " +process +FAILED").contains("no program 'tool'");
  }

  @Test
  void aSessionSidecarThatLeavesIsKeptStoppedWithTheReasonAndItsCountsStay() {
    SidecarRegistry r = new SidecarRegistry(30_000);
    Set<String> closed = new java.util.HashSet<>();
    r.sessions().closedSessions(closed::contains);
    r.update(report("1", 1_000, session(A, State.READY, 2, 3, "", 10), session(B, State.READY, 0, 1, "", 20)), 1_000);
    closed.add("connect-a");
    r.update(report("1", 2_000, session(B, State.READY, 0, 1, "", 20)), 2_000); // A stopped on the executor
    assertThat(r.sessionCount(State.READY, 2_000)).isEqualTo(1);
    List<SessionHistory.Stopped> stopped = r.sessions().stopped();
    assertThat(stopped).hasSize(1);
    assertThat(stopped.get(0).executorId()).isEqualTo("1");
    assertThat(stopped.get(0).report().snapshot().state()).isEqualTo(State.STOPPED);
    assertThat(stopped.get(0).report().snapshot().reason()).isEqualTo("stopped: its Spark Connect session connect-a closed");
    assertThat(r.sessions().restarts()).as("restarts of a session gone still count").isEqualTo(2);
    assertThat(r.sessions().handoffs().done()).isEqualTo(4);
    assertThat(r.table(2_000)).containsPattern("1 +" + A + " +process +STOPPED +2");
    // B idled out on the executor: the generic reason names the key
    r.update(report("1", 3_000), 3_000);
    assertThat(r.sessions().stopped()).last().satisfies(s -> assertThat(s.report().snapshot().reason())
        .contains("spark.sidecar.session.idleTimeout"));
    // the session comes back on that executor (its next task): no longer listed as stopped there
    r.update(report("1", 4_000, session(B, State.READY, 0, 0, "", 40)), 4_000);
    assertThat(r.sessions().stopped()).extracting(s -> s.report().uuid()).containsExactly(A);
  }

  @Test
  void anExecutorRemovedTakesItsSessionSidecarsAlongAndLateReportsDoNotBringThemBack() {
    SidecarRegistry r = new SidecarRegistry(30_000);
    r.update(report("1", 1_000, session(A, State.READY, 0, 0, "", 10)), 1_000);
    assertThat(r.executorRemoved("1", "Command exited with code 137", 2_000)).isTrue();
    assertThat(r.sessionCount(State.READY, 2_000)).isZero();
    assertThat(r.sessions().stopped()).singleElement().satisfies(s -> assertThat(s.report().snapshot().reason())
        .isEqualTo("stopped: executor 1 removed: Command exited with code 137"));
    r.update(report("1", 1_500, session(A, State.READY, 0, 0, "", 10)), 2_500); // sent before the removal
    assertThat(r.sessionCount(State.READY, 2_500)).isZero();
  }

  @Test
  void stoppedSessionSidecarsAreBoundedAndAFailedExecutorWideSidecarKeepsItsLiveSessions() {
    SidecarRegistry r = new SidecarRegistry(30_000, 0);
    for (int i = 0; i < 3 * SessionHistory.DEFAULT_RETAINED; i++) {
      String uuid = String.format("%08d-0000-0000-0000-000000000000", i);
      r.update(report("e" + (i % 10), 1_000L * i, session(uuid, State.READY, 0, 0, "", i)), 1_000L * i);
      r.update(report("e" + (i % 10), 1_000L * i + 1), 1_000L * i + 1);
    }
    assertThat(r.sessions().stopped()).hasSize(SessionHistory.DEFAULT_RETAINED);
    assertThat(r.sessions().stopped().get(0).report().uuid()).as("the oldest went first")
        .isEqualTo(String.format("%08d-0000-0000-0000-000000000000", 2 * SessionHistory.DEFAULT_RETAINED));
    // an executor whose own sidecar failed still runs session sidecars: its row is not evicted as dead
    HealthReport failedWide = new HealthReport("x", "h", "process", new Snapshot(State.FAILED, 0, 1, "exit 1", "", 0, false), 0,
        10_000_000, ExecutorActivity.none(0), List.of(session(A, State.READY, 0, 0, "", 1)));
    r.update(failedWide, 10_000_000);
    r.update(report("y", 10_002_000), 10_002_000); // a second later: an eviction pass (retainedDead = 0)
    assertThat(r.entries(10_002_000)).extracting(e -> e.report().executorId()).contains("x");
  }

  @Test
  void aSilentExecutorDroppedFromTheRegistryLeavesItsSessionSidecarsListedAsStoppedWithTheirCounts() {
    SidecarRegistry r = new SidecarRegistry(1_000, 0);
    r.update(report("1", 1_000, session(A, State.READY, 2, 3, "", 10)), 1_000); // then silent
    long later = 1_000 + 11 * 1_000;                                            // past 10 x staleAfter
    r.update(report("2", later), later);                                        // an eviction pass
    assertThat(r.entries(later)).extracting(e -> e.report().executorId()).containsExactly("2");
    assertThat(r.sessions().stopped()).singleElement().satisfies(s -> {
      assertThat(s.executorId()).isEqualTo("1");
      assertThat(s.report().snapshot().state()).isEqualTo(State.STOPPED);
      assertThat(s.report().snapshot().reason()).isEqualTo("stopped: executor 1 silent for 11 s, dropped from the registry");
    });
    assertThat(r.sessions().handoffs().done()).isEqualTo(3);
    assertThat(r.sessions().restarts()).isEqualTo(2);
  }

  @Test
  void aFailedSessionSidecarFailsOnlyThatSessionsTasksUnderEveryPolicy() {
    SessionReport ready = session(A, State.READY, 0, 0, "", 10);
    SessionReport failed = session(A, State.FAILED, 0, 0, "", 10);
    for (String policy : List.of("ignore", "replaceExecutor", "failApplication")) {
      FailurePolicy p = new FailurePolicy(policy);
      assertThat(p.decideSession(ready, failed)).as(policy).isEqualTo(FailurePolicy.SessionAction.FAIL_SESSION_TASKS);
      assertThat(p.decideSession(null, failed)).as(policy).isEqualTo(FailurePolicy.SessionAction.FAIL_SESSION_TASKS);
      assertThat(p.decideSession(failed, failed)).as("%s: once per failure", policy).isEqualTo(FailurePolicy.SessionAction.NONE);
      assertThat(p.decideSession(failed, session(A, State.FAILED, 0, 0, "", 11))).as("%s: a new sidecar that failed again", policy)
          .isEqualTo(FailurePolicy.SessionAction.FAIL_SESSION_TASKS);
      assertThat(p.decideSession(null, ready)).isEqualTo(FailurePolicy.SessionAction.NONE);
      // and the executor's own decision is untouched by its sessions: a READY executor-wide sidecar is no failure
      HealthReport withFailedSession = report("1", 1, failed);
      assertThat(p.decide(null, withFailedSession)).isEqualTo(FailurePolicy.Action.NONE);
    }
  }
}
