package io.sparksidecar.plugin.runtime.kubernetes;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.protocol.LegacyVolume;
import io.sparksidecar.protocol.Protocol;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The executor's side of a legacy flag-convention image in a pod. The pod runs the image's command
 * in a loop ({@code legacy-loop.sh}, put there by the feature step): once a run has served its
 * hand-off and exited 0, the loop clears the flags and starts the next run. The executor must not
 * clear them itself (the image may not have seen its {@code close_flag} yet); it waits until the
 * loop has.
 */
public final class LegacyLoop {
  private static final String[] FLAGS = {Protocol.START_FLAG, Protocol.DONE_FLAG, Protocol.CLOSE_FLAG};

  private LegacyLoop() {}

  /**
   * A {@link LegacyVolume.Cycle} that blocks the hand-off's thread (polling every 10 ms) until no flag
   * of the previous hand-off is left in the volume root, at most {@code timeout}; then throws a
   * {@link SidecarException} naming the flags still there.
   */
  public static LegacyVolume.Cycle awaitFlagsCleared(Duration timeout) {
    return root -> {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        List<String> left = new ArrayList<>();
        for (String flag : FLAGS) {
          if (Files.exists(root.resolve(flag), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            left.add(flag);
          }
        }
        if (left.isEmpty()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new SidecarException("the legacy sidecar's loop did not clear " + String.join(", ", left) + " in " + root
              + " within " + timeout.toMillis() + " ms after the previous hand-off: is the image's run still going, or"
              + " is spark.sidecar.command not the image's own command?");
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SidecarException("interrupted while waiting for the legacy sidecar in " + root, e);
        }
      }
    };
  }
}
