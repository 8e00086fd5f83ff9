package io.sparksidecar.plugin.health;

/**
 * What the cluster manager itself observed of one executor's sidecar container, independent of the
 * executor's own reports: on Kubernetes the sidecar's entry in the executor pod's
 * {@code initContainerStatuses}/{@code containerStatuses}, read by the driver. It matters most when
 * the executor cannot report: a native sidecar that never gets ready keeps the executor's JVM from
 * starting at all.
 *
 * @param executorId   Spark executor id (the pod's {@code spark-exec-id} label)
 * @param source       where it was read, e.g. the pod's name
 * @param restarts     restarts counted by the cluster manager over the container's whole life
 * @param lastExitCode exit code of the last termination, or -1 when it never terminated
 * @param problem      why the container is not running now (e.g. "waiting: CrashLoopBackOff, last
 *                     exit 1 (Error)"), or "" when it runs
 * @param failed       true when it will not run again by itself (terminated in a pod that does not
 *                     restart it, or restarted more often than {@code spark.sidecar.restart.maxRestarts})
 */
public record ObservedStatus(String executorId, String source, int restarts, int lastExitCode, String problem,
    boolean failed) {

  public ObservedStatus {
    problem = problem == null ? "" : problem;
  }

  /** True when the container is running now. */
  public boolean running() {
    return problem.isEmpty() && !failed;
  }
}
