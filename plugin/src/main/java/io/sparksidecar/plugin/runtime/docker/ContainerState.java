package io.sparksidecar.plugin.runtime.docker;

import java.util.Map;

/**
 * A container as {@link Engine#inspect} sees it: running or not, exit code, OOM kill, health
 * status ("none" without a HEALTHCHECK) and the host ports its container ports are published on.
 */
record ContainerState(boolean running, int exitCode, boolean oomKilled, String health, Map<Integer, Integer> hostPorts) {
  ContainerState {
    hostPorts = Map.copyOf(hostPorts);
  }
}
