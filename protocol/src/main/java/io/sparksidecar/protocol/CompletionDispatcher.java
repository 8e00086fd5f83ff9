package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One daemon thread per volume that turns {@code done/<id>} markers into completed futures and
 * fails every waiting request at once when the agent is gone. Wakes on file-system events,
 * rescans on overflow, and polls at the volume's poll interval as a fallback.
 */
final class CompletionDispatcher implements AutoCloseable {
  private final Protocol protocol;
  private final Liveness liveness;
  private final long pollMillis;
  private final Map<String, CompletableFuture<HandoffResult>> pending = new ConcurrentHashMap<>();
  private final DirectoryWatcher watcher;
  private final Thread thread;
  private volatile boolean running = true;

  CompletionDispatcher(Protocol protocol, Liveness liveness, long pollMillis) {
    this.protocol = protocol;
    this.liveness = liveness;
    this.pollMillis = pollMillis;
    this.watcher = new DirectoryWatcher(protocol.doneDir());
    this.thread = new Thread(this::loop, "sidecar-volume-" + protocol.root().getFileName());
    thread.setDaemon(true);
    thread.start();
  }

  /** Registers interest in {@code id} before its start marker is written, so no event is missed. */
  CompletableFuture<HandoffResult> register(String id) {
    CompletableFuture<HandoffResult> f = new CompletableFuture<>();
    pending.put(id, f);
    return f;
  }

  void forget(String id) {
    pending.remove(id);
  }

  /** Why the agent is gone right now, if it is. */
  Optional<String> goneReason() {
    return liveness.goneReason();
  }

  private void loop() {
    long lastLivenessCheck = 0;
    while (running) {
      Set<String> names;
      try {
        names = watcher.await(pollMillis);
      } catch (InterruptedException e) {
        return;
      }
      if (pending.isEmpty()) {
        continue;
      }
      if (names == null) {
        pending.keySet().forEach(this::tryComplete);
      } else {
        names.stream().filter(pending::containsKey).forEach(this::tryComplete);
      }
      long now = System.nanoTime();
      if (now - lastLivenessCheck >= pollMillis * 1_000_000L && !pending.isEmpty()) {
        lastLivenessCheck = now;
        liveness.goneReason().ifPresent(this::failAll);
      }
    }
  }

  private void failAll(String reason) {
    // a done marker written just before the agent died still wins
    pending.keySet().forEach(this::tryComplete);
    pending.forEach((id, f) -> f.completeExceptionally(new HandoffException(
        "request " + id + " on volume " + protocol.root() + ": " + reason, id, HandoffException.NO_EXIT_CODE, "", null)));
  }

  private void tryComplete(String id) {
    CompletableFuture<HandoffResult> f = pending.get(id);
    if (f == null || f.isDone()) {
      return;
    }
    try {
      f.complete(HandoffResult.fromMarker(id, Marker.read(protocol.done(id))));
    } catch (NoSuchFileException e) {
      // not there yet
    } catch (IOException | RuntimeException e) {
      f.completeExceptionally(new HandoffException("request " + id + ": unreadable done marker "
          + protocol.done(id) + ": " + e.getMessage(), id, HandoffException.NO_EXIT_CODE, "", e));
    }
  }

  /** Checks one id immediately (used right after registering and when giving up). */
  void checkNow(String id) {
    if (Files.exists(protocol.done(id))) {
      tryComplete(id);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    watcher.close();
    pending.forEach((id, f) -> f.completeExceptionally(
        new HandoffException("request " + id + ": the volume " + protocol.root() + " was closed", id,
            HandoffException.NO_EXIT_CODE, "", null)));
  }
}
