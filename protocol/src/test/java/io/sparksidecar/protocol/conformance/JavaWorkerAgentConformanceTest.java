package io.sparksidecar.protocol.conformance;

/** The conformance suite against the Java agent in persistent-worker mode. */
class JavaWorkerAgentConformanceTest extends AgentContract {
  private static final AgentLauncher LAUNCHER = new JavaWorkerAgentLauncher();

  @Override
  protected AgentLauncher launcher() {
    return LAUNCHER;
  }
}
