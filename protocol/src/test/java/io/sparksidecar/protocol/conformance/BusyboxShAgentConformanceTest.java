package io.sparksidecar.protocol.conformance;

/** The conformance suite against ShellAgentLauncher.busybox(). */
class BusyboxShAgentConformanceTest extends AgentContract {
  private static final AgentLauncher LAUNCHER = ShellAgentLauncher.busybox();

  @Override
  protected AgentLauncher launcher() {
    return LAUNCHER;
  }
}
