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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A long-lived copy of the command serving requests one at a time (PROTOCOL.md section 10): the
 * agent writes {@code <id> <request dir>} on its stdin; the worker handles the request and prints
 * {@code #sidecar:done <exit code>}. Everything else it prints (stdout and stderr, merged) goes to
 * the current request's log. A worker that dies is started again for the next request.
 */
final class Worker {
  static final String DONE = "#sidecar:done ";
  private static final String EOF = new String("eof"); // identity sentinel

  private final AgentOptions options;
  private final int index;
  private Process process;
  private OutputStream stdin;
  private BlockingQueue<String> lines;

  Worker(AgentOptions options, int index) {
    this.options = options;
    this.index = index;
  }

  /** Serves one request; returns its exit code or {@link RequestRunner#CANCELLED}. Blocks the calling slot. */
  int serve(String id, Path dir, Path log, BooleanSupplier cancelled) throws IOException {
    if (process == null || !process.isAlive()) {
      try {
        start();
      } catch (IOException e) {
        RequestRunner.appendLog(dir, "sidecar-agent: cannot start worker " + options.command() + ": " + e.getMessage());
        return String.valueOf(e.getMessage()).contains("error=13") ? 126 : 127;
      }
    }
    try (Writer out = new LazyWriter(log)) {
      try {
        stdin.write((id + " " + dir + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      } catch (IOException e) {
        return died(out);
      }
      while (true) {
        String line = lines.poll(50, TimeUnit.MILLISECONDS);
        if (line == null) {
          if (cancelled.getAsBoolean()) {
            kill();
            return RequestRunner.CANCELLED;
          }
          continue;
        }
        if (line == EOF) {
          return died(out);
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      return RequestRunner.CANCELLED;
    }
  }

  private int died(Writer out) throws IOException {
    int exit;
    try {
      exit = process.waitFor(options.grace().toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
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
    pb.environment().put("SIDECAR_WORKER", String.valueOf(index));
    pb.environment().put("SIDECAR_VOLUME", options.volume().toString());
    Process p = pb.start();
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          q.add(line);
        }
      } catch (IOException ignored) {
        // the worker is gone
      }
      q.add(EOF);
    }, "sidecar-agent-worker-output-" + index);
    pump.setDaemon(true);
    pump.start();
    this.process = p;
    this.stdin = p.getOutputStream();
    this.lines = q;
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

  /** Stops the worker process tree (TERM, then KILL after the grace period). */
  void kill() {
    Process p = process;
    process = null;
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
