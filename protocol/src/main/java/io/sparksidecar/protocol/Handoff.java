package io.sparksidecar.protocol;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One request: write inputs, {@link #start()}, {@link #await(Duration)}, read verified outputs,
 * {@link #close()}. Not thread-safe: one hand-off belongs to one thread at a time. Every method
 * throws {@link HandoffException} naming the request id and the offending name.
 */
public interface Handoff extends AutoCloseable {

  String id();

  /** Writes an input atomically (temporary name, then rename). */
  Handoff writeInput(String name, byte[] data);

  /** Copies a file in as an input; nothing is loaded into the heap. */
  Handoff writeInput(String name, Path source);

  /** Streams an input in; nothing is loaded into the heap. Does not close {@code data}. */
  Handoff writeInput(String name, InputStream data);

  /** Writes text lines (UTF-8, each followed by '\n'). */
  Handoff writeLines(String name, Iterable<? extends CharSequence> lines);

  /** An input written through a stream; it becomes visible (renamed into place) on close. */
  OutputStream openInput(String name);

  /** Declares an output that must exist for the request to succeed. */
  Handoff expectOutput(String name);

  /** Announces that the inputs are complete; the agent may run the request from now on. */
  void start();

  /**
   * Blocks until the request finishes, the agent is gone, or {@code timeout} passes. Returns the
   * result when the command exited 0 and every check passed; otherwise throws a
   * {@link HandoffException} carrying the exit code and the log tail (and cancels on timeout).
   */
  HandoffResult await(Duration timeout);

  /** {@link #start()} then {@link #await(Duration)}. */
  default HandoffResult run(Duration timeout) {
    start();
    return await(timeout);
  }

  /** A stream over an output that verifies size and checksum as it reaches the end. */
  InputStream openOutput(String name);

  byte[] readOutput(String name);

  List<String> readLines(String name);

  /** Copies an output to {@code target} (written under a temporary name, verified, then renamed). */
  void copyOutput(String name, Path target);

  /** The names of the outputs of a successful request. */
  List<String> outputNames();

  /** The request's whole log (stdout and stderr of the command), UTF-8. */
  String log();

  /** Cancels the request if it is still running and removes everything it left on the volume. Idempotent. */
  @Override
  void close();
}
