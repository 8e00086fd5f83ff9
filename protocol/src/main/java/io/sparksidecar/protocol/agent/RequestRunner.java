package io.sparksidecar.protocol.agent;

import io.sparksidecar.protocol.HandoffException;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.Marker;
import io.sparksidecar.protocol.Names;
import io.sparksidecar.protocol.OutputEntry;
import io.sparksidecar.protocol.Protocol;
import io.sparksidecar.protocol.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Runs one claimed request: check inputs, run the command, build the manifest, write the done marker. */
final class RequestRunner {
  private final Protocol protocol;
  private final AgentOptions options;
  private final BooleanSupplier stopping;
  private final Map<String, Process> running = new ConcurrentHashMap<>();
  private final List<Worker> allWorkers = new ArrayList<>();
  private final BlockingQueue<Worker> idleWorkers = new LinkedBlockingQueue<>();
  private final CancelWatch cancelWatch;

  RequestRunner(Protocol protocol, AgentOptions options, BooleanSupplier stopping) {
    this.protocol = protocol;
    this.options = options;
    this.stopping = stopping;
    if (options.worker()) {
      for (int i = 1; i <= options.concurrency(); i++) {
        Worker w = new Worker(options, i);
        allWorkers.add(w);
        idleWorkers.add(w);
      }
      cancelWatch = new CancelWatch(List.copyOf(allWorkers));
    } else {
      cancelWatch = null;
    }
  }

  void run(String id) {
    Path dir = protocol.requestDir(id);
    long started = System.currentTimeMillis();
    HandoffResult result;
    try {
      result = execute(id, dir, started);
    } catch (HandoffException e) {
      result = new HandoffResult(id, HandoffResult.REJECTED, HandoffException.NO_EXIT_CODE, started,
          System.currentTimeMillis(), e.getMessage(), 0, List.of());
    } catch (IOException | RuntimeException e) {
      result = new HandoffResult(id, HandoffResult.FAILED, HandoffException.NO_EXIT_CODE, started,
          System.currentTimeMillis(), "agent error: " + e, 0, List.of());
    }
    if (result == null || stopping.getAsBoolean()) {
      return; // the agent is shutting down and removes the request itself
    }
    if (!result.ok()) {
      appendLog(dir, "sidecar-agent: request " + id + " " + result.status() + ": " + result.error());
    }
    publish(id, dir, result);
  }

  private HandoffResult execute(String id, Path dir, long started) throws IOException {
    Marker start = Marker.read(dir.resolve("claimed"));
    String protocolVersion = start.get("protocol");
    if (!Protocol.VERSION.equals(protocolVersion)) {
      throw new HandoffException("request " + id + ": unsupported protocol '" + protocolVersion + "'");
    }
    checkInputs(id, dir.resolve("in"), start.all("input"));
    List<String> expected = new ArrayList<>();
    for (String name : start.all("expect")) {
      expected.add(Names.checkName(id, name));
    }
    Path out = dir.resolve("out");
    try {
      Files.createDirectory(out);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // created by the command of an earlier try or by the client: fine if it is a plain directory
    }
    Path log = dir.resolve("log");
    int exit = runCommand(id, dir, log);
    if (exit == CANCELLED) {
      return stopping.getAsBoolean() ? null : new HandoffResult(id, HandoffResult.CANCELLED,
          HandoffException.NO_EXIT_CODE, started, System.currentTimeMillis(), "cancelled by the client", size(log), List.of());
    }
    long finished = System.currentTimeMillis();
    List<OutputEntry> outputs;
    try {
      outputs = Manifest.collect(out, id);
    } catch (HandoffException e) {
      return new HandoffResult(id, HandoffResult.FAILED, exit, started, finished, e.getMessage(), size(log), List.of());
    }
    String error = "";
    if (exit != 0) {
      error = describeExit(exit);
    } else {
      for (String name : expected) {
        if (outputs.stream().noneMatch(o -> o.name().equals(name))) {
          error = "declared output '" + name + "' missing";
          break;
        }
      }
    }
    String status = error.isEmpty() ? HandoffResult.OK : HandoffResult.FAILED;
    return new HandoffResult(id, status, exit, started, finished, error, size(log), status.equals(HandoffResult.OK) ? outputs : List.of());
  }

