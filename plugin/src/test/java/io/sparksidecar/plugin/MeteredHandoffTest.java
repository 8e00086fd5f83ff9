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
}
