package io.sparksidecar.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * Client-side tuning of a {@link Volume}. Immutable; every {@code withX} validates its argument
 * and returns a copy.
 *
 * @param staleAfter      agent heartbeat age after which the agent counts as gone (default 1 s)
 * @param heartbeatPeriod how often the client rewrites its own heartbeat (default 250 ms)
 * @param pollInterval    longest wait between two looks at the volume (default 50 ms)
 * @param cancelWait      how long a cancel waits for the agent's done marker beyond the grace the
 *                        agent announces in {@code agent/info} ({@code grace_ms}; 1 s when absent)
 *                        before it deletes the request anyway (default 1 s). The request directory
 *                        is not deleted earlier unless the agent is gone (PROTOCOL.md 5.1)
 * @param maxOutputBytes  largest output the client will read into memory or copy (default unbounded)
 * @param logTailLines    how many log lines an exception carries (default 20)
 * @param extraLiveness   an additional check of the agent (e.g. "is its container running"),
 *                        consulted next to the heartbeat; {@code null} for none
 * @param groupWritable   make every directory the client creates group-writable (mode 2770), for an
 *                        agent that runs as another user sharing the volume's group (default false)
 */
public record VolumeOptions(
    Duration staleAfter,
    Duration heartbeatPeriod,
    Duration pollInterval,
    Duration cancelWait,
    long maxOutputBytes,
    int logTailLines,
    Liveness extraLiveness,
    boolean groupWritable) {

  public static VolumeOptions defaults() {
    return new VolumeOptions(Duration.ofMillis(1000), Duration.ofMillis(250), Duration.ofMillis(50),
        Duration.ofSeconds(1), Long.MAX_VALUE, 20, null, false);
  }

  public VolumeOptions withStaleAfter(Duration d) {
    return new VolumeOptions(positive("staleAfter", d), heartbeatPeriod, pollInterval, cancelWait,
        maxOutputBytes, logTailLines, extraLiveness, groupWritable);
  }

  public VolumeOptions withHeartbeatPeriod(Duration d) {
    return new VolumeOptions(staleAfter, positive("heartbeatPeriod", d), pollInterval, cancelWait,
        maxOutputBytes, logTailLines, extraLiveness, groupWritable);
  }

  public VolumeOptions withPollInterval(Duration d) {
    return new VolumeOptions(staleAfter, heartbeatPeriod, positive("pollInterval", d), cancelWait,
        maxOutputBytes, logTailLines, extraLiveness, groupWritable);
  }

  public VolumeOptions withCancelWait(Duration d) {
    return new VolumeOptions(staleAfter, heartbeatPeriod, pollInterval, positive("cancelWait", d),
        maxOutputBytes, logTailLines, extraLiveness, groupWritable);
  }

  public VolumeOptions withMaxOutputBytes(long max) {
    if (max <= 0) {
      throw new IllegalArgumentException("maxOutputBytes must be > 0, got " + max);
    }
    return new VolumeOptions(staleAfter, heartbeatPeriod, pollInterval, cancelWait, max, logTailLines,
        extraLiveness, groupWritable);
  }

  public VolumeOptions withLogTailLines(int lines) {
    if (lines < 0) {
      throw new IllegalArgumentException("logTailLines must be >= 0, got " + lines);
    }
    return new VolumeOptions(staleAfter, heartbeatPeriod, pollInterval, cancelWait, maxOutputBytes, lines,
        extraLiveness, groupWritable);
  }

  public VolumeOptions withExtraLiveness(Liveness liveness) {
    return new VolumeOptions(staleAfter, heartbeatPeriod, pollInterval, cancelWait, maxOutputBytes,
        logTailLines, liveness, groupWritable);
  }

  public VolumeOptions withGroupWritable(boolean value) {
    return new VolumeOptions(staleAfter, heartbeatPeriod, pollInterval, cancelWait, maxOutputBytes, logTailLines,
        extraLiveness, value);
  }

  private static Duration positive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
