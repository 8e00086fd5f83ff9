package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Tells whether the other side of a volume is still there. Called often from a waiting loop, so
 * implementations must be cheap (a stat or two) and must not block.
 */
@FunctionalInterface
public interface Liveness {

  /** Empty while the peer is alive; otherwise why it is considered gone. */
  Optional<String> goneReason();

  /** Never gone: waiting is bounded only by timeouts. */
  static Liveness assumeAlive() {
    return Optional::empty;
  }

  /** Gone when {@code alive} says false; {@code what} names the peer in the reason. */
  static Liveness of(BooleanSupplier alive, String what) {
    return () -> alive.getAsBoolean() ? Optional.empty() : Optional.of(what + " is not running");
  }

  /**
   * Gone when {@code stoppedMarker} exists (its content is the reason) or when the heartbeat file
   * is older than {@code staleAfter}. A heartbeat that does not exist yet counts as gone.
   */
  static Liveness heartbeat(Path heartbeatFile, Path stoppedMarker, Duration staleAfter) {
    long staleMillis = staleAfter.toMillis();
    return () -> {
      try {
        if (Files.exists(stoppedMarker)) {
          String reason = Marker.read(stoppedMarker).get("reason");
          return Optional.of("the agent stopped: " + (reason == null ? "no reason given" : reason));
        }
        long age = System.currentTimeMillis() - Files.getLastModifiedTime(heartbeatFile).toMillis();
        if (age > staleMillis) {
          return Optional.of("the agent's heartbeat " + heartbeatFile + " is " + age
              + " ms old (stale after " + staleMillis + " ms): the agent is gone");
        }
        return Optional.empty();
      } catch (NoSuchFileException e) {
        return Optional.of("no agent heartbeat at " + heartbeatFile + ": the agent is not running");
      } catch (IOException e) {
        return Optional.of("cannot read the agent heartbeat " + heartbeatFile + ": " + e);
      }
    };
  }
}
