package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** One v1 request: {@code requests/<id>/}, {@code queue/<id>}, {@code done/<id>} (PROTOCOL.md section 5). */
final class RequestHandoff extends AbstractHandoff {
  private final Protocol protocol;
  private final CompletionDispatcher dispatcher;
  private final Janitor janitor;
  private final Consumer<RequestHandoff> onClose;
  private final Path dir;
  /** The grace of an agent that announces none (PROTOCOL.md 5.1). */
  static final long DEFAULT_GRACE_MILLIS = 1000;
  private CompletableFuture<HandoffResult> future;
  private volatile boolean cancelSignalled; // volatile: Volume.close signals from its own thread
  private volatile boolean cancelWritten;

  RequestHandoff(String id, Protocol protocol, VolumeOptions options, CompletionDispatcher dispatcher,
      Janitor janitor, Consumer<RequestHandoff> onClose) {
    super(id, options);
    this.protocol = protocol;
    this.dispatcher = dispatcher;
    this.janitor = janitor;
    this.onClose = onClose;
    this.dir = protocol.requestDir(id);
  }

  @Override
  protected Path inputDir() {
    return dir.resolve("in");
  }

  @Override
  protected Path outputDir() {
    return dir.resolve("out");
  }

  @Override
  protected Path logFile() {
    return dir.resolve("log");
  }

  @Override
  protected void doStart() throws IOException {
    Marker.Builder start = Marker.builder()
        .put("protocol", Protocol.VERSION)
        .put("id", id)
        .put("created", System.currentTimeMillis());
    for (Map.Entry<String, Long> in : inputs.entrySet()) {
      start.put("input", in.getValue() + " " + in.getKey());
    }
    expected.forEach(name -> start.put("expect", name));
    future = dispatcher.register(id);
    // the temporary file lives in the request directory, so queue/ only ever sees complete markers
    // arrive (PROTOCOL.md section 4): an agent watching it wakes once per request
    start.build().writeAtomically(protocol.queued(id), AtomicFiles.tempSibling(dir.resolve("queue")));
  }

  @Override
  protected HandoffResult doAwait(Duration timeout) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      dispatcher.checkNow(id);
      if (future.isDone() && !future.isCompletedExceptionally()) {
        return future.join();
      }
      cancel();
      throw new HandoffException("request " + id + " timed out after " + timeout.toMillis()
          + " ms and was cancelled", id, HandoffException.NO_EXIT_CODE,
          Streams.tail(logFile(), options.logTailLines()), null);
    } catch (ExecutionException e) {
      HandoffException cause = (HandoffException) e.getCause();
      String tail = Streams.tail(logFile(), options.logTailLines());
      throw new HandoffException(cause.getMessage()
          + (tail.isEmpty() ? "" : "\n--- last lines of the request log ---\n" + tail),
          id, HandoffException.NO_EXIT_CODE, tail, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel();
      throw new HandoffException("request " + id + ": interrupted while waiting; cancelled", id,
          HandoffException.NO_EXIT_CODE, "", e);
    }
  }

  @Override
  protected OutputEntry manifestEntry(String name) {
    return result.output(name).orElseThrow(() -> error("has no output '" + name + "' (outputs: "
        + outputNames() + ")", null));
  }

  @Override
  public List<String> outputNames() {
    requireState(result != null && result.ok(), "outputs can only be listed after a successful await()");
    return result.outputs().stream().map(OutputEntry::name).toList();
  }

  /** PROTOCOL.md 5.1: unqueue if still queued, else ask the agent to stop and wait (bounded) for its answer. */
  private void cancel() {
    signalCancel();
    awaitCancelled();
  }

  /**
   * The first half of a cancel, which does not wait: unqueues the request if the agent has not
   * claimed it, else writes {@code cancel}. Idempotent; a no-op for a request that is not running.
   */
  void signalCancel() {
    if (cancelSignalled || future == null || (future.isDone() && !future.isCompletedExceptionally())) {
      return;
    }
    cancelSignalled = true;
    try {
      Files.move(protocol.queued(id), dir.resolve(".unqueued"));
      return; // the agent never saw it
    } catch (NoSuchFileException claimed) {
      // the agent has it: ask it to stop
    } catch (IOException e) {
      // fall through to the cancel marker
    }
    if (dispatcher.goneReason().isPresent()) {
      return;
    }
    try {
      Marker.builder().put("reason", "client cancelled").build().writeAtomically(dir.resolve("cancel"));
      cancelWritten = true;
    } catch (IOException e) {
      // the volume is going away; cleanup goes ahead
    }
  }

  /**
   * The second half: blocks the calling thread until the agent has written the done marker
   * (normally {@code status=cancelled}, once the command is dead) or is gone, at most the grace the
   * agent announced plus {@link VolumeOptions#cancelWait()}. Until then the command may still write
   * into the request directory, so it is not deleted before this returns.
   */
  private void awaitCancelled() {
    if (!cancelWritten) {
      return;
    }
    cancelWritten = false;
    long waitMillis = announcedGraceMillis() + options.cancelWait().toMillis();
    try {
      future.get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // the agent is gone, or did not answer in time: cleanup goes ahead; it drops done markers of vanished requests
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code grace_ms} from {@code agent/info}; the protocol's default (1 s) when absent or unreadable. */
  private long announcedGraceMillis() {
    try {
      String grace = Marker.read(protocol.agentInfo()).get("grace_ms");
      return grace == null ? DEFAULT_GRACE_MILLIS : Math.max(0, Long.parseLong(grace.trim()));
    } catch (IOException | RuntimeException e) {
      return DEFAULT_GRACE_MILLIS;
    }
  }

  /** What this request's directory holds as far as the client knows, deepest first. */
  private List<String> knownContents() {
    List<String> known = new java.util.ArrayList<>();
    inputs.keySet().stream().filter(n -> n.indexOf('/') < 0).forEach(n -> known.add("in/" + n));
    known.add("in");
    if (result != null) {
      result.outputs().stream().filter(o -> o.name().indexOf('/') < 0).forEach(o -> known.add("out/" + o.name()));
      known.add("out");
      known.add("claimed");
      known.add("log");
    }
    return known;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (started && result == null) {
      cancel(); // after Volume.close signalled it, this only waits
    }
    closed = true;
    dispatcher.forget(id);
    janitor.dispose(dir, knownContents());
    try {
      Files.deleteIfExists(protocol.done(id));
    } catch (IOException e) {
      AtomicFiles.deleteQuietly(protocol.done(id));
    }
    onClose.accept(this);
  }
}
