package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How spark.sidecar.kubernetes.nativeSidecar=auto decides. */
class NativeSidecarsTest {

  @Test
  void nativeFrom129() {
    assertThat(NativeSidecars.supports(1, 28)).isFalse();
    assertThat(NativeSidecars.supports(1, 29)).isTrue();
    assertThat(NativeSidecars.supports(1, 33)).isTrue();
    assertThat(NativeSidecars.supports(2, 0)).isTrue();
  }

  @Test
  void apiServerUrlAsSparkReadsIt() {
    assertThat(NativeSidecars.apiServer("k8s://https://h:6443")).isEqualTo("https://h:6443");
    assertThat(NativeSidecars.apiServer("k8s://h:6443")).isEqualTo("https://h:6443");
    assertThat(NativeSidecars.apiServer("k8s://http://127.0.0.1:8001")).isEqualTo("http://127.0.0.1:8001");
  }

  @Test
  void explicitValuesAreNotProbed() {
    assertThat(NativeSidecars.decide(Map.of("spark.sidecar.kubernetes.nativeSidecar", "false"))).isFalse();
    assertThat(NativeSidecars.decide(Map.of("spark.sidecar.kubernetes.nativeSidecar", "true"))).isTrue();
  }

  @Test
  void autoWithAnUnreadableVersionAssumesNativeQuickly() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: connections are refused
    }
    long t0 = System.nanoTime();
    boolean nativeSidecar = NativeSidecars.decide(Map.of("spark.master", "k8s://http://127.0.0.1:" + port));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(nativeSidecar).isTrue();
    assertThat(ms).isLessThan(10_000);
  }
}
