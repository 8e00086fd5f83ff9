package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an executor tells the driver about its sidecar: sent with {@code ask} once to register,
 * then with {@code send} on every state change and every health interval (heartbeat).
 *
 * <p>On the wire it is a {@code HashMap<String, String>} ({@link #toWire}): Spark deserializes plugin
 * RPC messages with its own class loader, which does not see jars shipped with {@code spark.jars},
 * so only JDK types may cross. The driver answers with the String {@link #ACK}.
 *
 * @param executorId  Spark executor id
 * @param host        the executor's host name
 * @param runtime     "docker" or "process"
 * @param snapshot    the supervisor's state, restarts, last exit code and reason
 * @param handoffs    hand-offs completed by tasks on this executor so far
 * @param sentMillis  when the executor sent it
 * @param activity    the executor's hand-off totals and the sidecar's last failure (keys an older
 *                    sender did not write read as none: the wire form stays compatible both ways)
 * @param sessions    the executor's Spark Connect session sidecars running (or failed) now, in no
 *                    particular order; one that stopped is no longer in the list
 */
public record HealthReport(String executorId, String host, String runtime, Supervisor.Snapshot snapshot,
    long handoffs, long sentMillis, ExecutorActivity activity, List<SessionReport> sessions) {

  public HealthReport {
    activity = activity == null ? ExecutorActivity.none(handoffs) : activity;
    sessions = sessions == null ? List.of() : List.copyOf(sessions);
  }

  /** A report without session sidecars. */
  public HealthReport(String executorId, String host, String runtime, Supervisor.Snapshot snapshot, long handoffs,
      long sentMillis, ExecutorActivity activity) {
    this(executorId, host, runtime, snapshot, handoffs, sentMillis, activity, null);
  }

  /** A report without activity (the completed count only). */
  public HealthReport(String executorId, String host, String runtime, Supervisor.Snapshot snapshot, long handoffs,
      long sentMillis) {
    this(executorId, host, runtime, snapshot, handoffs, sentMillis, null);
  }

  /** This report with another snapshot (and send time), its activity and sessions kept. */
  public HealthReport with(Supervisor.Snapshot next, long sent) {
    return new HealthReport(executorId, host, runtime, next, handoffs, sent, activity, sessions);
  }

  /** This report with other session sidecars, everything else kept. */
  public HealthReport withSessions(List<SessionReport> next) {
    return new HealthReport(executorId, host, runtime, snapshot, handoffs, sentMillis, activity, next);
  }

  public static final String KIND = "spark-sidecar.health.v1";
  public static final String ACK = "spark-sidecar.ack";

  /** A failure that no restart or replacement can fix. */
  public boolean permanent() {
    return snapshot.permanent();
  }

  public HashMap<String, String> toWire() {
    return toWire(false);
  }

  /** The wire form; {@code expectReply} marks the registration sent by {@code ask}, the only one answered. */
  public HashMap<String, String> toWire(boolean expectReply) {
    HashMap<String, String> m = new HashMap<>();
    m.put("kind", KIND);
    if (expectReply) {
      m.put("reply", "true");
    }
    m.put("executor", executorId);
    m.put("host", host);
    m.put("runtime", runtime);
    m.put("state", snapshot.state().name());
    m.put("restarts", String.valueOf(snapshot.restarts()));
    m.put("exit", String.valueOf(snapshot.lastExitCode()));
    m.put("reason", snapshot.reason());
    m.put("instance", snapshot.instanceId());
    m.put("changed", String.valueOf(snapshot.changedMillis()));
    m.put("permanent", String.valueOf(snapshot.permanent()));
    m.put("handoffs", String.valueOf(handoffs));
    m.put("sent", String.valueOf(sentMillis));
    activity.toWire(m);
    SessionReport.toWire(sessions, m);
    return m;
  }

  /** True when {@code message} was sent with {@code ask} and expects an answer. */
  public static boolean expectsReply(Object message) {
    return message instanceof Map<?, ?> m && "true".equals(m.get("reply"));
  }

  /** The report in {@code message}, or null when it is not one of ours. */
  public static HealthReport fromWire(Object message) {
    if (!(message instanceof Map<?, ?> m) || !KIND.equals(m.get("kind"))) {
      return null;
    }
    Supervisor.Snapshot s = new Supervisor.Snapshot(Supervisor.State.valueOf(str(m, "state")),
        Integer.parseInt(str(m, "restarts")), Integer.parseInt(str(m, "exit")), str(m, "reason"), str(m, "instance"),
        Long.parseLong(str(m, "changed")), Boolean.parseBoolean(str(m, "permanent")));
    long handoffs = Long.parseLong(str(m, "handoffs"));
    return new HealthReport(str(m, "executor"), str(m, "host"), str(m, "runtime"), s, handoffs,
        Long.parseLong(str(m, "sent")), ExecutorActivity.fromWire(m, handoffs), SessionReport.fromWire(m));
  }

  private static String str(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v == null ? "" : v.toString();
  }
}
