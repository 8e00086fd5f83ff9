package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.runtime.Supervisor.State;

/**
 * What the driver does when a report says an executor's sidecar failed for good
 * ({@code spark.sidecar.failurePolicy}). Decides once per failure: a repeated FAILED report of the
 * same executor does not act twice. A permanent failure fails the application under any policy but
 * {@code ignore}, since replacing the executor would only repeat it.
 *
 * <p>A Spark Connect <em>session</em> sidecar that fails ({@link #decideSession}) is that session's
 * affair, under every policy: its executor keeps running, the executor-wide sidecar and the other
 * sessions' sidecars are untouched, the application goes on, and the session's tasks on that
 * executor fail with the reason (from {@code Sidecars.get()} and Python's {@code sidecar()}; Spark
 * retries them as any failed task, and the session's next task there starts a new sidecar). The
 * driver only logs it and shows it (status report, Sidecars tab, {@code sessions.failed}).
 * Replacing the executor would stop every other session's sidecar on it, and failing the
 * application would end every session of a shared server, for one session's bad archive.
 */
public final class FailurePolicy {

  public enum Action { NONE, REPLACE_EXECUTOR, FAIL_APPLICATION }

  /** What the driver does about a session sidecar: nothing, or log that the session's tasks there fail. */
  public enum SessionAction { NONE, FAIL_SESSION_TASKS }

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

  /**
   * The action for a session sidecar's report {@code now}, given its previous one on the same
   * executor (null if none): {@link SessionAction#FAIL_SESSION_TASKS} once when it newly failed,
   * else nothing; never an executor replacement or an application failure (see the class comment).
   */
  public SessionAction decideSession(SessionReport previous, SessionReport now) {
    boolean newlyFailed = now.snapshot().state() == State.FAILED && (previous == null
        || previous.snapshot().state() != State.FAILED || previous.startedMillis() != now.startedMillis());
    return newlyFailed ? SessionAction.FAIL_SESSION_TASKS : SessionAction.NONE;
  }
}
