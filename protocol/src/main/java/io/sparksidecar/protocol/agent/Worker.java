package io.sparksidecar.protocol.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A long-lived copy of the command serving requests one at a time (PROTOCOL.md section 10): the
 * agent writes {@code <id> <request dir>} on its stdin; the worker handles the request and prints
 * {@code #sidecar:done <exit code>}. Everything else it prints (stdout and stderr, merged) goes to
 * the current request's log. A worker that dies is started again for the next request.
 *
 * <p>The slot thread that {@link #serve}s reads the worker's output itself (no pump thread, no
 * hand-over per line). Cancels are noticed by {@link CancelWatch}, which calls
 * {@link #checkCancel} on its own thread: it terminates the worker's process tree, the slot
 * thread then reads the end of the output and reports the request cancelled.
 */
final class Worker {
  static final String DONE = "#sidecar:done ";

  private final AgentOptions options;
  private final int index;
  private Process process;
  private OutputStream stdin;
  private BufferedReader stdout;
  // guarded by this: the cancel check of the request being served, and what it did
  private BooleanSupplier serving;
  private boolean cancelSent;
  private long cancelSentAt;
  private List<ProcessHandle> cancelledTree = List.of();

  Worker(AgentOptions options, int index) {
    this.options = options;
    this.index = index;
  }

  /** Serves one request; returns its exit code or {@link RequestRunner#CANCELLED}. Blocks the calling slot thread. */
  int serve(String id, Path dir, Path log, BooleanSupplier cancelled) throws IOException {
    if (process == null || !process.isAlive()) {
      try {
        start();
      } catch (IOException e) {
        RequestRunner.appendLog(dir, "sidecar-agent: cannot start worker " + options.command() + ": " + e.getMessage());
        return String.valueOf(e.getMessage()).contains("error=13") ? 126 : 127;
      }
    }
    Process p = process;
    BufferedReader from = stdout;
    synchronized (this) {
      serving = cancelled;
      cancelSent = false;
    }
    boolean wasCancelled = false;
    try (Writer out = new LazyWriter(log)) {
      try {
        stdin.write((id + " " + dir + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      } catch (IOException e) {
        return cancelledNow() ? RequestRunner.CANCELLED : died(out, p);
      }
      while (true) {
        String line;
        try {
          line = from.readLine();
        } catch (IOException e) {
          line = null; // the worker is gone
        }
        if (line == null) {
          return cancelledNow() ? RequestRunner.CANCELLED : died(out, p);
        }
        if (line.startsWith(DONE)) {
          try {
            return Integer.parseInt(line.substring(DONE.length()).trim());
          } catch (NumberFormatException e) {
            out.write("sidecar-agent: malformed worker reply '" + line + "'\n");
            return 1;
          }
        }
        out.write(line);
        out.write('\n');
      }
    } finally {
      synchronized (this) {
        serving = null;
        wasCancelled = cancelSent;
      }
      if (wasCancelled) {
        kill(); // a cancel that raced with the answer: the next request gets a fresh worker, never a dying one
      }
    }
  }

  private synchronized boolean cancelledNow() {
    return cancelSent;
  }

  /**
   * Called by {@link CancelWatch} every period: asks the request being served whether it was
   * cancelled and if so terminates the worker's process tree (SIGTERM), and SIGKILLs what is left
   * once the grace has passed. Never blocks for long; runs on the watch thread.
   */
  synchronized void checkCancel(long nowMillis) {
    if (serving == null || process == null) {
      return;
    }
    if (!cancelSent) {
      if (serving.getAsBoolean()) {
        cancelSent = true;
        cancelSentAt = nowMillis;
        cancelledTree = process.descendants().toList();
        process.destroy();
        cancelledTree.forEach(ProcessHandle::destroy);
      }
    } else if (nowMillis - cancelSentAt > options.grace().toMillis()) {
      process.destroyForcibly();
      cancelledTree.forEach(ProcessHandle::destroyForcibly);
    }
  }

  private int died(Writer out, Process p) throws IOException {
    int exit;
    try {
      exit = p.waitFor(options.grace().toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit = -1;
    }
    kill();
    out.write("sidecar-agent: worker " + index + " exited with " + exit + " during the request\n");
    return exit > 0 ? exit : 1;
  }

  private void start() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(options.command()).directory(options.volume().toFile())
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    options.applyEnvironment(pb.environment());
    pb.environment().put("SIDECAR_WORKER", String.valueOf(index));
    pb.environment().put("SIDECAR_VOLUME", options.volume().toString());
    Process p = pb.start();
    this.stdout = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    this.stdin = p.getOutputStream();
    this.process = p;
  }

  /** Opens the request log only when the worker prints something: most requests print nothing. */
  private static final class LazyWriter extends Writer {
    private final Path log;
    private Writer out;

    LazyWriter(Path log) {
      this.log = log;
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
      if (out == null) {
        out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      out.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
      if (out != null) {
        out.flush();
      }
    }

    @Override
    public void close() throws IOException {
      if (out != null) {
        out.close();
      }
    }
  }

  /** Stops the worker process tree (TERM, then KILL after the grace period). Blocks up to the grace. */
  void kill() {
    Process p;
    synchronized (this) {
      p = process;
      process = null;
    }
    if (p != null) {
      try {
        p.getOutputStream().close();
      } catch (IOException ignored) {
        // already closed
      }
      ProcessTree.kill(p, options.grace());
    }
  }
}
