package io.sparksidecar.protocol;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The executor side of one shared volume. Thread-safe: many threads may run hand-offs at once
 * (in legacy mode they are serialised). Closing the volume cancels what is still running and
 * tells the agent the client is gone.
 *
 * <pre>{@code
 * try (Volume volume = Volume.open(dir)) {
 *   volume.awaitAgent(Duration.ofSeconds(30));
 *   try (Handoff h = volume.newHandoff()) {
 *     h.writeInput("infile.csv", csvPath);
 *     h.expectOutput("outfile.csv");
 *     h.run(Duration.ofMinutes(5));
 *     h.copyOutput("outfile.csv", target);
 *   }
 * }
 * }</pre>
 */
public interface Volume extends AutoCloseable {

  /** Opens a protocol v1 volume: creates its layout if needed and starts the client heartbeat. */
  static Volume open(Path root) {
    return open(root, VolumeOptions.defaults());
  }

  static Volume open(Path root, VolumeOptions options) {
    return new RequestVolume(root, options);
  }

  /** Opens a volume that speaks the legacy start/done/close flag convention (PROTOCOL.md section 8). */
  static Volume openLegacy(Path root, VolumeOptions options) {
    return new LegacyVolume(root, options, LegacyVolume.CLEAR_FLAGS);
  }

  /** A new hand-off with a generated, volume-unique id. Never blocks in v1; waits its turn in legacy mode. */
  Handoff newHandoff();

  /** A new hand-off with the given id; fails naming the id if it is invalid or already in use. */
  Handoff newHandoff(String requestId);

  /**
   * Blocks until the agent is alive (its heartbeat is fresh) or throws after {@code timeout} with
   * what was awaited and why it is not there. A no-op for legacy volumes without a liveness check.
   */
  void awaitAgent(Duration timeout);

  Path root();

  /** Cancels hand-offs still running, stops the heartbeat and marks the client closed. Idempotent. */
  @Override
  void close();
}
