package io.sparksidecar.plugin.runtime;

import java.time.Duration;
import java.util.Deque;
import java.util.Optional;

/**
 * Restart in place at most {@code maxRestarts} times within {@code window}: restarts older than the
 * window no longer count, so a sidecar that crashes now and then is restarted for ever while one
 * that crash-loops fails for good (and the driver's failure policy takes over). The first restart
 * in a window waits {@code backoff}, each next one twice as long, at most 30 s.
 */
public record RestartPolicy(int maxRestarts, Duration backoff, Duration window) {
  private static final Duration CAP = Duration.ofSeconds(30);
  private static final Duration FOREVER = Duration.ofDays(365_000);

  /** Every restart counts, however old. */
  public RestartPolicy(int maxRestarts, Duration backoff) {
    this(maxRestarts, backoff, FOREVER);
  }

  /** The wait before the next restart given {@code recentRestarts} within the window, or empty when none is left. */
  public Optional<Duration> delayBeforeRestart(int recentRestarts) {
    if (recentRestarts >= maxRestarts) {
      return Optional.empty();
    }
    Duration d = backoff.multipliedBy(1L << Math.min(recentRestarts, 20));
    return Optional.of(d.compareTo(CAP) > 0 ? CAP : d);
  }

  /** Drops the restart times (nanoTime) that left the window before {@code nowNanos}; returns how many remain. */
  public int recent(Deque<Long> restartNanos, long nowNanos) {
    long horizon = window.compareTo(FOREVER) >= 0 ? Long.MAX_VALUE : window.toNanos();
    while (!restartNanos.isEmpty() && nowNanos - restartNanos.peekFirst() > horizon) {
      restartNanos.pollFirst();
    }
    return restartNanos.size();
  }

  /** "3 restart(s)" or "3 restart(s) within 10 min", for failure messages. */
  String describe(int restarts) {
    return restarts + " restart(s)" + (window.compareTo(FOREVER) >= 0 ? "" : " within " + human(window));
  }

  private static String human(Duration d) {
    long s = d.toSeconds();
    return s == 0 ? d.toMillis() + " ms" : s % 3600 == 0 ? s / 3600 + " h" : s % 60 == 0 ? s / 60 + " min" : s + " s";
  }
}
