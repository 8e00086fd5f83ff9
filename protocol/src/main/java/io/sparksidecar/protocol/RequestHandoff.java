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
  private CompletableFuture<HandoffResult> future;

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
    start.build().writeAtomically(protocol.queued(id));
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
    if (future == null || (future.isDone() && !future.isCompletedExceptionally())) {
      return;
    }
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
      future.get(options.cancelWait().toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      // agent gone or slow: cleanup goes ahead; the agent drops done markers of vanished requests
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
      cancel();
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
