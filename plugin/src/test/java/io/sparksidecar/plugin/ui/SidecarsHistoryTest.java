package io.sparksidecar.plugin.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SessionReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.metrics.HandoffAggregates;
import io.sparksidecar.plugin.metrics.HandoffRecorder;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.util.JsonProtocol;
import org.junit.jupiter.api.Test;

/**
 * The driver's rows go into Spark's event log and come back as the same tab: what the publisher posts
 * is written and read with Spark's own {@code JsonProtocol} (as the event log and the history server's
 * replay do), and the registry rebuilt from it renders the pages the live one renders.
 */
class SidecarsHistoryTest {
  private long now = 1_000_000;
  private long heartbeat; // how much later than now a report is sent and received (its content as at now)
  private final SidecarRegistry live = new SidecarRegistry(10_000);
  private final HandoffAggregates liveTotals = new HandoffAggregates();
  private final List<String> eventLog = new ArrayList<>();
  private final HistoryPublisher publisher = new HistoryPublisher(live, e -> eventLog.add(JsonProtocol.sparkEventToJsonString(e)),
      Duration.ZERO, () -> now);

  SidecarsHistoryTest() {
    live.sessions().onHandoffs(liveTotals::addSessions);
  }

  private void report(String id, State state, int done, int failed, String lastFailure, SessionReport... sessions) {
    HandoffRecorder rec = new HandoffRecorder();
    for (int i = 0; i < done; i++) {
      rec.succeeded(3_000_000L, 100, 200);
    }
    for (int i = 0; i < failed; i++) {
      rec.failed(10);
    }
    HealthReport r = new HealthReport(id, "host-" + id, "docker", new Snapshot(state, lastFailure.isEmpty() ? 0 : 1,
        lastFailure.isEmpty() ? -1 : 3, state == State.READY ? "ready" : "it failed", "c" + id, now - 50, false), done,
        now + heartbeat, new ExecutorActivity(rec.totals(), lastFailure, lastFailure.isEmpty() ? 0 : now - 40), List.of(sessions));
    live.update(r, now + heartbeat);
    liveTotals.record(r);
  }

  private static SessionReport session(String uuid, int done) {
    HandoffRecorder rec = new HandoffRecorder();
    for (int i = 0; i < done; i++) {
      rec.succeeded(1_000_000L, 10, 20);
    }
    return new SessionReport(uuid, "connect-" + uuid, "process", new Snapshot(State.READY, 0, -1, "ready", "pid 7", 1, false),
        new ExecutorActivity(rec.totals(), "", 0), 5);
  }

  @Test
  void onlyChangedRowsArePostedAndTheReplayedRegistryShowsWhatTheLiveOneShowed() throws Exception {
    report("1", State.READY, 2, 0, "");
    report("2", State.READY, 1, 1, "");
    assertThat(publisher.publish()).isEqualTo(2);
    assertThat(publisher.publish()).as("nothing changed: nothing posted").isZero();
    heartbeat = 500;
    report("1", State.READY, 2, 0, ""); // a heartbeat that repeats the last report
    heartbeat = 0;
    assertThat(publisher.publish()).as("a heartbeat with nothing new: nothing posted").isZero();
    now += 1_000;
    report("2", State.READY, 4, 1, "exited with 137; last lines of its log:\nmodel file corrupt",
        session("aaaaaaaa-0000-0000-0000-000000000001", 3));
    assertThat(publisher.publish()).as("only executor 2 changed").isEqualTo(1);
    now += 1_000;
    report("2", State.READY, 5, 1, "exited with 137; last lines of its log:\nmodel file corrupt"); // its session sidecar stopped
    live.executorRemoved("1", "Command exited with code 137", now);
    publisher.close();
    assertThat(eventLog).as("two posts, then one at close with both changes").hasSize(3);
    assertThat(eventLog.get(0)).contains("\"Event\":\"io.sparksidecar.plugin.ui.SidecarsHistoryEvent\"");

    // the history server's replay: Spark's reader, then the listener, then the pages
    List<SidecarsHistoryRecord> records = new ArrayList<>();
    long seq = 0;
    for (String line : eventLog) {
      SparkListenerEvent e = JsonProtocol.sparkEventFromJson(line);
      assertThat(e).isInstanceOf(SidecarsHistoryEvent.class);
      records.add(SidecarsHistoryRecord.of(seq++, (SidecarsHistoryEvent) e));
    }
    SidecarRegistry replayed = new SidecarRegistry(Long.MAX_VALUE / 100);
    HandoffAggregates totals = new HandoffAggregates();
    replayed.sessions().onHandoffs(totals::addSessions);
    assertThat(SidecarsHistoryPlugin.replay(records, replayed, totals)).isEqualTo(now);

    assertThat(totals.total()).isEqualTo(liveTotals.total());
    assertThat(totals.total().done()).isEqualTo(5 + 2 + 3);
    String liveJson = new SidecarsPages(live, liveTotals).handle("/json/", Map.of(), now).body();
    String historyJson = new SidecarsPages(replayed, totals).handle("/json/", Map.of(), now).body();
    assertThat(historyJson).isEqualTo(liveJson).contains("model file corrupt").contains("executor removed: Command exited with code 137");
    assertThat(new SidecarsPages(replayed, totals).handle("/sessions/", Map.of(), now).body())
        .contains("aaaaaaaa").contains("STOPPED");
    assertThat(new SidecarsPages(replayed, totals).handle("/", Map.of(), now).body())
        .isEqualTo(new SidecarsPages(live, liveTotals).handle("/", Map.of(), now).body());
  }
}
