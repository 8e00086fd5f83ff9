package io.sparksidecar.plugin.runtime.docker;

import java.util.List;
import java.util.Map;

/**
 * What {@link Engine#create} creates; every value explicit, the hardening included, so both
 * engine clients create the same container. {@code entrypoint}/{@code cmd} empty keep the image's.
 * {@code ports} are published on {@code 127.0.0.1}, each on a free host port. Limits of 0 mean none.
 */
record ContainerSpec(String image, String name, Map<String, String> labels, String user, List<String> env,
    List<String> entrypoint, List<String> cmd, List<String> binds, List<String> groupAdd, List<String> capDrop,
    List<String> securityOpts, long pidsLimit, String network, List<Integer> ports, long nanoCpus, long memoryBytes,
    long shmBytes, int gpus) {

  ContainerSpec {
    labels = Map.copyOf(labels);
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    binds = List.copyOf(binds);
    groupAdd = List.copyOf(groupAdd);
    capDrop = List.copyOf(capDrop);
    securityOpts = List.copyOf(securityOpts);
    ports = List.copyOf(ports);
  }
}
