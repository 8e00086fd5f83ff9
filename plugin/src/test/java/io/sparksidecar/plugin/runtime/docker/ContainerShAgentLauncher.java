package io.sparksidecar.plugin.runtime.docker;

import io.sparksidecar.protocol.conformance.AgentLauncher;
import io.sparksidecar.protocol.conformance.ShellAgentLauncher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The sh agent inside a real busybox container, the volume bind-mounted at the same path as on
 * the host (so the suite's paths mean the same inside), and the host's pid namespace (so the suite
 * can check that killed commands are really gone).
 */
final class ContainerShAgentLauncher implements AgentLauncher {
  static final String LABEL = "io.sparksidecar.conformance";
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  String runLabel() {
    return run;
  }

  @Override
  public RunningAgent start(Path volume, Spec spec) throws IOException {
    Path mount = volume.getParent();
    Path agent = ShellAgentLauncher.agentScript();
    agent.toFile().setReadable(true, false);
    List<String> argv = new ArrayList<>(List.of("run", "-d", "--label", LABEL + "=" + run, "--pid=host", "--user", "0:0",
        "-v", mount + ":" + mount, "-v", agent + ":/opt/sidecar/agent.sh:ro", TestImages.BUSYBOX,
        "sh", "/opt/sidecar/agent.sh", "--volume", volume.toString(), "--concurrency", String.valueOf(spec.concurrency()),
        "--client-timeout-ms", String.valueOf(spec.clientTimeoutMillis()), "--grace-ms", String.valueOf(spec.graceMillis())));
    if (spec.legacy()) {
      argv.add("--legacy");
    }
    argv.add("--");
    argv.addAll(spec.command());
    String id = Docker.run(argv.toArray(new String[0]));
    if (!id.matches("[0-9a-f]{64}")) {
      throw new IOException("docker run failed: " + id);
    }
    return new RunningContainer(id);
  }

  private record RunningContainer(String id) implements RunningAgent {
    @Override
    public void crash() {
      Docker.run("kill", "-s", "KILL", id);
    }

    @Override
    public void terminate() {
      Docker.run("kill", "-s", "TERM", id);
    }

    @Override
    public boolean isAlive() {
      return "true".equals(Docker.inspect(id, "{{.State.Running}}"));
    }

    @Override
    public boolean awaitExit(long millis) throws InterruptedException {
      long deadline = System.currentTimeMillis() + millis;
      while (isAlive()) {
        if (System.currentTimeMillis() > deadline) {
          return false;
        }
        Thread.sleep(50);
      }
      return true;
    }

    @Override
    public int exitValue() {
      return Integer.parseInt(Docker.inspect(id, "{{.State.ExitCode}}").trim());
    }

    @Override
    public void close() {
      Docker.run("rm", "-f", id);
    }
  }

  @Override
  public String toString() {
    return "sh agent in a busybox container";
  }
}
