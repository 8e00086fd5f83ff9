package io.sparksidecar.protocol.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Java agent in persistent-worker mode (PROTOCOL.md section 10). The suite's per-request
 * script runs inside a minimal sh worker loop, so the same contract holds for both agent modes.
 */
public final class JavaWorkerAgentLauncher implements AgentLauncher {
  /** Reads "<id> <dir>" lines, runs the per-request script in that request, replies with its exit code. */
  static final String WORKER_LOOP = "while read -r id dir; do "
      + "( cd \"$dir\" && SIDECAR_REQUEST_ID=$id SIDECAR_REQUEST_DIR=$dir SIDECAR_IN=$dir/in SIDECAR_OUT=$dir/out "
      + "exec sh \"$0\" ) 2>&1 < /dev/null; echo \"#sidecar:done $?\"; done";

  @Override
  public RunningAgent start(Path volume, Spec spec) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> prefix = new ArrayList<>(List.of(java.toString(), "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "io.sparksidecar.protocol.agent.Agent"));
    if (!spec.legacy()) {
      prefix.add("--worker");
    }
    return LocalProcessAgent.start(LocalProcessAgent.argv(prefix, volume, spec), Map.of(),
        LocalProcessAgent.agentLog(volume));
  }

  @Override
  public List<String> scriptCommand(Path script) {
    return List.of("sh", "-c", WORKER_LOOP, script.toString());
  }

  @Override
  public List<String> legacyScriptCommand(Path script) {
    return List.of("sh", script.toString());
  }

  @Override
  public String toString() {
    return "java agent, persistent workers";
  }
}
