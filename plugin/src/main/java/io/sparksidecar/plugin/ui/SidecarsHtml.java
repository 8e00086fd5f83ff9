package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.metrics.HandoffTotals;
import io.sparksidecar.plugin.metrics.LatencyBuckets;
import java.util.List;
import java.util.Map;

/**
 * The HTML of the Sidecars tab: the list (a summary, then one row per executor of the page) and one
 * executor's detail page. Only the content: the Spark UI's header and navigation are put around it
 * by {@link SidecarsUi}. Every text from executors is escaped; links are relative, so they work
 * behind Spark's reverse proxy. Element ids and {@code data-*} attributes are stable (tests and
 * scripts read them).
 */
final class SidecarsHtml {
  private SidecarsHtml() {}

  static String list(SidecarsView v) {
    StringBuilder sb = new StringBuilder(8192 + 1200 * v.page().size());
    summary(sb, v);
    sb.append("<div id=\"sidecars-paging\" class=\"mb-2\">");
    paging(sb, v);
    sb.append("</div>\n<table id=\"sidecars-table\" class=\"table table-bordered table-sm table-striped\">\n<thead><tr>");
    for (String h : new String[] {"Executor", "Host", "Runtime", "State", "Sessions", "Restarts", "Hand-offs done", "Failed",
        "p50", "p99", "Bytes in", "Bytes out", "Last failure", "Last report"}) {
      sb.append("<th class=\"text-nowrap\">").append(h).append("</th>");
    }
    sb.append("</tr></thead>\n<tbody>\n");
    for (SidecarRow r : v.page()) {
      row(sb, r);
    }
    if (v.page().isEmpty()) {
      sb.append("<tr><td colspan=\"14\">").append(v.all().isEmpty() ? "No executor has reported a sidecar yet."
          : "No sidecar is " + Format.html(v.stateFilter()) + ".").append("</td></tr>\n");
    }
    sb.append("</tbody></table>\n<p class=\"text-muted\">Latency percentiles are those of completed hand-offs over the"
        + " executor's life (upper bound of a log-scale bucket, within 19 %). <a href=\"json/\">JSON</a></p>\n");
    return sb.toString();
  }

  private static void summary(StringBuilder sb, SidecarsView v) {
    HandoffTotals t = v.totals();
    sb.append("<div id=\"sidecars-summary\" class=\"mb-3\"><ul class=\"list-unstyled\">");
    sb.append("<li><strong>Executors:</strong> <a href=\"?sort=").append(v.sort()).append("\">")
        .append(v.all().size()).append(" in all</a>");
    for (Map.Entry<String, Long> e : v.states().entrySet()) {
      sb.append(", <a class=\"sidecars-state-count\" data-state=\"").append(Format.html(e.getKey()))
          .append("\" href=\"?state=").append(Format.url(e.getKey())).append("&amp;sort=").append(v.sort()).append("\">")
          .append(e.getValue()).append(' ').append(Format.html(e.getKey())).append("</a>");
    }
    sb.append("</li>\n<li id=\"sidecars-totals\" data-done=\"").append(t.done()).append("\" data-failed=\"")
        .append(t.failed()).append("\"><strong>Hand-offs of the application:</strong> ").append(t.done())
        .append(" done, ").append(t.failed()).append(" failed, p50 ").append(Format.millis(t.p50Millis(), t.done()))
        .append(", p99 ").append(Format.millis(t.p99Millis(), t.done())).append(", ")
        .append(Format.bytes(t.bytesIn())).append(" in, ").append(Format.bytes(t.bytesOut())).append(" out</li>\n");
    SessionsHtml.summary(sb, v.sessions(), "sessions/");
    sb.append("<li><strong>Sort by:</strong>");
    String sep = " ";
    for (String s : new String[] {"id", "state", "failed", "p99", "restarts", "sessions"}) {
      sb.append(sep);
      sep = " · ";
      if (s.equals(v.sort())) {
        sb.append("<strong>").append(SidecarsView.SORTS.get(s)).append("</strong>");
      } else {
        sb.append("<a href=\"?sort=").append(s).append(v.stateFilter().isEmpty() ? "" : "&amp;state=" + Format.url(v.stateFilter()))
            .append("\">").append(SidecarsView.SORTS.get(s)).append("</a>");
      }
    }
    sb.append("</li></ul></div>\n");
  }

  private static void paging(StringBuilder sb, SidecarsView v) {
    int first = v.selected().isEmpty() ? 0 : v.from() + 1;
    int last = Math.min(v.from() + v.size(), v.selected().size());
    sb.append("Showing ").append(first).append('–').append(last).append(" of ").append(v.selected().size())
        .append(v.stateFilter().isEmpty() ? "" : " " + Format.html(v.stateFilter())).append(" (page ")
        .append(v.pageNumber()).append(" of ").append(v.pageCount()).append(')');
    String common = "&amp;size=" + v.size() + "&amp;sort=" + v.sort()
        + (v.stateFilter().isEmpty() ? "" : "&amp;state=" + Format.url(v.stateFilter()));
    if (v.pageNumber() > 1) {
      sb.append(" <a id=\"sidecars-prev\" href=\"?page=").append(v.pageNumber() - 1).append(common).append("\">‹ previous</a>");
    }
    if (v.pageNumber() < v.pageCount()) {
      sb.append(" <a id=\"sidecars-next\" href=\"?page=").append(v.pageNumber() + 1).append(common).append("\">next ›</a>");
    }
  }

