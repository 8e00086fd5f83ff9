package io.sparksidecar.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.runtime.Supervisor;
import org.junit.jupiter.api.Test;

/** The last failure outlives a recovery; a run without one says so (a local-mode stop drops the log then). */
class FailureMemoryTest {
  @Test
  void remembersAFailureAcrossARecoveryAndNothingElse() {
    FailureMemory m = new FailureMemory();
    m.observe(new Supervisor.Snapshot(Supervisor.State.STARTING, 0, 0, "starting", "i1", 1, false));
    m.observe(new Supervisor.Snapshot(Supervisor.State.READY, 0, 0, "ready", "i1", 2, false));
    assertThat(m.any()).isFalse();
    m.observe(new Supervisor.Snapshot(Supervisor.State.RESTARTING, 1, 137, "exited with 137", "i1", 3, false));
    m.observe(new Supervisor.Snapshot(Supervisor.State.READY, 1, 0, "ready", "i2", 4, false));
    assertThat(m.any()).isTrue();
    assertThat(m.activity(HandoffTotals.NONE).lastFailure()).isEqualTo("exited with 137");
  }
}
