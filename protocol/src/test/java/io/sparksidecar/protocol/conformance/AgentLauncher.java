package io.sparksidecar.protocol.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts one agent implementation on a volume. The conformance suite runs unchanged against
 * every launcher (Java agent, sh agent under busybox and dash, sh agent inside a container).
 */
public interface AgentLauncher {

  /**
   * What the agent is started with: {@code --concurrency}, {@code --legacy}, {@code --client-timeout-ms},
   * {@code --grace-ms} and the command. Launchers pass every value as the flag of that name.
   */
  record Spec(int concurrency, boolean legacy, long clientTimeoutMillis, List<String> command, long graceMillis) {
    /** The grace the suite uses unless a case needs another. */
    public static final long DEFAULT_GRACE_MILLIS = 500;

    /** With the suite's default grace ({@value #DEFAULT_GRACE_MILLIS} ms). */
    public Spec(int concurrency, boolean legacy, long clientTimeoutMillis, List<String> command) {
      this(concurrency, legacy, clientTimeoutMillis, command, DEFAULT_GRACE_MILLIS);
    }
  }

  /** Starts the agent on {@code volume}; the returned handle kills everything it started. */
  RunningAgent start(Path volume, Spec spec) throws IOException;

  /** How this agent runs the suite's command script (a path on this machine). */
  default List<String> scriptCommand(Path script) {
    return List.of("sh", script.toString());
  }

  /** How this agent runs the suite's script in legacy mode (one run per agent life). */
  default List<String> legacyScriptCommand(Path script) {
    return scriptCommand(script);
  }

  /** A running agent. */
  interface RunningAgent extends AutoCloseable {
    /** Kills the agent itself with SIGKILL (not its commands): a crash. */
    void crash();

    /** Asks the agent to stop with SIGTERM (as {@code docker stop} does). */
    void terminate();

    boolean isAlive();

    /** Waits up to {@code millis} for the agent to exit by itself; true if it did. */
    boolean awaitExit(long millis) throws InterruptedException;

    /** The agent's exit status, once it exited. */
    int exitValue();

    /** Kills the agent and everything it started. Idempotent. */
    @Override
    void close();
  }
}