  private static void row(StringBuilder sb, SidecarRow r) {
    HandoffTotals h = r.handoffs();
    String id = Format.html(r.executorId());
    sb.append("<tr class=\"sidecar\" data-executor=\"").append(id).append("\" data-state=\"").append(r.state())
        .append("\" data-done=\"").append(h.done()).append("\" data-failed=\"").append(h.failed()).append("\">");
    sb.append("<td><a href=\"executor/?id=").append(Format.url(r.executorId())).append("\">").append(id).append("</a></td>");
    cell(sb, "host", Format.html(r.host()));
    cell(sb, "runtime", Format.html(r.runtime()));
    sb.append("<td class=\"state\" title=\"").append(Format.html(r.reason())).append("\">").append(r.state()).append("</td>");
    SessionsHtml.cell(sb, r);
    cell(sb, "restarts", String.valueOf(r.restarts()));
    cell(sb, "done", String.valueOf(h.done()));
    cell(sb, "failed", String.valueOf(h.failed()));
    cell(sb, "p50", Format.millis(h.p50Millis(), h.done()));
    cell(sb, "p99", Format.millis(h.p99Millis(), h.done()));
    cell(sb, "bytes-in", Format.bytes(h.bytesIn()));
    cell(sb, "bytes-out", Format.bytes(h.bytesOut()));
    sb.append("<td class=\"last-failure\">");
    if (!r.lastFailure().isEmpty()) {
      // the headline, and the whole reason with the log tail one click away, without scripts
      sb.append("<details><summary>").append(Format.html(truncate(r.lastFailureHeadline(), 160)))
          .append("</summary><pre class=\"log-tail\">").append(Format.html(r.lastFailure())).append("</pre></details>");
    }
    sb.append("</td>");
    cell(sb, "age", Format.age(r.reportAgeMillis()) + " ago");
    sb.append("</tr>\n");
  }

  static void cell(StringBuilder sb, String cls, String escaped) {
    sb.append("<td class=\"").append(cls).append(" text-nowrap\">").append(escaped).append("</td>");
  }

  static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  /** One executor's sidecar, everything the driver knows of it. */
  static String detail(SidecarRow r, List<SessionRow> stoppedSessions, long nowMillis) {
    HandoffTotals h = r.handoffs();
    StringBuilder sb = new StringBuilder(4096);
    sb.append("<p><a href=\"../\">‹ all sidecars</a></p>\n<table id=\"sidecar-detail\" class=\"table table-sm\""
        + " data-executor=\"").append(Format.html(r.executorId())).append("\"><tbody>\n");
    kv(sb, "Executor", r.executorId());
    kv(sb, "Host", r.host());
    kv(sb, "Runtime", r.runtime());
    kv(sb, "Instance", r.instanceId());
    kv(sb, "State", r.state() + (r.permanent() ? " (permanent: no restart or replacement can fix it)" : ""));
    kv(sb, "In this state for", r.stateSinceMillis() <= 0 ? "–" : Format.age(Math.max(0, nowMillis - r.stateSinceMillis())));
    kv(sb, "Last report", Format.age(r.reportAgeMillis()) + " ago");
    kv(sb, "Restarts", String.valueOf(r.restarts()));
    kv(sb, "Last exit code", r.lastExitCode() < 0 ? "–" : String.valueOf(r.lastExitCode()));
    kv(sb, "Hand-offs done", String.valueOf(h.done()));
    kv(sb, "Hand-offs failed", String.valueOf(h.failed()));
    kv(sb, "Latency p50 / p99", Format.millis(h.p50Millis(), h.done()) + " / " + Format.millis(h.p99Millis(), h.done()));
    kv(sb, "Bytes in / out", Format.bytes(h.bytesIn()) + " / " + Format.bytes(h.bytesOut()));
    sb.append("</tbody></table>\n<h4>Current state</h4>\n<pre id=\"sidecar-reason\">").append(Format.html(r.reason()))
        .append("</pre>\n<h4>Last failure</h4>\n");
    if (r.lastFailure().isEmpty()) {
      sb.append("<p id=\"sidecar-last-failure\">None: the sidecar never failed.</p>\n");
    } else {
      sb.append("<p>").append(Format.age(Math.max(0, nowMillis - r.lastFailureMillis()))).append(" ago</p>\n"
          + "<pre id=\"sidecar-last-failure\" class=\"log-tail\">").append(Format.html(r.lastFailure())).append("</pre>\n");
    }
    latency(sb, h);
    SessionsHtml.ofExecutor(sb, r, stoppedSessions, nowMillis);
    sb.append("<p><a href=\"../json/?id=").append(Format.url(r.executorId())).append("\">JSON</a></p>\n");
    return sb.toString();
  }

  static void latency(StringBuilder sb, HandoffTotals h) {
    long[] counts = h.latencyCounts();
    sb.append("<h4>Latency of completed hand-offs</h4>\n");
    if (h.done() == 0) {
      sb.append("<p>No completed hand-off yet.</p>\n");
      return;
    }
    sb.append("<table id=\"sidecar-latency\" class=\"table table-sm table-bordered\"><thead><tr><th>up to</th>"
        + "<th>hand-offs</th></tr></thead><tbody>\n");
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        sb.append("<tr><td>").append(Format.millis(LatencyBuckets.upperMillis(i), 1)).append("</td><td>")
            .append(counts[i]).append("</td></tr>\n");
      }
    }
    sb.append("</tbody></table>\n");
  }

  private static void kv(StringBuilder sb, String k, String v) {
    sb.append("<tr><th>").append(k).append("</th><td>").append(Format.html(v)).append("</td></tr>\n");
  }
}
