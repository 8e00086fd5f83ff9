package io.sparksidecar.plugin.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import io.sparksidecar.plugin.metrics.ExecutorActivity;
import io.sparksidecar.plugin.runtime.Supervisor.Snapshot;
import io.sparksidecar.plugin.runtime.Supervisor.State;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.plugin.PluginContext;
import org.junit.jupiter.api.Test;

/** The executor's reporting thread: a change of what it watches (the session sidecars) is sent at once, not at the next beat. */
class HealthReporterTest {
  @Test
  void aSessionSidecarsChangeIsSentWithinAWatchPeriodAndNothingElseBeforeTheBeat() throws Exception {
    PluginContext ctx = mock(PluginContext.class);
    LinkedBlockingQueue<HealthReport> sent = new LinkedBlockingQueue<>();
    doAnswer(i -> {
      sent.add(HealthReport.fromWire(i.getArgument(0)));
      return HealthReport.ACK;
    }).when(ctx).ask(any());
    doAnswer(i -> {
      sent.add(HealthReport.fromWire(i.getArgument(0)));
      return null;
    }).when(ctx).send(any());
    AtomicReference<List<SessionReport>> sessions = new AtomicReference<>(List.of());
    Snapshot ready = new Snapshot(State.READY, 0, -1, "ready", "pid 1", 1, false);
    HealthReporter r = new HealthReporter(ctx, "7", Duration.ofSeconds(60), snap -> new HealthReport("7", "h", "process", snap,
        0, System.currentTimeMillis(), ExecutorActivity.none(0), sessions.get()))
        .watch(() -> sessions.get().stream().map(s -> s.uuid() + " " + s.snapshot().state()).toList()).start();
    try {
      r.changed(ready);
      assertThat(sent.poll(5, TimeUnit.SECONDS)).as("the registration").isNotNull();
      assertThat(sent.poll(700, TimeUnit.MILLISECONDS)).as("nothing new, the beat is a minute away").isNull();
      SessionReport s = new SessionReport("aaaaaaaa-0000-0000-0000-000000000001", "c", "process",
          new Snapshot(State.READY, 0, -1, "ready", "pid 2", 2, false), null, 2);
      sessions.set(List.of(s));
      long t0 = System.nanoTime();
      HealthReport withSession = sent.poll(5, TimeUnit.SECONDS);
      assertThat(withSession).isNotNull();
      assertThat(withSession.sessions()).containsExactly(s);
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until sent").isLessThan(2_000);
      sessions.set(List.of(s.with(new Snapshot(State.RESTARTING, 1, 137, "exited with 137", "pid 2", 3, false))));
      HealthReport restarting = sent.poll(5, TimeUnit.SECONDS);
      assertThat(restarting.sessions().get(0).snapshot().state()).isEqualTo(State.RESTARTING);
      sessions.set(List.of());
      assertThat(sent.poll(5, TimeUnit.SECONDS).sessions()).as("it stopped: the next report has none").isEmpty();
      assertThat(sent.poll(700, TimeUnit.MILLISECONDS)).isNull();
    } finally {
      r.close();
    }
  }
}
