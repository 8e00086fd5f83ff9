package io.sparksidecar.plugin.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SessionReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.metrics.HandoffAggregates;
import io.sparksidecar.plugin.metrics.HandoffRecorder;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Spark Connect session sidecars in the Sidecars tab and its JSON. */
class SessionsPagesTest {
  private static final long NOW = 1_000_000;
  private static final String A = "aaaaaaaa-1111-2222-3333-444444444444";
  private static final String B = "bbbbbbbb-1111-2222-3333-444444444444";
  private final SidecarRegistry registry = new SidecarRegistry(10_000);
  private final HandoffAggregates totals = new HandoffAggregates();
  private final SidecarsPages pages = new SidecarsPages(registry, totals);
  private final ObjectMapper json = new ObjectMapper();

  {
    registry.sessions().onHandoffs(totals::addSessions);
  }

  private static SessionReport session(String uuid, State state, int restarts, int done, String lastFailure) {
    HandoffRecorder rec = new HandoffRecorder();
    for (int i = 0; i < done; i++) {
      rec.succeeded(3_000_000, 10, 20);
    }
    return new SessionReport(uuid, "c-" + uuid.substring(0, 4), "process", new Snapshot(state, restarts, -1,
        state == State.FAILED ? "session " + uuid + ": <no program>" : "ready", "pid 7", NOW - 2000, false),
        new ExecutorActivity(rec.totals(), lastFailure, lastFailure.isEmpty() ? 0 : NOW - 3000), NOW - 9000);
  }

  private void report(String executor, long sent, SessionReport... sessions) {
    HealthReport r = new HealthReport(executor, "host-" + executor, "process", new Snapshot(State.READY, 0, -1, "ready", "pid 1",
        NOW - 5000, false), 0, sent, ExecutorActivity.none(0), List.of(sessions));
    registry.update(r, sent);
    totals.record(r);
  }

