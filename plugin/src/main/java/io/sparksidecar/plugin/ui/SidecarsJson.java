package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.metrics.HandoffTotals;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON beside the tab ({@code /sidecars/json/}): {@code {"summary": {...}, "total": n, "offset": k,
 * "executors": [...]}}, or one executor's object; each executor's object lists its Spark Connect
 * session sidecars ({@code "sessions": [...]}), and {@code /sidecars/json/sessions/} lists every
 * session sidecar, running ones then recently stopped ones ({@code {"summary": {...}, "sessions": [...]}}).
 * Times are epoch milliseconds, latencies milliseconds, sizes bytes.
 */
final class SidecarsJson {
  private SidecarsJson() {}

  static String list(SidecarsView v, List<SidecarRow> rows, int offset) {
    StringBuilder sb = new StringBuilder(1024 + 700 * rows.size());
    sb.append("{\"summary\":{\"executors\":").append(v.all().size()).append(",\"states\":{");
    boolean first = true;
    for (Map.Entry<String, Long> e : v.states().entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      Format.json(sb, e.getKey());
      sb.append(':').append(e.getValue());
    }
    sb.append("},\"handoffs\":");
    totals(sb, v.totals());
    sb.append(",\"sessions\":");
    sessionsSummary(sb, v.sessions());
    sb.append("},\"state\":");
    Format.json(sb, v.stateFilter());
    sb.append(",\"total\":").append(v.selected().size()).append(",\"offset\":").append(offset).append(",\"executors\":[");
    for (int i = 0; i < rows.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      row(sb, rows.get(i));
    }
    return sb.append("]}").toString();
  }

  static String one(SidecarRow r) {
    StringBuilder sb = new StringBuilder(1024);
    row(sb, r);
    return sb.toString();
  }

  static String error(String message) {
    StringBuilder sb = new StringBuilder("{\"error\":");
    Format.json(sb, message);
    return sb.append('}').toString();
  }

  private static void row(StringBuilder sb, SidecarRow r) {
    sb.append("{\"executorId\":");
    Format.json(sb, r.executorId());
    sb.append(",\"host\":");
    Format.json(sb, r.host());
    state(sb, r.runtime(), r.state(), r.restarts(), r.lastExitCode(), r.reason(), r.instanceId(), r.stateSinceMillis());
    sb.append(",\"permanent\":").append(r.permanent()).append(",\"reportAgeMillis\":").append(r.reportAgeMillis());
    failureAndHandoffs(sb, r.lastFailure(), r.lastFailureMillis(), r.handoffs());
    sb.append(",\"sessions\":[");
    for (int i = 0; i < r.sessions().size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      session(sb, r.sessions().get(i));
    }
    sb.append("]}");
  }

  /** The fields an executor's row and a session's share, from runtime to stateSinceMillis. */
  private static void state(StringBuilder sb, String runtime, String state, int restarts, int lastExitCode, String reason,
      String instance, long stateSinceMillis) {
    sb.append(",\"runtime\":");
    Format.json(sb, runtime);
    sb.append(",\"state\":");
    Format.json(sb, state);
    sb.append(",\"restarts\":").append(restarts).append(",\"lastExitCode\":").append(lastExitCode).append(",\"reason\":");
    Format.json(sb, reason);
    sb.append(",\"instance\":");
    Format.json(sb, instance);
    sb.append(",\"stateSinceMillis\":").append(stateSinceMillis);
  }

  /** The last failure (its text and time) and the hand-off totals, as both rows have them. */
  private static void failureAndHandoffs(StringBuilder sb, String lastFailure, long lastFailureMillis, HandoffTotals t) {
    sb.append(",\"lastFailure\":");
    Format.json(sb, lastFailure);
    sb.append(",\"lastFailureMillis\":").append(lastFailureMillis).append(",\"handoffs\":");
    totals(sb, t);
  }

  /** Every session sidecar matching {@code filter} (a session uuid or Connect id; "" for all). */
  static String sessions(List<SidecarRow> rows, SessionsSummary summary, String filter) {
    StringBuilder sb = new StringBuilder(1024);
    sb.append("{\"summary\":");
    sessionsSummary(sb, summary);
    sb.append(",\"session\":");
    Format.json(sb, filter);
    sb.append(",\"sessions\":[");
    boolean first = true;
    List<SessionRow> all = new java.util.ArrayList<>();
    rows.forEach(r -> all.addAll(r.sessions()));
    all.addAll(summary.stopped());
    for (SessionRow s : all) {
      if (SessionsHtml.matches(s, filter)) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        session(sb, s);
      }
    }
    return sb.append("]}").toString();
  }

  private static void sessionsSummary(StringBuilder sb, SessionsSummary s) {
    sb.append("{\"live\":").append(s.live()).append(",\"executors\":").append(s.executors()).append(",\"sessions\":")
        .append(s.sessions()).append(",\"states\":{");
    boolean first = true;
    for (Map.Entry<String, Long> e : s.states().entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      Format.json(sb, e.getKey());
      sb.append(':').append(e.getValue());
    }
    sb.append("},\"restarts\":").append(s.restarts()).append(",\"stopped\":").append(s.stopped().size())
        .append(",\"handoffs\":");
    totals(sb, s.handoffs());
    sb.append('}');
  }

  private static void session(StringBuilder sb, SessionRow s) {
    sb.append("{\"executorId\":");
    Format.json(sb, s.executorId());
    sb.append(",\"session\":");
    Format.json(sb, s.session());
    sb.append(",\"connectSession\":");
    Format.json(sb, s.connectSession());
    state(sb, s.runtime(), s.state(), s.restarts(), s.lastExitCode(), s.reason(), s.instanceId(), s.stateSinceMillis());
    sb.append(",\"startedMillis\":").append(s.startedMillis());
    failureAndHandoffs(sb, s.lastFailure(), s.lastFailureMillis(), s.handoffs());
    sb.append('}');
  }

  private static void totals(StringBuilder sb, HandoffTotals t) {
    sb.append("{\"done\":").append(t.done()).append(",\"failed\":").append(t.failed()).append(",\"bytesIn\":")
        .append(t.bytesIn()).append(",\"bytesOut\":").append(t.bytesOut()).append(",\"p50Ms\":")
        .append(String.format(Locale.ROOT, "%.3f", t.p50Millis())).append(",\"p99Ms\":")
        .append(String.format(Locale.ROOT, "%.3f", t.p99Millis())).append('}');
  }
}
