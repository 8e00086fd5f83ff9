package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.metrics.HandoffTotals;
import java.util.List;
import java.util.Map;

/**
 * The Spark Connect session sidecars in the Sidecars tab: a line of the summary, the Sessions column
 * of the executors' list, the section of an executor's detail page, and the page of all of them
 * ({@code sessions/}). Rows are {@code <tr class="session" data-executor data-session data-state
 * data-restarts data-done data-failed>}; every text from executors is escaped.
 */
final class SessionsHtml {
  private SessionsHtml() {}

  private static final String[] HEADERS = {"Session", "Connect session", "Runtime", "State", "Restarts", "Hand-offs done",
      "Failed", "p50", "p99", "Bytes in", "Bytes out", "Last failure", "In this state for"};

  /** The summary's line; nothing when the application never had a session sidecar. */
  static void summary(StringBuilder sb, SessionsSummary s, String link) {
    if (s.none()) {
      return;
    }
    sb.append("<li id=\"sidecars-sessions\" data-live=\"").append(s.live()).append("\" data-restarts=\"").append(s.restarts())
        .append("\" data-stopped=\"").append(s.stopped().size()).append("\"><strong>Session sidecars (Spark Connect):</strong> ")
        .append("<a href=\"").append(link).append("\">").append(s.live()).append(" running</a> for ").append(s.sessions())
        .append(s.sessions() == 1 ? " session" : " sessions").append(" on ").append(s.executors())
        .append(s.executors() == 1 ? " executor" : " executors");
    for (Map.Entry<String, Long> e : s.states().entrySet()) {
      sb.append(", ").append(e.getValue()).append(' ').append(Format.html(e.getKey()));
    }
    HandoffTotals h = s.handoffs();
    sb.append("; ").append(s.restarts()).append(" restarts, ").append(h.done()).append(" hand-offs done, ")
        .append(h.failed()).append(" failed; ").append(s.stopped().size()).append(" recently stopped</li>\n");
  }

  /** The Sessions cell of an executor's row: how many, and those not READY. */
  static void cell(StringBuilder sb, SidecarRow r) {
    List<SessionRow> sessions = r.sessions();
    sb.append("<td class=\"sessions text-nowrap\" data-sessions=\"").append(sessions.size()).append("\">");
    if (sessions.isEmpty()) {
      sb.append("–</td>");
      return;
    }
    sb.append("<a href=\"executor/?id=").append(Format.url(r.executorId())).append("#sessions\">").append(sessions.size())
        .append("</a>");
    int notReady = 0;
    for (SessionRow s : sessions) {
      if (!s.state().equals("READY")) {
        notReady++;
      }
    }
    if (notReady > 0) {
      sb.append(" (");
      String sep = "";
      for (SessionRow s : sessions) {
        if (!s.state().equals("READY")) {
          sb.append(sep).append(s.state());
          sep = ", ";
        }
      }
      sb.append(')');
    }
    sb.append("</td>");
  }

  /** The section of an executor's detail page: its session sidecars now, then its recently stopped ones. */
  static void ofExecutor(StringBuilder sb, SidecarRow r, List<SessionRow> stopped, long nowMillis) {
    sb.append("<h4 id=\"sessions\">Session sidecars (Spark Connect)</h4>\n");
    if (r.sessions().isEmpty() && stopped.isEmpty()) {
      sb.append("<p id=\"sidecar-sessions-none\">No Spark Connect session has a sidecar on this executor.</p>\n");
      return;
    }
    table(sb, "sidecar-sessions", false, r.sessions(), stopped, nowMillis);
  }

  /** Rows of the {@code sessions/} page by default. */
  static final int PAGE_SIZE = 200;

  /**
   * The page of every session sidecar ({@code sessions/}), optionally of one session (uuid or Connect
   * id): the running ones by executor, then the recently stopped ones, {@code size} a page.
   */
  static String page(List<SidecarRow> rows, SessionsSummary summary, String session, int page, int size, long nowMillis) {
    StringBuilder sb = new StringBuilder(4096);
    sb.append("<p><a href=\"../\">‹ all sidecars</a></p>\n<ul class=\"list-unstyled\">");
    summary(sb, summary, "./");
    sb.append("</ul>\n");
    List<SessionRow> all = new java.util.ArrayList<>();
    for (SidecarRow r : rows) {
      for (SessionRow s : r.sessions()) {
        if (matches(s, session)) {
          all.add(s);
        }
      }
    }
    summary.stopped().stream().filter(s -> matches(s, session)).forEach(all::add);
    if (all.isEmpty()) {
      sb.append("<p id=\"sidecar-sessions-none\">").append(session.isEmpty() ? "No Spark Connect session has a sidecar."
          : "No sidecar of session '" + Format.html(session) + "' is known to the driver.").append("</p>\n");
    } else {
      int n = Math.max(1, Math.min(SidecarsView.MAX_PAGE_SIZE, size));
      int pages = (all.size() + n - 1) / n;
      int p = Math.max(1, Math.min(pages, page));
      int from = (p - 1) * n;
      List<SessionRow> shown = all.subList(from, Math.min(all.size(), from + n));
      String common = "&amp;size=" + n + (session.isEmpty() ? "" : "&amp;session=" + Format.url(session));
      sb.append("<div id=\"sessions-paging\" class=\"mb-2\">Showing ").append(from + 1).append('–').append(from + shown.size())
          .append(" of ").append(all.size()).append(" (page ").append(p).append(" of ").append(pages).append(')');
      if (p > 1) {
        sb.append(" <a id=\"sessions-prev\" href=\"?page=").append(p - 1).append(common).append("\">‹ previous</a>");
      }
      if (p < pages) {
        sb.append(" <a id=\"sessions-next\" href=\"?page=").append(p + 1).append(common).append("\">next ›</a>");
      }
      sb.append("</div>\n");
      table(sb, "sidecar-sessions", true, shown, List.of(), nowMillis);
    }
    sb.append("<p><a href=\"../json/sessions/\">JSON</a></p>\n");
    return sb.toString();
  }

