package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** The protocol v1 client of one volume (PROTOCOL.md sections 2-7). */
final class RequestVolume implements Volume {
  private final Protocol protocol;
  private final VolumeOptions options;
  private final Liveness liveness;
  private final Heartbeat heartbeat;
  private final CompletionDispatcher dispatcher;
  private final Janitor janitor;
  private final String idPrefix;
  private final AtomicLong counter = new AtomicLong();
  private final Set<RequestHandoff> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  RequestVolume(Path root, VolumeOptions options) {
    this.options = options;
    try {
      this.protocol = new Protocol(root.toAbsolutePath()).init(options.groupWritable());
      Files.deleteIfExists(protocol.clientClosed());
    } catch (IOException e) {
      throw new HandoffException("cannot prepare volume " + root + ": " + e.getMessage(), e);
    }
    Liveness heartbeatLiveness = Liveness.heartbeat(protocol.agentHeartbeat(), protocol.agentStopped(), options.staleAfter());
    Liveness extra = options.extraLiveness();
    this.liveness = extra == null ? heartbeatLiveness
        : () -> extra.goneReason().or(heartbeatLiveness::goneReason);
    this.idPrefix = "r" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36) + "-";
    this.heartbeat = Heartbeat.start(protocol.clientHeartbeat(), options.heartbeatPeriod(),
        "sidecar-client-heartbeat-" + root.getFileName());
    this.dispatcher = new CompletionDispatcher(protocol, liveness, options.pollInterval().toMillis());
    this.janitor = new Janitor(String.valueOf(root.getFileName()));
  }

  @Override
  public Handoff newHandoff() {
    return newHandoff(idPrefix + counter.incrementAndGet());
  }

  @Override
  public Handoff newHandoff(String requestId) {
    Names.checkId(requestId);
    if (closed) {
      throw new HandoffException("volume " + protocol.root() + " is closed; cannot create request " + requestId);
    }
    Path dir = protocol.requestDir(requestId);
    try {
      Files.createDirectory(dir);
      Files.createDirectory(dir.resolve("in"));
      if (options.groupWritable()) {
        Protocol.shareWithGroup(dir);
        Protocol.shareWithGroup(dir.resolve("in"));
      }
    } catch (FileAlreadyExistsException e) {
      throw new HandoffException("request id '" + requestId + "' is already in use on volume " + protocol.root(),
          requestId, HandoffException.NO_EXIT_CODE, "", e);
    } catch (IOException e) {
      throw new HandoffException("cannot create request directory " + dir + ": " + e.getMessage(),
          requestId, HandoffException.NO_EXIT_CODE, "", e);
    }
    RequestHandoff h = new RequestHandoff(requestId, protocol, options, dispatcher, janitor, open::remove);
    open.add(h);
    return h;
  }

  @Override
  public void awaitAgent(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<String> reason = liveness.goneReason();
    while (reason.isPresent()) {
      if (System.nanoTime() > deadline) {
        throw new HandoffException("no protocol agent became alive on volume " + protocol.root() + " within "
            + timeout.toMillis() + " ms: " + reason.get());
      }
      try {
        Thread.sleep(options.pollInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HandoffException("interrupted while waiting for the agent on " + protocol.root(), e);
      }
      reason = liveness.goneReason();
    }
  }

  @Override
  public Path root() {
    return protocol.root();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RequestHandoff[] running = open.toArray(new RequestHandoff[0]);
    for (RequestHandoff h : running) {
      h.signalCancel(); // every cancel first, so that the agent's grace periods run at the same time
    }
    for (RequestHandoff h : running) {
      h.close();
    }
    dispatcher.close();
    janitor.close();
    heartbeat.close();
    try {
      Marker.builder().put("reason", "client closed the volume").build().writeAtomically(protocol.clientClosed());
    } catch (IOException ignored) {
      // the volume may already be gone; the agent then sees a stale heartbeat instead
    }
  }
}
