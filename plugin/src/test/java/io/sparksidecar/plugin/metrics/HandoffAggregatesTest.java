package io.sparksidecar.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import org.junit.jupiter.api.Test;

class HandoffAggregatesTest {
  private static HealthReport report(String id, long sent, HandoffTotals t) {
    return new HealthReport(id, "h", "docker", new Snapshot(State.READY, 0, -1, "ready", "c", 1, false), t.done(), sent,
        new ExecutorActivity(t, "", 0));
  }

  private static HandoffTotals totals(int done, int failed, long nanosEach) {
    HandoffRecorder r = new HandoffRecorder();
    for (int i = 0; i < done; i++) {
      r.succeeded(nanosEach, 100, 1000);
    }
    for (int i = 0; i < failed; i++) {
      r.failed(100);
    }
    return r.totals();
  }

  @Test
  void cumulativeReportsAddUpOnceWhateverTheirOrderOrRepetition() {
    HandoffAggregates a = new HandoffAggregates();
    a.record(report("1", 10, totals(3, 1, 1_000_000)));
    a.record(report("2", 11, totals(5, 0, 80_000_000)));
    a.record(report("1", 30, totals(7, 2, 1_000_000)));
    a.record(report("1", 20, totals(5, 1, 1_000_000))); // sent before the one above, delivered after
    a.record(report("2", 11, totals(5, 0, 80_000_000))); // delivered twice
    HandoffTotals t = a.total();
    assertThat(t.done()).isEqualTo(12);
    assertThat(t.failed()).isEqualTo(2);
    assertThat(t.bytesIn()).isEqualTo(14 * 100);
    assertThat(t.bytesOut()).isEqualTo(12 * 1000);
    assertThat(t.p50Millis()).as("7 of 12 took 1 ms").isBetween(1.0, 1.2);
    assertThat(t.p99Millis()).as("5 of 12 took 80 ms").isBetween(80.0, 95.2);
  }

  @Test
  void aReportWithoutActivityCountsItsCompletedHandoffs() {
    HandoffAggregates a = new HandoffAggregates();
    a.record(new HealthReport("9", "h", "process", new Snapshot(State.READY, 0, -1, "", "", 1, false), 4, 1));
    assertThat(a.total().done()).isEqualTo(4);
    assertThat(a.total().failed()).isZero();
  }
}
