package io.sparksidecar.plugin.runtime;

import java.time.Duration;
import java.util.Optional;

/**
 * Restart in place at most {@code maxRestarts} times; the first restart waits {@code backoff},
 * each next one twice as long, at most 30 s.
 */
public record RestartPolicy(int maxRestarts, Duration backoff) {
  private static final Duration CAP = Duration.ofSeconds(30);

  /** The wait before restart number {@code restartsSoFar + 1}, or empty when no restart is left. */
  public Optional<Duration> delayBeforeRestart(int restartsSoFar) {
    if (restartsSoFar >= maxRestarts) {
      return Optional.empty();
    }
    Duration d = backoff.multipliedBy(1L << Math.min(restartsSoFar, 20));
    return Optional.of(d.compareTo(CAP) > 0 ? CAP : d);
  }
}
