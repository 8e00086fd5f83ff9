package io.sparksidecar.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.codahale.metrics.MetricRegistry;
import io.sparksidecar.protocol.ChecksumAlgorithm;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffException;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.OutputEntry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeteredHandoffTest {
  @Test
  void countsLatencyBytesAndFailures() {
    MetricRegistry registry = new MetricRegistry();
    MeteredHandoff.Metrics metrics = MeteredHandoff.Metrics.register(registry);
    Handoff ok = mock(Handoff.class);
    when(ok.await(any())).thenReturn(new HandoffResult("r1", "ok", 0, 0, 1, "", 0,
        List.of(new OutputEntry("a", 300, ChecksumAlgorithm.CRC32C, "0"), new OutputEntry("b", 200, ChecksumAlgorithm.CRC32C, "0"))));
    Handoff h = new MeteredHandoff(ok, metrics);
    h.writeInput("x", new byte[1000]).run(Duration.ofSeconds(1));
    Handoff bad = mock(Handoff.class);
    when(bad.await(any())).thenThrow(new HandoffException("boom"));
    Handoff f = new MeteredHandoff(bad, metrics);
    assertThatThrownBy(() -> f.run(Duration.ofSeconds(1))).hasMessage("boom");

    assertThat(registry.timer("handoffs").getCount()).isEqualTo(1);
    assertThat(registry.counter("handoffs.failed").getCount()).isEqualTo(1);
    assertThat(registry.histogram("handoff.bytesIn").getSnapshot().getMax()).isEqualTo(1000);
    assertThat(registry.histogram("handoff.bytesOut").getSnapshot().getMax()).isEqualTo(500);
  }

  @Test
  void bytesInCountsStreamsLinesAndOpenInputsFailuresRecordLatencyAndOnlyResultsCountAsCompleted() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    MeteredHandoff.Metrics metrics = MeteredHandoff.Metrics.register(registry);
    java.util.concurrent.atomic.AtomicLong completed = new java.util.concurrent.atomic.AtomicLong();
    Handoff ok = mock(Handoff.class);
    when(ok.await(any())).thenReturn(new HandoffResult("r1", "ok", 0, 0, 1, "", 0, List.of()));
    // the delegate consumes what it is given, as the real client does
    when(ok.writeInput(org.mockito.ArgumentMatchers.eq("s"), any(java.io.InputStream.class))).thenAnswer(a -> {
      ((java.io.InputStream) a.getArgument(1)).transferTo(java.io.OutputStream.nullOutputStream());
      return ok;
    });
    when(ok.writeLines(org.mockito.ArgumentMatchers.eq("l"), any())).thenAnswer(a -> {
      for (CharSequence line : (Iterable<? extends CharSequence>) a.getArgument(1)) {
        assertThat(line).isNotNull();
      }
      return ok;
    });
    when(ok.writeInput(org.mockito.ArgumentMatchers.eq("o"), any(Handoff.InputWriter.class))).thenAnswer(a -> {
      ((Handoff.InputWriter) a.getArgument(1)).writeTo(java.io.OutputStream.nullOutputStream());
      return ok;
    });
    Handoff h = new MeteredHandoff(ok, metrics, completed);
    h.writeInput("s", new java.io.ByteArrayInputStream(new byte[700]));
    h.writeLines("l", List.of("abc", "é")); // 4 + 3 bytes in UTF-8 with the newlines
    h.writeInput("o", out -> {
      out.write(new byte[90], 0, 90);
      out.write(1);
    });
    assertThat(completed).as("created, not yet completed").hasValue(0);
    h.run(Duration.ofSeconds(1));
    assertThat(completed).hasValue(1);
    assertThat(registry.histogram("handoff.bytesIn").getSnapshot().getMax()).isEqualTo(700 + 7 + 91);

    Handoff bad = mock(Handoff.class);
    when(bad.await(any())).thenThrow(new HandoffException("exit 3"));
    Handoff f = new MeteredHandoff(bad, metrics, completed);
    assertThatThrownBy(() -> f.run(Duration.ofSeconds(1))).hasMessage("exit 3");
    assertThat(completed).as("a failed hand-off is not completed").hasValue(1);
    assertThat(registry.timer("handoffs.failedLatency").getCount()).isEqualTo(1);
    assertThat(registry.counter("handoffs.failed").getCount()).isEqualTo(1);
  }

  @Test
  void theHealthReportTotalsCountWhatTheTimersCountAndTheBytesOfBoth() {
    io.sparksidecar.plugin.metrics.HandoffRecorder totals = new io.sparksidecar.plugin.metrics.HandoffRecorder();
    java.util.concurrent.atomic.AtomicLong completed = new java.util.concurrent.atomic.AtomicLong();
    Handoff ok = mock(Handoff.class);
    when(ok.await(any())).thenReturn(new HandoffResult("r1", "ok", 0, 0, 1, "", 0,
        List.of(new OutputEntry("a", 300, ChecksumAlgorithm.CRC32C, "0"))));
    new MeteredHandoff(ok, null, completed, totals).writeInput("x", new byte[1000]).run(Duration.ofSeconds(1));
    new MeteredHandoff(ok, null, completed, totals).writeInput("x", new byte[24]).run(Duration.ofSeconds(1));
    Handoff bad = mock(Handoff.class);
    when(bad.await(any())).thenThrow(new HandoffException("exit 3"));
    Handoff f = new MeteredHandoff(bad, null, completed, totals).writeInput("x", new byte[5]);
    assertThatThrownBy(() -> f.run(Duration.ofSeconds(1))).hasMessage("exit 3");
    io.sparksidecar.plugin.metrics.HandoffTotals t = totals.totals();
    assertThat(t.done()).isEqualTo(2).isEqualTo(completed.get());
    assertThat(t.failed()).isEqualTo(1);
    assertThat(t.bytesIn()).isEqualTo(1029);
    assertThat(t.bytesOut()).isEqualTo(600);
    assertThat(java.util.Arrays.stream(t.latencyCounts()).sum()).as("latency of the completed ones only").isEqualTo(2);
  }
}