  private static List<String> sessionRows(String html) {
    Matcher m = Pattern.compile("<tr class=\"session\" data-executor=\"([^\"]+)\" data-session=\"([^\"]+)\" data-state=\"([A-Z]+)\"")
        .matcher(html);
    List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      out.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
    }
    return out;
  }

  @Test
  void theListHasASessionsColumnAndASummaryLine() {
    report("1", NOW - 100, session(A, State.READY, 1, 3, "exited with 137; last lines of its log:\nKilled"),
        session(B, State.FAILED, 0, 0, "session " + B + ": <no program>"));
    report("2", NOW - 100);
    String html = pages.handle("/", Map.of(), NOW).body();
    assertThat(html).contains("<th class=\"text-nowrap\">Sessions</th>")
        .contains("<td class=\"sessions text-nowrap\" data-sessions=\"2\"><a href=\"executor/?id=1#sessions\">2</a> (FAILED)</td>")
        .contains("<td class=\"sessions text-nowrap\" data-sessions=\"0\">–</td>")
        .contains("id=\"sidecars-sessions\" data-live=\"2\" data-restarts=\"1\" data-stopped=\"0\"")
        .contains("2 running</a> for 2 sessions on 1 executor, 1 FAILED, 1 READY; 1 restarts, 3 hand-offs done")
        .contains("data-done=\"3\" data-failed=\"0\""); // the application's totals include the session's hand-offs
    assertThat(html.indexOf("data-executor=\"1\"")).isLessThan(html.indexOf("data-executor=\"2\""));
    assertThat(pages.handle("/", Map.of("sort", "sessions"), NOW).body()).contains("<strong>most session sidecars</strong>");
  }

  @Test
  void anApplicationWithoutSessionsShowsNoSessionsLine() {
    report("1", NOW - 100);
    assertThat(pages.handle("/", Map.of(), NOW).body()).doesNotContain("sidecars-sessions");
    assertThat(pages.handle("/executor/", Map.of("id", "1"), NOW).body()).contains("id=\"sidecar-sessions-none\"");
  }

  @Test
  void theExecutorPageListsItsSessionSidecarsAndItsRecentlyStoppedOnesEscaped() {
    report("1", NOW - 2000, session(A, State.READY, 0, 1, ""), session(B, State.READY, 0, 0, ""));
    report("1", NOW - 100, session(A, State.RESTARTING, 1, 2, "exited with 137; last lines of its log:\n<b>Killed</b>"));
    String html = pages.handle("/executor/", Map.of("id", "1"), NOW).body();
    assertThat(sessionRows(html)).containsExactly("1 " + A + " RESTARTING", "1 " + B + " STOPPED");
    assertThat(html).contains("id=\"sessions\">Session sidecars (Spark Connect)</h4>")
        .contains("&lt;b&gt;Killed&lt;/b&gt;</pre>").doesNotContain("<b>Killed</b>")
        .contains("stopped by executor 1: idle for spark.sidecar.session.idleTimeout")
        .contains("<td class=\"session text-nowrap\" title=\"" + A + "\"><code>aaaaaaaa…</code></td>");
  }

  @Test
  void theSessionsPageAndItsJsonListEverySessionSidecarAndFilterByUuidOrConnectId() throws Exception {
    report("1", NOW - 100, session(A, State.READY, 0, 2, ""), session(B, State.READY, 0, 0, ""));
    report("2", NOW - 100, session(A, State.FAILED, 0, 0, "session " + A + ": <no program>"));
    String page = pages.handle("/sessions/", Map.of(), NOW).body();
    assertThat(sessionRows(page)).containsExactly("1 " + A + " READY", "1 " + B + " READY", "2 " + A + " FAILED");
    assertThat(sessionRows(pages.handle("/sessions", Map.of("session", "c-bbbb"), NOW).body())).containsExactly("1 " + B + " READY");
    String second = pages.handle("/sessions/", Map.of("page", "2", "size", "2"), NOW).body();
    assertThat(sessionRows(second)).containsExactly("2 " + A + " FAILED");
    assertThat(second).contains("Showing 3–3 of 3 (page 2 of 2)").contains("id=\"sessions-prev\" href=\"?page=1&amp;size=2\"");
    JsonNode all = json.readTree(pages.handle("/json/sessions/", Map.of(), NOW).body());
    assertThat(all.at("/summary/live").asInt()).isEqualTo(3);
    assertThat(all.at("/summary/states/FAILED").asInt()).isEqualTo(1);
    assertThat(all.at("/sessions")).hasSize(3);
    assertThat(all.at("/sessions/0/session").asText()).isEqualTo(A);
    assertThat(all.at("/sessions/0/connectSession").asText()).isEqualTo("c-aaaa");
    assertThat(all.at("/sessions/0/handoffs/done").asInt()).isEqualTo(2);
    assertThat(all.at("/sessions/2/reason").asText()).isEqualTo("session " + A + ": <no program>");
    JsonNode one = json.readTree(pages.handle("/json/sessions", Map.of("session", A), NOW).body());
    assertThat(one.at("/sessions")).hasSize(2);
    // and each executor's object in the executors' JSON carries its sessions; the summary counts them
    JsonNode executors = json.readTree(pages.handle("/json/", Map.of(), NOW).body());
    assertThat(executors.at("/summary/sessions/live").asInt()).isEqualTo(3);
    assertThat(executors.at("/executors/0/sessions")).hasSize(2);
    assertThat(executors.at("/executors/1/sessions/0/state").asText()).isEqualTo("FAILED");
    // the session closes: it leaves executor 1's row and shows as STOPPED until the driver forgets it
    report("1", NOW - 50, session(B, State.READY, 0, 0, ""));
    JsonNode after = json.readTree(pages.handle("/json/sessions/", Map.of("session", A), NOW).body());
    assertThat(after.at("/sessions")).extracting(n -> n.at("/executorId").asText() + " " + n.at("/state").asText())
        .containsExactly("2 FAILED", "1 STOPPED");
  }
}
