package io.sparksidecar.protocol.conformance;

/** The conformance suite against ShellAgentLauncher.dash(). */
class DashShAgentConformanceTest extends AgentContract {
  private static final AgentLauncher LAUNCHER = ShellAgentLauncher.dash();

  @Override
  protected AgentLauncher launcher() {
    return LAUNCHER;
  }
}
