package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.sparksidecar.plugin.SidecarException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** Engine failures classified by cause, and retried only when transient. */
class EngineRetriesTest {
  private static final ContainerSpec SPEC = new ContainerSpec("img:1", "sidecar-app-1-abc", Map.of(), "5001", List.of(),
      List.of(), List.of(), List.of(), List.of(), List.of("ALL"), List.of("no-new-privileges"), 64, "bridge", List.of(),
      0, 0, 0, 0);

  @Test
  void causesDecideNotCalls() {
    assertThat(EngineFailures.permanent(EngineFailures.NO_ANSWER, "Connection reset by peer")).isFalse();
    assertThat(EngineFailures.permanent(500, "Internal Server Error")).isFalse();
    assertThat(EngineFailures.permanent(503, "service unavailable")).isFalse();
    assertThat(EngineFailures.permanent(409, "Conflict. The container name is already in use")).isFalse();
    assertThat(EngineFailures.permanent(429, "too many requests")).isFalse();
    assertThat(EngineFailures.permanent(404, "No such image: img:1")).isTrue();
    assertThat(EngineFailures.permanent(400, "invalid mount config for type bind")).isTrue();
    assertThat(EngineFailures.permanent(403, "forbidden")).isTrue();
    assertThat(EngineFailures.permanent(500, "OCI runtime create failed: exec: \"nope\": executable file not found in $PATH"))
        .isTrue();
    assertThat(EngineFailures.of("m", 500, "boom", null).isPermanent()).isFalse();
    assertThat(EngineFailures.of("m", 400, "invalid reference format", null).isPermanent()).isTrue();
  }

  @Test
  void aTransientCreateFailureIsRetriedAfterRemovingWhatATimedOutAttemptMayHaveLeft() {
    Engine engine = mock(Engine.class);
    when(engine.create(any())).thenThrow(new SidecarException("socket reset"), new SidecarException("HTTP 500"))
        .thenReturn("abc123");
    assertThat(new RetryingEngine(engine, 3, Duration.ofMillis(1)).create(SPEC)).isEqualTo("abc123");
    InOrder order = inOrder(engine);
    order.verify(engine).create(SPEC);
    order.verify(engine).remove("sidecar-app-1-abc");
    order.verify(engine).create(SPEC);
    order.verify(engine).remove("sidecar-app-1-abc");
    order.verify(engine).create(SPEC);
  }

  @Test
  void aPermanentFailureIsThrownAtOnce() {
    Engine engine = mock(Engine.class);
    when(engine.create(any())).thenThrow(SidecarException.permanent("invalid mount config", null));
    assertThatThrownBy(() -> new RetryingEngine(engine, 3, Duration.ofMillis(1)).create(SPEC))
        .hasMessage("invalid mount config").matches(e -> ((SidecarException) e).isPermanent());
    verify(engine, times(1)).create(any());
    verify(engine, never()).remove(any());
  }

  @Test
  void aTransientFailureThatOutlastsTheRetriesSaysSoAndStaysTransient() {
    Engine engine = mock(Engine.class);
    org.mockito.Mockito.doThrow(new SidecarException("no answer within 120000 ms")).when(engine).start("abc");
    assertThatThrownBy(() -> new RetryingEngine(engine, 2, Duration.ofMillis(1)).start("abc"))
        .hasMessageContaining("no answer within").hasMessageContaining("tried 3 times")
        .matches(e -> !((SidecarException) e).isPermanent());
    verify(engine, times(3)).start("abc");
  }

  @Test
  void pingIsNeverRetried() {
    Engine engine = mock(Engine.class);
    org.mockito.Mockito.doThrow(new SidecarException("no socket")).when(engine).ping();
    assertThatThrownBy(() -> new RetryingEngine(engine, 3, Duration.ofMillis(1)).ping()).hasMessage("no socket");
    verify(engine, times(1)).ping();
  }

  @Test
  void anUnpublishedPortIsAnErrorNamingTheKeyNotAGuess() {
    Engine engine = mock(Engine.class);
    when(engine.inspect("abcdef0123456789")).thenReturn(
        java.util.Optional.of(new ContainerState(true, 0, false, "none", Map.of())), // running, ports not yet assigned
        java.util.Optional.of(new ContainerState(true, 0, false, "none", Map.of(1234, 40001))));
    DockerInstance i = new DockerInstance(engine, "abcdef0123456789", List.of(1234));
    assertThatThrownBy(() -> i.hostPort(8080)).isInstanceOf(SidecarException.class)
        .hasMessageContaining("port 8080").hasMessageContaining("spark.sidecar.ports=1234");
    i.status(); // an early look, before the engine assigned host ports, must not cache an empty map
    assertThat(i.hostPort(1234)).isEqualTo(40001);
    assertThat(new DockerInstance(engine, "abcdef0123456789", null).hostPort(8080)).as("host network").isEqualTo(8080);
  }
}
