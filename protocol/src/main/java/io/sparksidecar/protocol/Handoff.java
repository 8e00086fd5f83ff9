package io.sparksidecar.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One request: write inputs, {@link #start()}, {@link #await(Duration)}, read verified outputs,
 * {@link #close()}. Not thread-safe: one hand-off belongs to one thread at a time; every method
 * runs on the calling thread. Every method throws {@link HandoffException} naming the request id
 * and the offending name.
 *
 * <h2>Inputs: the entire input or nothing</h2>
 * Every {@code writeInput}/{@code writeLines} writes a temporary file next to the input and renames
 * it into place only after all of it was written. Outcomes:
 * <ul>
 *   <li>the method returns: the input is complete under its name and {@link #start()} announces it
 *       with its size;</li>
 *   <li>the method throws: nothing of the input is visible under its name (the temporary file is
 *       deleted), and the hand-off can no longer start: {@link #start()} throws a
 *       {@link HandoffException} naming the input. Close it; a new hand-off may try again;</li>
 *   <li>a name that breaks the rules, or was already written, is refused before anything is written;
 *       such a refusal does not spoil the hand-off.</li>
 * </ul>
 * Limits: the atomicity is the volume's {@code rename(2)}; nothing is synced to disk (both sides
 * share one host and its page cache, and a crash of the host ends the request anyway).
 *
 * <p>Deliberately not offered: an input {@code OutputStream} that publishes on {@code close()}.
 * {@code close()} cannot tell "the writer finished" from "the writer failed and try-with-resources
 * is cleaning up", so such a stream publishes partial inputs. Streaming goes through
 * {@link #writeInput(String, InputWriter)}, where returning normally is the explicit success.
 */
public interface Handoff extends AutoCloseable {

  /** Writes an input by streaming into it; see {@link Handoff#writeInput(String, InputWriter)}. */
  @FunctionalInterface
  interface InputWriter {
    /**
     * Writes the whole input to {@code out} (buffered already) and returns; throwing means the input
     * is incomplete. May close {@code out}; that does not publish anything. Must not keep {@code out}
     * beyond returning: later writes fail.
     */
    void writeTo(OutputStream out) throws IOException;
  }

  String id();

  /** Writes an input (temporary name, then rename): the entire input or nothing. */
  Handoff writeInput(String name, byte[] data);

  /** Copies a file in as an input; nothing is loaded into the heap. The entire input or nothing. */
  Handoff writeInput(String name, Path source);

  /**
   * Streams an input in; nothing is loaded into the heap. Does not close {@code data}. Reads to its
   * end; if reading fails, nothing is published (the entire input or nothing).
   */
  Handoff writeInput(String name, InputStream data);

  /**
   * Streams an input in from {@code writer}, e.g. straight from a partition iterator, nothing held
   * in the heap. Runs {@code writer} on the calling thread and blocks until it returns. Publishes
   * the input (one rename) only when {@code writer} returns normally; when it throws, nothing is
   * published, the hand-off can no longer start (see above), and the exception propagates: an
   * unchecked one as it is, a checked one (e.g. an {@link IOException}) inside a
   * {@link HandoffException} naming the input.
   *
   * <p>A writer that wraps {@code out} in a buffering {@link java.io.Writer} must flush or close
   * it before returning: bytes still in its own buffer are not part of the input.
   * <pre>{@code
   * handoff.writeInput("lines.txt", out -> {
   *   try (Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
   *     while (partition.hasNext()) {   // if next() throws, nothing is published
   *       w.write(partition.next());
   *       w.write('\n');
   *     }
   *   }
   * });
   * }</pre>
   * Two inputs can be written at once by nesting one call inside the other's writer; each is
   * published when its own writer returns.
   */
  Handoff writeInput(String name, InputWriter writer);

  /** Writes text lines (UTF-8, each followed by '\n'). The entire input or nothing. */
  Handoff writeLines(String name, Iterable<? extends CharSequence> lines);

  /** Declares an output that must exist for the request to succeed. */
  Handoff expectOutput(String name);

  /** Announces that the inputs are complete; the agent may run the request from now on. */
  void start();

  /**
   * Blocks until the request finishes, the agent is gone, or {@code timeout} passes. Returns the
   * result when the command exited 0 and every check passed; otherwise throws a
   * {@link HandoffException} carrying the exit code and the log tail. On timeout (or interrupt) it
   * cancels the request first: the agent's command gets its grace period (SIGTERM, then SIGKILL),
   * and this call returns only once the agent confirmed or is gone, or after the grace the agent
   * announced plus {@link VolumeOptions#cancelWait()} — so it may block that much beyond
   * {@code timeout}, and the command writes nothing into the volume after it returned.
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

  /**
   * Cancels the request if it is still running (blocking as {@link #await} does on a timeout) and
   * removes everything it left on the volume. Idempotent.
   */
  @Override
  void close();
}
