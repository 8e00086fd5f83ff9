package io.sparksidecar.plugin.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.metrics.HandoffAggregates;
import io.sparksidecar.plugin.metrics.HandoffRecorder;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SidecarsPagesTest {
  private static final long NOW = 1_000_000;
  private final SidecarRegistry registry = new SidecarRegistry(10_000);
  private final HandoffAggregates totals = new HandoffAggregates();
  private final SidecarsPages pages = new SidecarsPages(registry, totals);

  private void report(String id, State state, int done, int failed, String lastFailure) {
    HandoffRecorder rec = new HandoffRecorder();
    for (int i = 0; i < done; i++) {
      rec.succeeded(4_000_000L * (1 + Integer.parseInt(id) % 7), 1000, 2000);
    }
    for (int i = 0; i < failed; i++) {
      rec.failed(10);
    }
    HealthReport r = new HealthReport(id, "host-" + id, "docker", new Snapshot(state, lastFailure.isEmpty() ? 0 : 1,
        lastFailure.isEmpty() ? -1 : 3, state == State.READY ? "ready" : "it failed", "c" + id, NOW - 5000, false), done,
        NOW - 100, new ExecutorActivity(rec.totals(), lastFailure, lastFailure.isEmpty() ? 0 : NOW - 4000));
    registry.update(r, NOW - 100);
    totals.record(r);
  }

  private static List<String> rowIds(String html) {
    List<String> ids = new ArrayList<>();
    Matcher m = Pattern.compile("<tr class=\"sidecar\" data-executor=\"([^\"]+)\"").matcher(html);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }

  @Test
  void oneRowPerExecutorWithItsHandoffsAndTheLastFailureEscaped() {
    report("1", State.READY, 3, 1, "exited with 3; last lines of its log:\n<script>alert(1)</script> & gone");
    report("2", State.READY, 5, 0, "");
    SidecarsPages.Response r = pages.handle("/", Map.of(), NOW);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.html()).isTrue();
    assertThat(rowIds(r.body())).containsExactly("1", "2");
    assertThat(r.body()).contains("data-executor=\"1\" data-state=\"READY\" data-done=\"3\" data-failed=\"1\"")
        .contains("<td class=\"host text-nowrap\">host-2</td>").contains("<td class=\"bytes-in text-nowrap\">4.9 KiB</td>")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; gone").doesNotContain("<script>")
        .contains("<summary>exited with 3; last lines of its log: … &lt;script&gt;alert(1)&lt;/script&gt; &amp; gone</summary>")
        .contains("data-done=\"8\" data-failed=\"1\""); // the application's totals
  }

  @Test
  void aThousandExecutorsArePagedInNumericOrderAndFilteredByState() {
    for (int i = 0; i < 1000; i++) {
      report(String.valueOf(i), i % 100 == 7 ? State.FAILED : State.READY, i % 5, 0, i % 100 == 7 ? "exit 3" : "");
    }
    String page2 = pages.handle("/", Map.of("page", "2"), NOW).body();
    List<String> ids = rowIds(page2);
    assertThat(ids).hasSize(100).first().isEqualTo("100");
    assertThat(ids).last().isEqualTo("199");
    assertThat(page2).contains("Showing 101–200 of 1000 (page 2 of 10)").contains("id=\"sidecars-next\"")
        .contains("data-state=\"FAILED\" href=\"?state=FAILED&amp;sort=id\">10 FAILED</a>");
    assertThat(rowIds(pages.handle("/", Map.of("state", "failed"), NOW).body())).hasSize(10).allMatch(id -> Integer.parseInt(id) % 100 == 7);
    assertThat(rowIds(pages.handle("/", Map.of("page", "99", "size", "abc"), NOW).body())).as("clamped to the last page")
        .first().isEqualTo("900");
  }

  @Test
  void theDetailPageShowsTheWholeLogTailAndAnUnknownExecutorIs404() {
    report("4", State.RESTARTING, 2, 1, "exited with 137 (OOM-killed); last lines of its log:\nline 1\nline 2");
    SidecarsPages.Response r = pages.handle("/executor/", Map.of("id", "4"), NOW);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.title()).isEqualTo("Sidecar of executor 4");
    assertThat(r.body()).contains("data-executor=\"4\"").contains("line 1\nline 2</pre>").contains("<th>Restarts</th><td>1</td>")
        .contains("id=\"sidecar-latency\"");
    assertThat(pages.handle("/executor", Map.of("id", "nope"), NOW).status()).isEqualTo(404);
    assertThat(pages.handle("/elsewhere", Map.of(), NOW).status()).isEqualTo(404);
  }

  @Test
  void theJsonIsValidAndCarriesTheSameNumbers() throws Exception {
    report("1", State.READY, 3, 1, "exit \"3\"\n\ttab");
    report("2", State.FAILED, 0, 2, "gone");
    ObjectMapper json = new ObjectMapper();
    JsonNode all = json.readTree(pages.handle("/json/", Map.of(), NOW).body());
    assertThat(all.at("/summary/executors").asInt()).isEqualTo(2);
    assertThat(all.at("/summary/states/FAILED").asInt()).isEqualTo(1);
    assertThat(all.at("/summary/handoffs/done").asLong()).isEqualTo(3);
    assertThat(all.at("/summary/handoffs/failed").asLong()).isEqualTo(3);
    assertThat(all.at("/executors/0/executorId").asText()).isEqualTo("1");
    assertThat(all.at("/executors/0/lastFailure").asText()).isEqualTo("exit \"3\"\n\ttab");
    assertThat(all.at("/executors/0/handoffs/p50Ms").asDouble()).isBetween(8.0, 9.6);
    assertThat(json.readTree(pages.handle("/json", Map.of("state", "FAILED"), NOW).body()).at("/executors").size()).isEqualTo(1);
    assertThat(json.readTree(pages.handle("/json", Map.of("offset", "1", "limit", "5"), NOW).body())
        .at("/executors/0/executorId").asText()).isEqualTo("2");
    SidecarsPages.Response one = pages.handle("/json", Map.of("id", "2"), NOW);
    assertThat(json.readTree(one.body()).at("/state").asText()).isEqualTo("FAILED");
    SidecarsPages.Response missing = pages.handle("/json", Map.of("id", "9"), NOW);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(json.readTree(missing.body()).at("/error").asText()).contains("'9'");
  }

  @Test
  void anEmptyRegistrySaysSo() {
    assertThat(pages.handle("", Map.of(), NOW).body()).contains("No executor has reported a sidecar yet.");
  }
}