  static boolean matches(SessionRow s, String session) {
    return session.isEmpty() || s.session().equals(session) || s.connectSession().equals(session);
  }

  private static void table(StringBuilder sb, String id, boolean withExecutor, List<SessionRow> live, List<SessionRow> stopped,
      long nowMillis) {
    sb.append("<table id=\"").append(id).append("\" class=\"table table-bordered table-sm table-striped\">\n<thead><tr>");
    if (withExecutor) {
      sb.append("<th class=\"text-nowrap\">Executor</th>");
    }
    for (String h : HEADERS) {
      sb.append("<th class=\"text-nowrap\">").append(h).append("</th>");
    }
    sb.append("</tr></thead>\n<tbody>\n");
    live.forEach(s -> row(sb, s, withExecutor, nowMillis));
    stopped.forEach(s -> row(sb, s, withExecutor, nowMillis));
    sb.append("</tbody></table>\n");
  }

  /** A uuid as its first 8 characters (the whole one in the title, the row's data-session and the JSON). */
  private static void shortId(StringBuilder sb, String cls, String id) {
    String shown = id.length() > 12 ? id.substring(0, 8) + "…" : id;
    sb.append("<td class=\"").append(cls).append(" text-nowrap\" title=\"").append(Format.html(id)).append("\"><code>")
        .append(Format.html(shown)).append("</code></td>");
  }

  private static void row(StringBuilder sb, SessionRow s, boolean withExecutor, long nowMillis) {
    HandoffTotals h = s.handoffs();
    sb.append("<tr class=\"session\" data-executor=\"").append(Format.html(s.executorId())).append("\" data-session=\"")
        .append(Format.html(s.session())).append("\" data-state=\"").append(s.state()).append("\" data-restarts=\"")
        .append(s.restarts()).append("\" data-done=\"").append(h.done()).append("\" data-failed=\"").append(h.failed())
        .append("\">");
    if (withExecutor) {
      sb.append("<td><a href=\"../executor/?id=").append(Format.url(s.executorId())).append("#sessions\">")
          .append(Format.html(s.executorId())).append("</a></td>");
    }
    shortId(sb, "session", s.session());
    shortId(sb, "connect-session", s.connectSession());
    SidecarsHtml.cell(sb, "runtime", Format.html(s.runtime()));
    sb.append("<td class=\"state\" title=\"").append(Format.html(s.reason())).append("\">").append(s.state()).append("</td>");
    SidecarsHtml.cell(sb, "restarts", String.valueOf(s.restarts()));
    SidecarsHtml.cell(sb, "done", String.valueOf(h.done()));
    SidecarsHtml.cell(sb, "failed", String.valueOf(h.failed()));
    SidecarsHtml.cell(sb, "p50", Format.millis(h.p50Millis(), h.done()));
    SidecarsHtml.cell(sb, "p99", Format.millis(h.p99Millis(), h.done()));
    SidecarsHtml.cell(sb, "bytes-in", Format.bytes(h.bytesIn()));
    SidecarsHtml.cell(sb, "bytes-out", Format.bytes(h.bytesOut()));
    sb.append("<td class=\"last-failure\">");
    if (!s.lastFailure().isEmpty()) {
      sb.append("<details><summary>").append(Format.html(SidecarsHtml.truncate(s.lastFailureHeadline(), 160)))
          .append("</summary><pre class=\"log-tail\">").append(Format.html(s.lastFailure())).append("</pre></details>");
    }
    if (s.state().equals("STOPPED") || s.state().equals("FAILED")) {
      sb.append("<div class=\"session-reason\">").append(Format.html(s.reason())).append("</div>");
    }
    sb.append("</td>");
    SidecarsHtml.cell(sb, "since", s.stateSinceMillis() <= 0 ? "–" : Format.age(Math.max(0, nowMillis - s.stateSinceMillis())));
    sb.append("</tr>\n");
  }
}
