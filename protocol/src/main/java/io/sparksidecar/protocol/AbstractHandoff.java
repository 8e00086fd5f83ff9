package io.sparksidecar.protocol;

import java.io.BufferedReader;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Input writing and verified output reading shared by the v1 and legacy hand-offs. Subclasses
 * say where inputs and outputs live, how to start, how to wait and how to clean up.
 */
abstract class AbstractHandoff implements Handoff {
  protected final String id;
  protected final VolumeOptions options;
  protected final Map<String, Long> inputs = new LinkedHashMap<>();
  protected final List<String> expected = new ArrayList<>();
  /** Inputs whose writer is running (nested writers write two inputs at once). */
  private final Set<String> writing = new HashSet<>();
  /** The first input whose writing failed: such a hand-off can no longer start. */
  private String failedInput;
  protected boolean started;
  protected HandoffResult result;
  protected boolean closed;

  AbstractHandoff(String id, VolumeOptions options) {
    this.id = id;
    this.options = options;
  }

  protected abstract Path inputDir();

  protected abstract Path outputDir();

  protected abstract Path logFile();

  /** Announces the inputs; called once, after every input is in place. */
  protected abstract void doStart() throws IOException;

  /** Waits for the raw result (ok or not); throws on timeout or a gone agent. */
  protected abstract HandoffResult doAwait(Duration timeout);

  /** The manifest entry of an output, or {@code null} when the mode has no manifest (legacy). */
  protected abstract OutputEntry manifestEntry(String name);

  @Override
  public String id() {
    return id;
  }

  // ---- inputs -------------------------------------------------------------------------------

  @Override
  public Handoff writeInput(String name, byte[] data) {
    return writeWith(name, temp -> {
      Files.write(temp, data, StandardOpenOption.CREATE_NEW);
      return data.length;
    });
  }

  @Override
  public Handoff writeInput(String name, Path source) {
    if (!Files.isRegularFile(source)) {
      throw error("input source " + source + " for '" + name + "' is not a readable regular file", null);
    }
    return writeWith(name, temp -> Streams.copyFile(source, temp));
  }

  @Override
  public Handoff writeInput(String name, InputStream data) {
    return writeWith(name, temp -> Files.copy(data, temp));
  }

