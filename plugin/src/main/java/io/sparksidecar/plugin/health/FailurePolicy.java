package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.runtime.Supervisor.State;

/**
 * What the driver does when a report says an executor's sidecar failed for good
 * ({@code spark.sidecar.failurePolicy}). Decides once per failure: a repeated FAILED report of the
 * same executor does not act twice. A permanent failure fails the application under any policy but
 * {@code ignore}, since replacing the executor would only repeat it.
 */
public final class FailurePolicy {

  public enum Action { NONE, REPLACE_EXECUTOR, FAIL_APPLICATION }

  private final String policy;

  public FailurePolicy(String policy) {
    this.policy = policy;
  }

  /** The action for {@code report}, given the executor's previous report (null if none). */
  public Action decide(HealthReport previous, HealthReport report) {
    boolean newlyFailed = report.snapshot().state() == State.FAILED
        && (previous == null || previous.snapshot().state() != State.FAILED);
    if (!newlyFailed || policy.equals("ignore")) {
      return Action.NONE;
    }
    if (report.permanent()) {
      return Action.FAIL_APPLICATION; // a new executor would fail the same way: no endless respawn
    }
    return switch (policy) {
      case "failApplication" -> Action.FAIL_APPLICATION;
      case "replaceExecutor" -> Action.REPLACE_EXECUTOR;
      default -> Action.NONE;
    };
  }
}
