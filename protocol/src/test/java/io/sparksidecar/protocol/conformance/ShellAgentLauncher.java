package io.sparksidecar.protocol.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The POSIX sh agent as a local process under a given shell. For busybox, every tool the agent and
 * the command use comes from busybox too (a PATH of busybox applet links), as inside a FROM-scratch image.
 */
public final class ShellAgentLauncher implements AgentLauncher {
  private final String shell;

  private ShellAgentLauncher(String shell) {
    this.shell = shell;
  }

  public static ShellAgentLauncher busybox() {
    return new ShellAgentLauncher("busybox");
  }

  public static ShellAgentLauncher dash() {
    return new ShellAgentLauncher("dash");
  }

  /** The agent script, extracted from the protocol jar's resources to a file. */
  public static Path agentScript() throws IOException {
    Path script = Files.createTempFile("sidecar-agent", ".sh");
    try (InputStream in = ShellAgentLauncher.class.getResourceAsStream("/io/sparksidecar/protocol/agent/sidecar-agent.sh")) {
      if (in == null) {
        throw new IOException("sidecar-agent.sh is missing from the classpath");
      }
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    script.toFile().deleteOnExit();
    return script;
  }

  /** Skips (or, with -Dsidecar.requireShells=true as in CI, fails) when the shell is not installed. */
  static Path which(String program) {
    for (String dir : System.getenv("PATH").split(":")) {
      Path p = Path.of(dir, program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    if (Boolean.getBoolean("sidecar.requireShells")) {
      throw new IllegalStateException(program + " is not installed; CI installs it (apt-get install busybox-static dash)");
    }
    Assumptions.abort(program + " is not installed (apt-get install busybox-static dash)");
    return null;
  }

  private static Path busyboxPath(Path busybox) throws IOException {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "sidecar-busybox-bin");
    if (!Files.isExecutable(dir.resolve("sh"))) {
      Files.createDirectories(dir);
      Process p = new ProcessBuilder(busybox.toString(), "--install", "-s", dir.toString()).inheritIO().start();
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return dir;
  }

  @Override
  public RunningAgent start(Path volume, Spec spec) throws IOException {
    Path program = which(shell);
    List<String> prefix = new ArrayList<>();
    prefix.add(program.toString());
    if (shell.equals("busybox")) {
      prefix.add("sh");
    }
    prefix.add(agentScript().toString());
    Map<String, String> env = shell.equals("busybox")
        ? Map.of("PATH", busyboxPath(program).toString())
        : Map.of();
    return LocalProcessAgent.start(LocalProcessAgent.argv(prefix, volume, spec), env, LocalProcessAgent.agentLog(volume));
  }

  @Override
  public String toString() {
    return "sh agent under " + shell;
  }
}