  private static void checkInputs(String id, Path in, List<String> lines) throws IOException {
    if (lines.isEmpty()) {
      return;
    }
    Names.resolveInside(in, id, null); // in/ itself must not be a link
    for (String line : lines) {
      int space = line.indexOf(' ');
      if (space < 0) {
        throw new HandoffException("request " + id + ": malformed input line 'input=" + line + "'");
      }
      String name = Names.checkName(id, line.substring(space + 1));
      int slash = name.lastIndexOf('/');
      Path file = (slash < 0 ? in : Names.resolveInside(in, id, name.substring(0, slash))).resolve(name.substring(slash + 1));
      java.nio.file.attribute.BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new HandoffException("request " + id + ": input '" + name + "' is missing");
      }
      if (attrs.isSymbolicLink()) {
        throw new HandoffException("request " + id + ": refused input '" + name + "': " + file + " is a symbolic link");
      }
      if (!attrs.isRegularFile()) {
        throw new HandoffException("request " + id + ": input '" + name + "' is not a regular file");
      }
      long announced = Long.parseLong(line.substring(0, space));
      long actual = attrs.size();
      if (announced != actual) {
        throw new HandoffException("request " + id + ": input '" + name + "' has " + actual
            + " bytes, the start marker announced " + announced);
      }
    }
  }

  static final int CANCELLED = Integer.MIN_VALUE;

  private int runCommand(String id, Path dir, Path log) throws IOException {
    if (options.worker()) {
      return runOnWorker(id, dir, log);
    }
    ProcessBuilder pb = new ProcessBuilder(options.command())
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = pb.environment();
    options.applyEnvironment(env);
    env.put("SIDECAR_REQUEST_ID", id);
    env.put("SIDECAR_REQUEST_DIR", dir.toString());
    env.put("SIDECAR_IN", dir.resolve("in").toString());
    env.put("SIDECAR_OUT", dir.resolve("out").toString());
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      appendLog(dir, "sidecar-agent: cannot run command " + options.command() + ": " + message);
      return message.contains("error=13") ? 126 : 127;
    }
    running.put(id, process);
    try {
      Path cancel = dir.resolve("cancel");
      while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
        if (stopping.getAsBoolean() || Files.exists(cancel) || !Files.isDirectory(dir)) {
          ProcessTree.kill(process, options.grace());
          return CANCELLED;
        }
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      ProcessTree.kill(process, options.grace());
      Thread.currentThread().interrupt();
      return CANCELLED;
    } finally {
      running.remove(id);
    }
  }

  private int runOnWorker(String id, Path dir, Path log) throws IOException {
    Worker worker = idleWorkers.poll(); // one slot per worker: never empty while a slot is held
    if (worker == null) {
      throw new IllegalStateException("no idle worker although a slot was free");
    }
    Path cancel = dir.resolve("cancel");
    try {
      return worker.serve(id, dir, log, () -> stopping.getAsBoolean() || Files.exists(cancel) || !Files.isDirectory(dir));
    } finally {
      idleWorkers.add(worker);
    }
  }

  /** Kills every running command and worker (agent shutdown). */
  void killAll() {
    if (cancelWatch != null) {
      cancelWatch.close();
    }
    running.values().forEach(p -> ProcessTree.kill(p, options.grace()));
    allWorkers.forEach(Worker::kill);
  }

  private void publish(String id, Path dir, HandoffResult result) {
    Path done = protocol.done(id);
    try {
      result.toMarker().writeAtomically(done);
    } catch (IOException e) {
      System.err.println("sidecar-agent: cannot write done marker for request " + id + ": " + e);
    }
    if (!Files.isDirectory(dir)) {
      AtomicFiles.deleteQuietly(done); // the client already gave up and cleaned up
    }
  }

  private static String describeExit(int exit) {
    return switch (exit) {
      case 127 -> "command not found (exit 127)";
      case 126 -> "command not executable (exit 126)";
      default -> exit > 128 ? "command killed by signal " + (exit - 128) + " (exit " + exit + ")" : "command exited with " + exit;
    };
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  static void appendLog(Path dir, String line) {
    try {
      Files.writeString(dir.resolve("log"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // the request directory is gone
    }
  }
}
