package io.sparksidecar.plugin.health;

import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Spark Connect session's sidecar on one executor, as the executor's health report carries it
 * (see {@code io.sparksidecar.plugin.session.SessionSidecars}): the same state, restarts, last
 * failure and hand-off totals as the executor-wide sidecar's, plus which session it serves.
 *
 * <p>On the wire it travels inside the report's {@code HashMap<String, String>}: the key
 * {@code sessions} lists the session uuids (comma-separated), and each session's fields are under
 * {@code s.<uuid>.}. A report without the key (an older sender, or an executor without session
 * sidecars) carries none; an older reader ignores the keys.
 *
 * @param uuid          the session's own uuid (tag {@code spark-session-<uuid>}; its artifacts' directory)
 * @param connectId     the Spark Connect session id (what the server's session-closed event names), or ""
 * @param runtime       "process" or "docker", "?" before the sidecar was built
 * @param snapshot      its supervisor's state (FAILED with the reason when it could not be built)
 * @param activity      its hand-off totals and last failure (with the log tail), over its life
 * @param startedMillis when the executor made it (a new sidecar for the same session has a new value)
 */
public record SessionReport(String uuid, String connectId, String runtime, Snapshot snapshot, ExecutorActivity activity,
    long startedMillis) {

  static final String LIST = "sessions";

  public SessionReport {
    connectId = connectId == null ? "" : connectId;
    runtime = runtime == null ? "?" : runtime;
    activity = activity == null ? ExecutorActivity.none(0) : activity;
  }

  /** This report with another snapshot, everything else kept. */
  public SessionReport with(Snapshot next) {
    return new SessionReport(uuid, connectId, runtime, next, activity, startedMillis);
  }

  /** True while it runs or may run again (not STOPPED, not FAILED). */
  public boolean live() {
    return snapshot.state() != Supervisor.State.STOPPED && snapshot.state() != Supervisor.State.FAILED;
  }

  /** Adds {@code sessions} to a report's wire map (nothing when there are none). */
  static void toWire(List<SessionReport> sessions, Map<String, String> m) {
    if (sessions.isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>();
    for (SessionReport s : sessions) {
      ids.add(s.uuid);
      String p = "s." + s.uuid + ".";
      Snapshot snap = s.snapshot;
      m.put(p + "connect", s.connectId);
      m.put(p + "runtime", s.runtime);
      m.put(p + "state", snap.state().name());
      m.put(p + "restarts", String.valueOf(snap.restarts()));
      m.put(p + "exit", String.valueOf(snap.lastExitCode()));
      m.put(p + "reason", snap.reason());
      m.put(p + "instance", snap.instanceId());
      m.put(p + "changed", String.valueOf(snap.changedMillis()));
      m.put(p + "permanent", String.valueOf(snap.permanent()));
      m.put(p + "started", String.valueOf(s.startedMillis));
      m.put(p + "handoffs", String.valueOf(s.activity.handoffs().done()));
      Map<String, String> activity = new HashMap<>();
      s.activity.toWire(activity);
      activity.forEach((k, v) -> m.put(p + k, v));
    }
    m.put(LIST, String.join(",", ids));
  }

  /** The sessions of a report's wire map; none when it has no {@code sessions} key. */
  static List<SessionReport> fromWire(Map<?, ?> m) {
    Object list = m.get(LIST);
    if (list == null || list.toString().isEmpty()) {
      return List.of();
    }
    List<SessionReport> out = new ArrayList<>();
    for (String uuid : list.toString().split(",")) {
      String p = "s." + uuid + ".";
      Map<String, Object> own = new HashMap<>();
      m.forEach((k, v) -> {
        String key = String.valueOf(k);
        if (key.startsWith(p)) {
          own.put(key.substring(p.length()), v);
        }
      });
      long done = Long.parseLong(str(own, "handoffs", "0"));
      Snapshot snap = new Snapshot(Supervisor.State.valueOf(str(own, "state", "STARTING")),
          Integer.parseInt(str(own, "restarts", "0")), Integer.parseInt(str(own, "exit", "-1")), str(own, "reason", ""),
          str(own, "instance", ""), Long.parseLong(str(own, "changed", "0")), Boolean.parseBoolean(str(own, "permanent", "false")));
      out.add(new SessionReport(uuid, str(own, "connect", ""), str(own, "runtime", "?"), snap,
          ExecutorActivity.fromWire(own, done), Long.parseLong(str(own, "started", "0"))));
    }
    return List.copyOf(out);
  }

  private static String str(Map<String, Object> m, String key, String otherwise) {
    Object v = m.get(key);
    return v == null ? otherwise : v.toString();
  }
}
