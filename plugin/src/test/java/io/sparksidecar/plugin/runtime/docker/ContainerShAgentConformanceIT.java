package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.protocol.conformance.AgentContract;
import io.sparksidecar.protocol.conformance.AgentLauncher;
import org.junit.jupiter.api.AfterAll;

/** The protocol conformance suite against the sh agent inside a real container, through a bind mount. */
class ContainerShAgentConformanceIT extends AgentContract {
  private static final ContainerShAgentLauncher LAUNCHER = new ContainerShAgentLauncher();

  @Override
  protected AgentLauncher launcher() {
    return LAUNCHER;
  }

  @AfterAll
  static void noContainerLeft() {
    assertThat(Docker.containersWithLabel(ContainerShAgentLauncher.LABEL, LAUNCHER.runLabel())).isEmpty();
  }
}
