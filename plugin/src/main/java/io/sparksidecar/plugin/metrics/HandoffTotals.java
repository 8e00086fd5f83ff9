package io.sparksidecar.plugin.metrics;

import java.util.Arrays;
import java.util.Map;

/**
 * What the hand-offs of one executor (or, summed, of the application) did so far: completed and
 * failed hand-offs, input and output bytes of all of them, and the latency of the completed ones in
 * {@link LatencyBuckets}. Every count only grows over an executor's life. Immutable (the bucket
 * array is copied in and never handed out).
 */
public final class HandoffTotals {
  public static final HandoffTotals NONE = new HandoffTotals(0, 0, 0, 0, new long[LatencyBuckets.COUNT]);

  private final long done;
  private final long failed;
  private final long bytesIn;
  private final long bytesOut;
  private final long[] latency;

  public HandoffTotals(long done, long failed, long bytesIn, long bytesOut, long[] latency) {
    if (latency.length != LatencyBuckets.COUNT) {
      throw new IllegalArgumentException("expected " + LatencyBuckets.COUNT + " latency buckets, got " + latency.length);
    }
    this.done = done;
    this.failed = failed;
    this.bytesIn = bytesIn;
    this.bytesOut = bytesOut;
    this.latency = latency.clone();
  }

  public long done() {
    return done;
  }

  public long failed() {
    return failed;
  }

  public long bytesIn() {
    return bytesIn;
  }

  public long bytesOut() {
    return bytesOut;
  }

  /** A copy of the latency bucket counts of completed hand-offs. */
  public long[] latencyCounts() {
    return latency.clone();
  }

  /** Median latency of completed hand-offs in ms (bucket upper bound, see {@link LatencyBuckets}); 0 when none. */
  public double p50Millis() {
    return LatencyBuckets.quantileMillis(latency, 0.50);
  }

  /** 99th percentile latency of completed hand-offs in ms; 0 when none. */
  public double p99Millis() {
    return LatencyBuckets.quantileMillis(latency, 0.99);
  }

  /** The element-wise sum (two executors' totals). */
  public HandoffTotals plus(HandoffTotals o) {
    long[] sum = latency.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += o.latency[i];
    }
    return new HandoffTotals(done + o.done, failed + o.failed, bytesIn + o.bytesIn, bytesOut + o.bytesOut, sum);
  }

  /** The element-wise maximum: the later of two cumulative reports of one executor, whichever came first. */
  public HandoffTotals max(HandoffTotals o) {
    long[] m = latency.clone();
    for (int i = 0; i < m.length; i++) {
      m[i] = Math.max(m[i], o.latency[i]);
    }
    return new HandoffTotals(Math.max(done, o.done), Math.max(failed, o.failed), Math.max(bytesIn, o.bytesIn),
        Math.max(bytesOut, o.bytesOut), m);
  }

  /** {@code this - o}, element-wise, never below zero. */
  public HandoffTotals minus(HandoffTotals o) {
    long[] d = latency.clone();
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.max(0, d[i] - o.latency[i]);
    }
    return new HandoffTotals(Math.max(0, done - o.done), Math.max(0, failed - o.failed), Math.max(0, bytesIn - o.bytesIn),
        Math.max(0, bytesOut - o.bytesOut), d);
  }

  /** Adds this to a health report's wire map (the completed count travels as the report's own {@code handoffs}). */
  public void toWire(Map<String, String> m) {
    m.put("h.failed", String.valueOf(failed));
    m.put("h.bytesIn", String.valueOf(bytesIn));
    m.put("h.bytesOut", String.valueOf(bytesOut));
    m.put("h.latency", LatencyBuckets.encode(latency));
  }

  /** Reads what {@link #toWire} wrote; a report without it (an older sender) has {@link #NONE} but {@code done}. */
  public static HandoffTotals fromWire(Map<?, ?> m, long done) {
    return new HandoffTotals(done, num(m, "h.failed"), num(m, "h.bytesIn"), num(m, "h.bytesOut"),
        LatencyBuckets.decode(m.get("h.latency") == null ? "" : m.get("h.latency").toString()));
  }

  private static long num(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v == null || v.toString().isEmpty() ? 0 : Long.parseLong(v.toString());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HandoffTotals t && done == t.done && failed == t.failed && bytesIn == t.bytesIn
        && bytesOut == t.bytesOut && Arrays.equals(latency, t.latency);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(done) * 31 + Arrays.hashCode(latency);
  }

  @Override
  public String toString() {
    return "HandoffTotals[done=" + done + ", failed=" + failed + ", bytesIn=" + bytesIn + ", bytesOut=" + bytesOut
        + ", p50=" + p50Millis() + " ms, p99=" + p99Millis() + " ms]";
  }
}
