package io.sparksidecar.plugin.metrics;

import java.util.Arrays;

/**
 * Fixed log-scale latency buckets that executors and the driver share, so per-executor counts can be
 * summed into cluster-wide percentiles (a Codahale reservoir cannot be merged). Bucket {@code i}
 * holds latencies up to {@link #upperMillis(int) 0.1 ms × 2^(i/4)}: four buckets per doubling, so a
 * percentile read as its bucket's upper bound is at most 19 % above the true value. The last bucket
 * (above about a day) takes everything longer. Static helpers only; counts are plain {@code long[]}.
 */
public final class LatencyBuckets {
  private LatencyBuckets() {}

  /** Number of buckets. */
  public static final int COUNT = 120;
  private static final double FIRST_NANOS = 100_000; // 0.1 ms
  private static final double[] UPPER_MILLIS = new double[COUNT];

  static {
    for (int i = 0; i < COUNT; i++) {
      UPPER_MILLIS[i] = FIRST_NANOS * Math.pow(2, i / 4.0) / 1e6;
    }
  }

  /** The bucket of a latency. */
  public static int index(long nanos) {
    if (nanos <= FIRST_NANOS) {
      return 0;
    }
    int i = (int) Math.ceil(4 * (Math.log(nanos / FIRST_NANOS) / Math.log(2)) - 1e-9);
    return Math.min(COUNT - 1, i);
  }

  /** The upper bound of bucket {@code i}, in milliseconds. */
  public static double upperMillis(int i) {
    return UPPER_MILLIS[i];
  }

  /**
   * The {@code q} quantile (0 < q ≤ 1) of {@code counts}, as the upper bound of its bucket in
   * milliseconds; 0 when there is no count.
   */
  public static double quantileMillis(long[] counts, double q) {
    long total = Arrays.stream(counts).sum();
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return UPPER_MILLIS[i];
      }
    }
    return UPPER_MILLIS[COUNT - 1];
  }

  /** Sparse text form for the health report: {@code index:count} pairs of the non-empty buckets, comma-separated. */
  public static String encode(long[] counts) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append(i).append(':').append(counts[i]);
      }
    }
    return sb.toString();
  }

  /** The counts of {@link #encode}'s form; empty or absent means none. Throws IllegalArgumentException on bad input. */
  public static long[] decode(String text) {
    long[] counts = new long[COUNT];
    if (text == null || text.isEmpty()) {
      return counts;
    }
    for (String pair : text.split(",")) {
      int colon = pair.indexOf(':');
      try {
        int i = Integer.parseInt(pair.substring(0, colon));
        counts[i] = Long.parseLong(pair.substring(colon + 1));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("bad latency bucket '" + pair + "' in '" + text + "'", e);
      }
    }
    return counts;
  }
}
