package io.sparksidecar.plugin.runtime.kubernetes;

import java.util.List;

/**
 * What {@link SidecarFeatureStep} adds to every executor pod of one application, resolved and
 * validated once from the {@code spark.sidecar.*} keys by {@link SidecarPodSpecs}: the
 * Kubernetes counterpart of the docker runtime's {@code ContainerSpec}, free of fabric8 types so
 * it can be built and checked on a driver before any pod exists. Only the executor's id and the
 * application id are added per pod (as {@code SIDECAR_EXECUTOR_ID} / {@code SIDECAR_APP_ID}).
 *
 * @param nativeSidecar true: an init container with {@code restartPolicy: Always} and a startup
 *                      probe; false: a regular second container with a readiness probe
 * @param image         the sidecar's image ({@code spark.sidecar.image}), never the executor's
 * @param command       the container's {@code command}: the inlined sh agent, or empty (the image's ENTRYPOINT)
 * @param args          the container's {@code args}: {@code spark.sidecar.command}, or empty (the image's CMD)
 * @param env           environment, in order
 * @param ports         container ports (informational in a pod: the executor reaches them on localhost)
 * @param runAsUser     numeric uid, or null for the image's user (then {@code runAsNonRoot} lets the kubelet check it)
 * @param runAsGroup    numeric gid, or null
 * @param runAsNonRoot  false only with {@code spark.sidecar.allowRoot=true}
 * @param fsGroup       pod {@code fsGroup} to set when the pod has none (so both containers share the
 *                      volumes' group, as {@code --group-add} does on Docker), or null
 * @param volumes       the shared volumes, mounted at the same path in both containers
 * @param medium        emptyDir medium of the shared volumes: "" (node disk) or "Memory"
 * @param sizeLimitBytes size limit of each shared volume, 0 = none
 * @param shmBytes      size of a memory-backed emptyDir on the sidecar's {@code /dev/shm}, 0 = none
 * @param cpu           CPU quantity for requests and limits ("2", "500m"), or null
 * @param memory        memory quantity for requests and limits ("6Gi"), or null
 * @param gpus          {@code nvidia.com/gpu} limit, 0 = none
 * @param probe         how the kubelet tells that the sidecar is ready, or null for none
 */
record SidecarPodSpec(boolean nativeSidecar, String image, List<String> command, List<String> args, List<Env> env,
    List<Integer> ports, Long runAsUser, Long runAsGroup, boolean runAsNonRoot, Long fsGroup, List<SharedVolume> volumes,
    String medium, long sizeLimitBytes, long shmBytes, String cpu, String memory, int gpus, Probe probe) {

  /** Name of the sidecar container in every executor pod. */
  static final String CONTAINER_NAME = "spark-sidecar";
  /** Pod volume name of the sidecar's {@code /dev/shm}. */
  static final String SHM_VOLUME = "spark-sidecar-shm";
  /** Prefix of the pod volume names of the shared volumes: {@code spark-sidecar-<name>}. */
  static final String VOLUME_PREFIX = "spark-sidecar-";

  SidecarPodSpec {
    command = List.copyOf(command);
    args = List.copyOf(args);
    env = List.copyOf(env);
    ports = List.copyOf(ports);
    volumes = List.copyOf(volumes);
  }

  /** One environment variable. */
  record Env(String name, String value) {}

  /** One shared volume: its pod volume name and where both containers mount it. */
  record SharedVolume(String podVolumeName, String mountPath) {}

  /**
   * A kubelet probe. {@code kind} is "tcp" (a TCP connect to the pod IP on {@code port}), "http"
   * (GET {@code path} on {@code port}) or "exec" ({@code exec} run in the sidecar). Polled every
   * second; {@code failureThreshold} failures in a row fail it.
   */
  record Probe(String kind, int port, String path, List<String> exec, int timeoutSeconds, int failureThreshold) {
    Probe {
      exec = List.copyOf(exec);
    }
  }
}
