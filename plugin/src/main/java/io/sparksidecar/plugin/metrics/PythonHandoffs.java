package io.sparksidecar.plugin.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The hand-off totals of this executor's Python workers, which the Java client never sees: each
 * worker's meter ({@code protocol/python/sparksidecar/_metering.py}) keeps one file of cumulative
 * totals in the directory the discovery file names ({@code handoffs_dir}), one line:
 * {@code done=<n> failed=<n> bytes_in=<n> bytes_out=<n> latency=<bucket>:<count>,...} (the buckets
 * of {@link LatencyBuckets}). Called on the health-reporting thread; blocks only for reading a few
 * small local files; never throws (an unreadable or malformed file counts as nothing).
 */
public final class PythonHandoffs {
  private PythonHandoffs() {}

  /** The sum of every worker's totals in {@code dir}; {@link HandoffTotals#NONE} when there is none. */
  public static HandoffTotals read(Path dir) {
    HandoffTotals sum = HandoffTotals.NONE;
    if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return sum;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.txt")) {
      for (Path f : files) {
        if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && Files.size(f) < 16_384) {
          HandoffTotals t = parse(Files.readString(f, StandardCharsets.US_ASCII));
          sum = t == null ? sum : sum.plus(t);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a worker's file vanished or is being replaced: the next report counts it
    }
    return sum;
  }

  /** One worker's line, or null when it is not of the format. */
  static HandoffTotals parse(String line) {
    long done = -1;
    long failed = -1;
    long in = -1;
    long out = -1;
    long[] latency = null;
    try {
      for (String field : line.trim().split(" ")) {
        int eq = field.indexOf('=');
        String key = eq < 0 ? field : field.substring(0, eq);
        String value = eq < 0 ? "" : field.substring(eq + 1);
        switch (key) {
          case "done" -> done = Long.parseLong(value);
          case "failed" -> failed = Long.parseLong(value);
          case "bytes_in" -> in = Long.parseLong(value);
          case "bytes_out" -> out = Long.parseLong(value);
          case "latency" -> latency = LatencyBuckets.decode(value);
          default -> { } // a later field: ignored
        }
      }
    } catch (RuntimeException e) {
      return null;
    }
    if (done < 0 || failed < 0 || in < 0 || out < 0 || latency == null) {
      return null;
    }
    return new HandoffTotals(done, failed, in, out, latency);
  }
}
