package io.sparksidecar.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/** The health report's wire form with hand-off totals and the last failure, both ways compatible. */
class ActivityWireTest {
  @Test
  void activityTravelsWithTheReport() {
    HandoffRecorder rec = new HandoffRecorder();
    rec.succeeded(3_000_000, 10, 30);
    rec.failed(7);
    FailureMemory failures = new FailureMemory();
    failures.observe(new Snapshot(State.RESTARTING, 1, 3, "exited with 3; last lines of its log:\nboom", "c", 42, false));
    failures.observe(new Snapshot(State.READY, 1, 3, "ready again", "c", 50, false)); // a recovery keeps the failure
    HealthReport r = new HealthReport("3", "h", "docker", new Snapshot(State.READY, 1, 3, "ready again", "c", 50, false), 1, 60,
        failures.activity(rec.totals()));
    HashMap<String, String> wire = r.toWire();
    assertThat(wire.values()).allMatch(v -> v instanceof String);
    HealthReport back = HealthReport.fromWire(wire);
    assertThat(back).isEqualTo(r);
    assertThat(back.activity().lastFailure()).endsWith("boom");
    assertThat(back.activity().lastFailureMillis()).isEqualTo(42);
    assertThat(back.activity().handoffs().failed()).isEqualTo(1);
    assertThat(back.activity().handoffs().bytesIn()).isEqualTo(17);
  }

  @Test
  void aReportOfAnOlderSenderReadsAsNoActivityButItsCount() {
    HealthReport r = new HealthReport("3", "h", "docker", new Snapshot(State.READY, 0, -1, "ready", "c", 50, false), 5, 60);
    HashMap<String, String> wire = r.toWire();
    wire.keySet().removeIf(k -> k.startsWith("h.") || k.startsWith("lastFailure"));
    HealthReport back = HealthReport.fromWire(wire);
    assertThat(back.handoffs()).isEqualTo(5);
    assertThat(back.activity().handoffs().done()).isEqualTo(5);
    assertThat(back.activity().handoffs().failed()).isZero();
    assertThat(back.activity().lastFailure()).isEmpty();
    // and an older reader ignores the new keys: every key it reads is still there, unchanged
    assertThat(new HealthReport("3", "h", "docker", r.snapshot(), 5, 60, ExecutorActivity.none(5)).toWire())
        .containsAllEntriesOf(wire);
  }
}
