package io.sparksidecar.plugin.runtime.kubernetes;

import io.sparksidecar.plugin.runtime.InstanceStatus;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarRuntime;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import java.time.Duration;
import java.util.Map;

/**
 * The executor side on Kubernetes: the sidecar is already a container of this executor's pod
 * (added by {@link SidecarFeatureStep}; the kubelet starts, restarts and removes it), so
 * {@link #start} starts nothing and returns an instance that only observes: the supervisor's
 * readiness check (a port or HTTP path on localhost, which the pod shares) tells whether it is
 * there; {@link SidecarInstance#stop} does nothing. Used on an executor whose environment is the
 * one Spark sets in executor pods ({@code SPARK_EXECUTOR_POD_NAME}). Nothing here blocks.
 *
 * <p>Hand-offs ({@code protocol=v1}) use the pod's emptyDir volumes where the executor container
 * mounts them ({@link #providesVolumes}); readiness {@code agent} reads the agent's heartbeat there.
 * The pod's status (restarts, exit codes) is read by the driver, not here ({@link PodStatusWatcher}),
 * so the instance reports running and its log tail is empty; failures show as failed readiness checks.
 */
public final class KubernetesRuntime implements SidecarRuntime {
  /** Set by Spark in every executor pod (BasicExecutorFeatureStep). */
  static final String POD_NAME_ENV = "SPARK_EXECUTOR_POD_NAME";

  /** True inside an executor pod built by Spark on Kubernetes. */
  public static boolean inExecutorPod(Map<String, String> env) {
    String pod = env.get(POD_NAME_ENV);
    return pod != null && !pod.isBlank();
  }

  @Override
  public String name() {
    return "kubernetes";
  }

  /** The pod's emptyDir volumes, mounted by {@link SidecarFeatureStep} at {@code <mountBase>/<name>} in both containers. */
  @Override
  public boolean providesVolumes() {
    return true;
  }

  /** Returns the observer of this pod's sidecar container; never starts anything. */
  @Override
  public SidecarInstance start(SidecarSpec spec) {
    String pod = System.getenv().getOrDefault(POD_NAME_ENV, "?");
    return new SidecarInstance() {
      @Override
      public String id() {
        return pod + "/" + SidecarPodSpec.CONTAINER_NAME;
      }

      @Override
      public InstanceStatus status() {
        return InstanceStatus.alive("none");
      }

      @Override
      public String logTail(int lines) {
        return "";
      }

      @Override
      public void stop(Duration grace) {
        // the kubelet owns the container: it ends with the pod
      }
    };
  }
}
