package io.sparksidecar.protocol.conformance;

/** The conformance suite against new JavaAgentLauncher(). */
class JavaAgentConformanceTest extends AgentContract {
  private static final AgentLauncher LAUNCHER = new JavaAgentLauncher();

  @Override
  protected AgentLauncher launcher() {
    return LAUNCHER;
  }
}
