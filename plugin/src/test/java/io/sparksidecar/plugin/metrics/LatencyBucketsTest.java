package io.sparksidecar.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LatencyBucketsTest {
  @Test
  void aLatencyFallsInABucketWhoseUpperBoundIsAtMost19PercentAbove() {
    for (long nanos = 150_000; nanos < 3_600_000_000_000L; nanos = nanos * 13 / 10 + 7) {
      double ms = nanos / 1e6;
      double upper = LatencyBuckets.upperMillis(LatencyBuckets.index(nanos));
      assertThat(upper).as("%d ns", nanos).isGreaterThanOrEqualTo(ms * 0.999999).isLessThanOrEqualTo(ms * 1.1893);
    }
    assertThat(LatencyBuckets.index(0)).isZero();
    assertThat(LatencyBuckets.index(50_000)).isZero();
    assertThat(LatencyBuckets.index(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.COUNT - 1);
  }

  @Test
  void quantilesComeFromTheCumulativeCounts() {
    HandoffRecorder r = new HandoffRecorder();
    for (int i = 0; i < 98; i++) {
      r.succeeded(2_000_000, 10, 20); // 2 ms
    }
    r.succeeded(500_000_000, 10, 20); // 500 ms
    r.succeeded(900_000_000, 10, 20);
    r.failed(5);
    HandoffTotals t = r.totals();
    assertThat(t.done()).isEqualTo(100);
    assertThat(t.failed()).isEqualTo(1);
    assertThat(t.bytesIn()).isEqualTo(1005);
    assertThat(t.bytesOut()).isEqualTo(2000);
    assertThat(t.p50Millis()).isBetween(2.0, 2.4);
    assertThat(t.p99Millis()).isBetween(500.0, 595.0);
    assertThat(HandoffTotals.NONE.p99Millis()).isZero();
  }

  @Test
  void theSparseTextFormRoundTripsAndABadOneIsNamed() {
    long[] counts = new long[LatencyBuckets.COUNT];
    counts[3] = 7;
    counts[119] = 1;
    assertThat(LatencyBuckets.encode(counts)).isEqualTo("3:7,119:1");
    assertThat(LatencyBuckets.decode("3:7,119:1")).isEqualTo(counts);
    assertThat(LatencyBuckets.decode("")).containsOnly(0L);
    assertThatThrownBy(() -> LatencyBuckets.decode("3:7,x")).hasMessageContaining("bad latency bucket 'x'");
  }
}
