package io.sparksidecar.plugin.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.health.FailurePolicy.Action;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import org.junit.jupiter.api.Test;

class RegistryAndPolicyTest {
  private static HealthReport report(String id, State state, int restarts, boolean permanent) {
    return new HealthReport(id, "host-" + id, "docker", new Snapshot(state, restarts, state == State.FAILED ? 3 : -1,
        state == State.FAILED ? "exited with 3" : "ok", "c-" + id, 0, permanent), 5, 0);
  }

  @Test
  void registryCountsStatesMarksSilentExecutorsStaleAndPrintsATable() {
    SidecarRegistry r = new SidecarRegistry(30_000);
    r.update(report("1", State.READY, 0, false), 1_000);
    r.update(report("2", State.READY, 2, false), 1_000);
    r.update(report("3", State.FAILED, 3, false), 1_000);
    r.update(report("2", State.UNHEALTHY, 2, false), 20_000);
    assertThat(r.count(State.READY, 20_000)).isEqualTo(1);
    assertThat(r.count(State.UNHEALTHY, 20_000)).isEqualTo(1);
    assertThat(r.totalRestarts()).isEqualTo(5);
    assertThat(r.stale(20_000)).isZero();
    // executor 1 said nothing for 40 s: stale; a FAILED executor is final, never stale
    assertThat(r.stale(41_000)).isEqualTo(1);
    assertThat(r.count(State.READY, 41_000)).isZero();
    String table = r.table(41_000);
    assertThat(table).contains("executor").contains("STALE").contains("UNHEALTHY").contains("FAILED").contains("exited with 3");
    assertThat(table.lines()).hasSize(4);
  }

  @Test
  void reportsCrossTheRpcAsJdkTypesOnly() throws Exception {
    HealthReport r = new HealthReport("4", "h", "docker", new Snapshot(State.FAILED, 2, 137, "was OOM-killed\nlog", "abc", 9, true), 12, 99);
    Object wire = r.toWire();
    assertThat(wire.getClass().getName()).startsWith("java.");
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    new java.io.ObjectOutputStream(bytes).writeObject(wire);
    Object back = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())).readObject();
    assertThat(HealthReport.fromWire(back)).isEqualTo(r);
    assertThat(HealthReport.fromWire("something else")).isNull();
    assertThat(HealthReport.expectsReply(r.toWire(true))).isTrue();
    assertThat(HealthReport.expectsReply(wire)).isFalse();
    assertThat(HealthReport.fromWire(r.toWire(true))).isEqualTo(r);
  }

  @Test
  void failurePolicyActsOncePerFailure() {
    FailurePolicy replace = new FailurePolicy("replaceExecutor");
    HealthReport ready = report("1", State.READY, 0, false);
    HealthReport failed = report("1", State.FAILED, 3, false);
    assertThat(replace.decide(null, ready)).isEqualTo(Action.NONE);
    assertThat(replace.decide(ready, failed)).isEqualTo(Action.REPLACE_EXECUTOR);
    assertThat(replace.decide(failed, failed)).as("repeated report").isEqualTo(Action.NONE);
    assertThat(new FailurePolicy("failApplication").decide(ready, failed)).isEqualTo(Action.FAIL_APPLICATION);
    assertThat(new FailurePolicy("ignore").decide(ready, failed)).isEqualTo(Action.NONE);
  }

  @Test
  void aPermanentFailureFailsTheApplicationInsteadOfRespawningExecutors() {
    HealthReport missingImage = report("1", State.FAILED, 0, true);
    assertThat(new FailurePolicy("replaceExecutor").decide(null, missingImage)).isEqualTo(Action.FAIL_APPLICATION);
    assertThat(new FailurePolicy("ignore").decide(null, missingImage)).isEqualTo(Action.NONE);
  }
}
