package io.sparksidecar.protocol.conformance;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** An agent running as a local child process; remembers its descendants so a crash leaves nothing. */
final class LocalProcessAgent implements AgentLauncher.RunningAgent {
  private final Process process;
  private final List<ProcessHandle> seen = new ArrayList<>();

  private LocalProcessAgent(Process process) {
    this.process = process;
  }

  static LocalProcessAgent start(List<String> argv, Map<String, String> env, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    return new LocalProcessAgent(pb.start());
  }

  /** Builds the argv of an agent from its launcher prefix and the spec. */
  static List<String> argv(List<String> prefix, Path volume, AgentLauncher.Spec spec) {
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(List.of("--volume", volume.toString(), "--concurrency", String.valueOf(spec.concurrency()),
        "--client-timeout-ms", String.valueOf(spec.clientTimeoutMillis()), "--grace-ms", String.valueOf(spec.graceMillis())));
    if (spec.legacy()) {
      argv.add("--legacy");
    }
    argv.add("--");
    argv.addAll(spec.command());
    return argv;
  }

  static Path agentLog(Path volume) throws IOException {
    Path log = volume.resolveSibling(volume.getFileName() + "-agent.log");
    Files.deleteIfExists(log);
    return log;
  }

  @Override
  public void crash() {
    remember();
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void terminate() {
    remember();
    process.destroy();
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public boolean awaitExit(long millis) throws InterruptedException {
    remember();
    return process.waitFor(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public int exitValue() {
    return process.exitValue();
  }

  private void remember() {
    process.descendants().forEach(seen::add);
  }

  /**
   * Kills the agent and every descendant it had, and waits (5 s at most) until they are gone, so that
   * nothing of it still writes into the volume when the test's directory is deleted.
   */
  @Override
  public void close() {
    remember();
    process.destroyForcibly();
    seen.forEach(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      while (seen.stream().anyMatch(LocalProcessAgent::running) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Alive and not a zombie (a killed orphan waits for its reaper, which may be slow, but runs no more). */
  private static boolean running(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 1).trim().startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return false; // gone
    }
  }
}
