package io.sparksidecar.protocol.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The Java reference agent in its own JVM, as the process runtime runs it. */
public final class JavaAgentLauncher implements AgentLauncher {
  @Override
  public RunningAgent start(Path volume, Spec spec) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> prefix = List.of(java.toString(), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"), "io.sparksidecar.protocol.agent.Agent");
    return LocalProcessAgent.start(LocalProcessAgent.argv(prefix, volume, spec), Map.of(),
        LocalProcessAgent.agentLog(volume));
  }

  @Override
  public String toString() {
    return "java agent";
  }
}
