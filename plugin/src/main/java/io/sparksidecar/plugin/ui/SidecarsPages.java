package io.sparksidecar.plugin.ui;

import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.HandoffAggregates;
import java.util.List;
import java.util.Map;

/**
 * The Sidecars tab without Spark: routes a request (path under the tab, query parameters) to the
 * list, one executor's detail, or the JSON, and answers with a status and a body. Pure Java, so it
 * is tested and benchmarked without a UI server. Called on Jetty's request threads; reads the
 * registry (thread-safe) and never blocks on anything else.
 *
 * <ul>
 *   <li>{@code /} the list: {@code ?state=READY&sort=id|state|failed|p99|restarts&page=1&size=100}</li>
 *   <li>{@code /executor/?id=N} one executor's sidecar</li>
 *   <li>{@code /json/} every executor ({@code state}, {@code sort}, {@code offset}, {@code limit} as above);
 *       {@code /json/?id=N} one</li>
 *   <li>{@code /sessions/} and {@code /json/sessions/} every Spark Connect session sidecar, running and
 *       recently stopped; {@code ?session=<uuid or Connect session id>} one session's; the page is paged
 *       ({@code page}, {@code size}: 200 by default)</li>
 * </ul>
 */
final class SidecarsPages {

  /** A page's answer; {@code html} bodies are content only (the caller adds the page around it). */
  record Response(int status, boolean html, String title, String body) {}

  private final SidecarRegistry registry;
  private final HandoffAggregates totals;

  SidecarsPages(SidecarRegistry registry, HandoffAggregates totals) {
    this.registry = registry;
    this.totals = totals;
  }

  Response handle(String path, Map<String, String> params, long nowMillis) {
    String p = path == null || path.isEmpty() ? "/" : path.endsWith("/") && path.length() > 1
        ? path.substring(0, path.length() - 1) : path;
    List<SidecarRegistry.Entry> entries = registry.entries(nowMillis);
    switch (p) {
      case "/" -> {
        SidecarsView v = SidecarsView.of(entries, totals.total(), registry.sessions(), nowMillis, params.get("state"), params.get("sort"),
            number(params.get("page"), 1), number(params.get("size"), SidecarsView.DEFAULT_PAGE_SIZE));
        return new Response(200, true, "Sidecars", SidecarsHtml.list(v));
      }
      case "/executor" -> {
        String id = params.getOrDefault("id", "");
        SidecarRow r = find(entries, id, nowMillis);
        if (r == null) {
          return new Response(404, true, "Sidecars", "<p id=\"sidecar-missing\">No sidecar of executor '"
              + Format.html(id) + "' is known to the driver (it never reported, or it left long ago).</p>"
              + "<p><a href=\"../\">‹ all sidecars</a></p>");
        }
        List<SessionRow> stopped = SessionsSummary.of(List.of(r), registry.sessions()).stoppedOn(r.executorId());
        return new Response(200, true, "Sidecar of executor " + r.executorId(), SidecarsHtml.detail(r, stopped, nowMillis));
      }
      case "/sessions", "/json/sessions" -> {
        List<SidecarRow> rows = entries.stream().map(e -> SidecarRow.of(e, nowMillis)).toList();
        SessionsSummary summary = SessionsSummary.of(rows, registry.sessions());
        String session = params.getOrDefault("session", "").trim();
        return p.equals("/sessions") ? new Response(200, true, "Session sidecars", SessionsHtml.page(rows, summary, session,
            number(params.get("page"), 1), number(params.get("size"), SessionsHtml.PAGE_SIZE), nowMillis))
            : new Response(200, false, "", SidecarsJson.sessions(rows, summary, session));
      }
      case "/json" -> {
        if (params.containsKey("id")) {
          SidecarRow r = find(entries, params.get("id"), nowMillis);
          return r == null ? new Response(404, false, "", SidecarsJson.error("no sidecar of executor '" + params.get("id") + "'"))
              : new Response(200, false, "", SidecarsJson.one(r));
        }
        SidecarsView v = SidecarsView.of(entries, totals.total(), registry.sessions(), nowMillis, params.get("state"), params.get("sort"), 1,
            SidecarsView.MAX_PAGE_SIZE);
        int offset = Math.max(0, number(params.get("offset"), 0));
        int limit = Math.max(0, number(params.get("limit"), Integer.MAX_VALUE));
        List<SidecarRow> rows = v.selected().subList(Math.min(offset, v.selected().size()),
            (int) Math.min((long) offset + limit, v.selected().size()));
        return new Response(200, false, "", SidecarsJson.list(v, rows, offset));
      }
      default -> {
        return new Response(404, true, "Sidecars", "<p>No such page: " + Format.html(path) + "</p>");
      }
    }
  }

  private static SidecarRow find(List<SidecarRegistry.Entry> entries, String id, long nowMillis) {
    for (SidecarRegistry.Entry e : entries) {
      if (e.report().executorId().equals(id)) {
        return SidecarRow.of(e, nowMillis);
      }
    }
    return null;
  }

  private static int number(String raw, int otherwise) {
    try {
      return raw == null ? otherwise : Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
