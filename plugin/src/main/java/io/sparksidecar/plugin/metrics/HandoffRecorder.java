package io.sparksidecar.plugin.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The executor's running hand-off totals, for the health report: called by task threads when a
 * hand-off returns a result or fails (never blocks: adders and an atomic array), read by the
 * reporting thread ({@link #totals}).
 */
public final class HandoffRecorder {
  private final LongAdder done = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final AtomicLongArray latency = new AtomicLongArray(LatencyBuckets.COUNT);

  /** A hand-off returned its result after {@code nanos}, having written {@code in} and produced {@code out} bytes. */
  public void succeeded(long nanos, long in, long out) {
    latency.incrementAndGet(LatencyBuckets.index(nanos));
    bytesIn.add(in);
    bytesOut.add(out);
    done.increment();
  }

  /** A hand-off failed after writing {@code in} bytes. */
  public void failed(long in) {
    bytesIn.add(in);
    failed.increment();
  }

  /** What was recorded so far (each field read once; a hand-off finishing meanwhile may show in some only). */
  public HandoffTotals totals() {
    long[] counts = new long[LatencyBuckets.COUNT];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = latency.get(i);
    }
    return new HandoffTotals(done.sum(), failed.sum(), bytesIn.sum(), bytesOut.sum(), counts);
  }
}
