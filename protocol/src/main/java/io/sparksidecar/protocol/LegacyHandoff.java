package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** One legacy flag-file hand-off (PROTOCOL.md section 8). Releases the volume's turn on close. */
final class LegacyHandoff extends AbstractHandoff {
  private final Path root;
  private final DirectoryWatcher watcher;
  private final Runnable release;
  private final List<String> read = new ArrayList<>();
  private long startedMillis;

  LegacyHandoff(String id, Path root, VolumeOptions options, DirectoryWatcher watcher, Runnable release) {
    super(id, options);
    this.root = root;
    this.watcher = watcher;
    this.release = release;
  }

  @Override
  protected Path inputDir() {
    return root;
  }

  @Override
  protected Path outputDir() {
    return root;
  }

  @Override
  protected Path logFile() {
    return root.resolve(Protocol.LEGACY_LOG);
  }

  @Override
  protected void doStart() throws IOException {
    startedMillis = System.currentTimeMillis();
    AtomicFiles.write(root.resolve(Protocol.START_FLAG), new byte[0]);
  }

  @Override
  protected HandoffResult doAwait(Duration timeout) {
    Path doneFlag = root.resolve(Protocol.DONE_FLAG);
    long deadline = System.nanoTime() + timeout.toNanos();
    Liveness liveness = options.extraLiveness() == null ? Liveness.assumeAlive() : options.extraLiveness();
    try {
      while (!Files.exists(doneFlag)) {
        Optional<String> gone = liveness.goneReason();
        if (gone.isPresent() && !Files.exists(doneFlag)) {
          throw error("legacy agent on " + root + " is gone before writing done_flag: " + gone.get(), null);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw error("timed out after " + timeout.toMillis() + " ms waiting for done_flag in " + root, null);
        }
        Set<String> ignored = watcher.await(Math.min(options.pollInterval().toMillis(), Math.max(1, left / 1_000_000)));
      }
      String content = Files.readString(doneFlag, StandardCharsets.UTF_8);
      if (content.isBlank()) {
        // images write the flag with a shell redirection (create, then write): look once more
        Thread.sleep(options.pollInterval().toMillis());
        content = Files.readString(doneFlag, StandardCharsets.UTF_8);
      }
      Integer parsed = parseExit(content);
      int exit = parsed == null ? HandoffException.NO_EXIT_CODE : parsed;
      String status = parsed != null && exit == 0 ? HandoffResult.OK : HandoffResult.FAILED;
      String error = parsed == null
          ? "unparseable done_flag " + doneFlag + ": '" + firstLine(content) + "' (expected an empty file or exit=<n>)"
          : exit == 0 ? "" : "legacy agent reported exit " + exit;
      for (String name : expected) {
        if (status.equals(HandoffResult.OK) && !Names.isPlainFile(Names.resolveInside(root, id, name))) {
          status = HandoffResult.FAILED;
          error = "declared output '" + name + "' missing";
          break;
        }
      }
      long logBytes = Files.exists(logFile()) ? Files.size(logFile()) : 0;
      return new HandoffResult(id, status, exit, startedMillis, System.currentTimeMillis(), error, logBytes, List.of());
    } catch (IOException e) {
      throw error("cannot read done_flag in " + root + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw error("interrupted while waiting for done_flag", e);
    }
  }

  /**
   * The exit code a {@code done_flag} reports (PROTOCOL.md section 8): empty (or only whitespace)
   * means 0; otherwise its first line is {@code exit=<n>} or a bare {@code <n>}, later lines are
   * ignored. Anything else is {@code null}: a flag nobody can read must never pass as a success.
   */
  static Integer parseExit(String content) {
    if (content.isBlank()) {
      return 0;
    }
    String line = content.strip().lines().findFirst().orElse("").strip();
    String value = line.startsWith("exit=") ? line.substring(5).strip() : line;
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The first line of {@code content}, at most 80 characters, for an error message. */
  private static String firstLine(String content) {
    String line = content.strip().lines().findFirst().orElse("");
    return line.length() <= 80 ? line : line.substring(0, 80) + "...";
  }

  @Override
  protected OutputEntry manifestEntry(String name) {
    read.add(name);
    return null; // the legacy convention has no manifest
  }

  @Override
  public List<String> outputNames() {
    return List.copyOf(expected);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (started) {
        AtomicFiles.write(root.resolve(Protocol.CLOSE_FLAG), new byte[0]);
      }
      // nothing from this hand-off may be mistaken for the next one's
      for (String name : inputs.keySet()) {
        Files.deleteIfExists(root.resolve(name));
      }
      for (String name : read) {
        Files.deleteIfExists(root.resolve(name));
      }
      for (String name : expected) {
        Files.deleteIfExists(root.resolve(name));
      }
    } catch (IOException e) {
      throw error("cannot close legacy hand-off in " + root + ": " + e.getMessage(), e);
    } finally {
      release.run();
    }
  }
}