  @Override
  public Handoff writeLines(String name, Iterable<? extends CharSequence> lines) {
    return writeWith(name, temp -> {
      try (var w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW)) {
        for (CharSequence line : lines) {
          w.append(line).append('\n');
        }
      }
      return Files.size(temp);
    });
  }

  /**
   * Runs {@code writer} on the calling thread against a fresh temporary file and publishes it (one
   * rename) only when the writer returns normally: the entire input or nothing.
   */
  @Override
  public Handoff writeInput(String name, InputWriter writer) {
    Objects.requireNonNull(writer, "writer");
    Path target = inputTarget(name);
    Path temp = AtomicFiles.tempSibling(target);
    writing.add(name);
    try {
      try (OutputStream file = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW);
           InputSink sink = new InputSink(file, name)) {
        writer.writeTo(sink);
        sink.finish();
      }
      long size = Files.size(temp);
      AtomicFiles.publish(temp, target);
      inputs.put(name, size);
      return this;
    } catch (Throwable e) { // NOPMD: whatever the writer throws, nothing of the input may be published
      AtomicFiles.deleteQuietly(temp);
      failedInput = failedInput == null ? name : failedInput;
      if (e instanceof RuntimeException || e instanceof Error) {
        throw sneaky(e);
      }
      throw error("cannot write input '" + name + "' to " + target + ": " + e.getMessage()
          + "; nothing of it was published", e);
    } finally {
      writing.remove(name);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T sneaky(Throwable e) throws T {
    throw (T) e;
  }

  /**
   * What a writer of {@link #writeInput(String, InputWriter)} writes to: buffered; its {@code close}
   * only flushes and ends the writing (it does not publish); any use after the writer returned fails.
   */
  private final class InputSink extends OutputStream {
    private final OutputStream out;
    private final String name;
    private boolean closed;

    InputSink(OutputStream file, String name) {
      this.out = new BufferedOutputStream(file, 1 << 16);
      this.name = name;
    }

    private void open() throws IOException {
      if (closed) {
        throw new IOException("request " + id + ": input '" + name + "' is no longer open for writing");
      }
    }

    @Override
    public void write(int b) throws IOException {
      open();
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      open();
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      open();
      out.flush();
    }

    /** Called by the writer: ends its writing. Publishing still waits for the writer to return. */
    @Override
    public void close() throws IOException {
      if (!closed) {
        out.flush();
        closed = true;
      }
    }

    /** Called after the writer returned normally. */
    void finish() throws IOException {
      close();
    }
  }

  @Override
  public Handoff expectOutput(String name) {
    Names.checkName(id, name);
    expected.add(name);
    return this;
  }

  private interface Writer {
    /** Writes the temporary file and returns how many bytes it holds. */
    long write(Path temp) throws IOException;
  }

  private Handoff writeWith(String name, Writer writer) {
    Path target = inputTarget(name);
    Path temp = AtomicFiles.tempSibling(target);
    try {
      long size = writer.write(temp);
      AtomicFiles.publish(temp, target);
      inputs.put(name, size);
      return this;
    } catch (IOException | UncheckedIOException e) {
      AtomicFiles.deleteQuietly(temp);
      failedInput = failedInput == null ? name : failedInput;
      throw error("cannot write input '" + name + "' to " + target + ": " + e.getMessage()
          + "; nothing of it was published", e);
    } catch (RuntimeException | Error e) {
      AtomicFiles.deleteQuietly(temp);
      failedInput = failedInput == null ? name : failedInput;
      throw e;
    }
  }

  private Path inputTarget(String name) {
    requireState(!started, "inputs can only be written before start()");
    Names.checkName(id, name);
    if (inputs.containsKey(name) || writing.contains(name)) {
      throw error("input '" + name + "' was already written", null);
    }
    try {
      Names.createParents(inputDir(), id, name);
    } catch (IOException e) {
      throw error("cannot create the directories of input '" + name + "'", e);
    }
    // the leaf is written by rename(2), which replaces a planted link instead of following it
    return inputDir().resolve(name);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Override
  public void start() {
    requireState(!started, "start() was already called");
    requireState(writing.isEmpty(), "input(s) " + writing + " are still being written; start() only after their writers returned");
    requireState(failedInput == null, "input '" + failedInput + "' failed while it was written and nothing of it was "
        + "published; this hand-off cannot start (close it and use a new one)");
    started = true;
    try {
      doStart();
    } catch (IOException e) {
      throw error("cannot start: " + e.getMessage(), e);
    }
  }

  @Override
  public HandoffResult await(Duration timeout) {
    requireState(started, "await() before start()");
    if (result == null) {
      result = doAwait(timeout);
    }
    if (!result.ok()) {
      String tail = Streams.tail(logFile(), options.logTailLines());
      String exit = result.exitCode() == HandoffException.NO_EXIT_CODE ? "" : " (exit code " + result.exitCode() + ")";
      throw new HandoffException("request " + id + " " + result.status() + exit + ": " + result.error()
          + (tail.isEmpty() ? "" : "\n--- last lines of the request log ---\n" + tail),
          id, result.exitCode(), tail, null);
    }
    return result;
  }

  // ---- outputs ------------------------------------------------------------------------------

  @Override
  public InputStream openOutput(String name) {
    Path file = outputFile(name);
    OutputEntry entry = manifestEntry(name);
    try {
      InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
      return entry == null ? in : new VerifyingInputStream(in, id, entry);
    } catch (IOException e) {
      throw error("cannot open output '" + name + "': " + e.getMessage(), e);
    }
  }

  @Override
  public byte[] readOutput(String name) {
    requireState(result != null && result.ok(), "outputs can only be read after a successful await()");
    OutputEntry entry = manifestEntry(name);
    if (entry != null && entry.size() > Integer.MAX_VALUE - 16) {
      throw error("output '" + name + "' is too large to read into memory; use copyOutput or openOutput", null);
    }
    try (InputStream in = openOutput(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw error("cannot read output '" + name + "': " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> readLines(String name) {
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(openOutput(name), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lines.add(line);
      }
      return lines;
    } catch (IOException e) {
      throw error("cannot read output '" + name + "': " + e.getMessage(), e);
    }
  }

  @Override
  public void copyOutput(String name, Path target) {
    Path file = outputFile(name);
    OutputEntry entry = manifestEntry(name);
    Path temp = AtomicFiles.tempSibling(target.toAbsolutePath());
    ChecksumAlgorithm.Digest digest = entry == null ? null : entry.algorithm().newDigest();
    long count = 0;
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
         FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
      ByteBuffer buf = Streams.buffer();
      while (in.read(buf) >= 0) {
        buf.flip();
        count += buf.remaining();
        if (digest != null) {
          digest.update(buf.duplicate());
        }
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        buf.clear();
      }
    } catch (IOException e) {
      AtomicFiles.deleteQuietly(temp);
      throw error("cannot copy output '" + name + "' to " + target + ": " + e.getMessage(), e);
    }
    if (entry != null && (count != entry.size() || !digest.hex().equals(entry.checksum()))) {
      AtomicFiles.deleteQuietly(temp);
      throw error("output '" + name + "' failed verification: " + count + " bytes / " + entry.algorithm().wireName()
          + " " + digest.hex() + ", the manifest says " + entry.size() + " / " + entry.checksum(), null);
    }
    try {
      AtomicFiles.publish(temp, target);
    } catch (IOException e) {
      AtomicFiles.deleteQuietly(temp);
      throw error("cannot move output '" + name + "' into place at " + target, e);
    }
  }

  @Override
  public String log() {
    try {
      return Files.exists(logFile()) ? Files.readString(logFile(), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw error("cannot read the request log " + logFile(), e);
    }
  }

  /** Resolves an output that may be read now: the request succeeded and the name is safe. */
  protected Path outputFile(String name) {
    requireState(result != null && result.ok(), "outputs can only be read after a successful await()");
    Names.checkName(id, name);
    int slash = name.lastIndexOf('/');
    Path parent = slash < 0 ? Names.resolveInside(outputDir(), id, null)
        : Names.resolveInside(outputDir(), id, name.substring(0, slash));
    Path file = parent.resolve(name.substring(slash + 1));
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw error("output '" + name + "' does not exist (" + file + ")", e);
    }
    if (attrs.isSymbolicLink()) {
      throw error("refused output '" + name + "': " + file + " is a symbolic link", null);
    }
    if (!attrs.isRegularFile()) {
      throw error("output '" + name + "' is not a regular file (" + file + ")", null);
    }
    if (attrs.size() > options.maxOutputBytes()) {
      throw error("output '" + name + "' has " + attrs.size() + " bytes, over the limit of " + options.maxOutputBytes(), null);
    }
    return file;
  }

  protected void requireState(boolean ok, String what) {
    if (!ok) {
      throw error(closed ? "the hand-off is closed" : what, null);
    }
    if (closed) {
      throw error("the hand-off is closed", null);
    }
  }

  protected HandoffException error(String message, Throwable cause) {
    return new HandoffException("request " + id + ": " + message, id,
        result == null ? HandoffException.NO_EXIT_CODE : result.exitCode(), "", cause);
  }
}
