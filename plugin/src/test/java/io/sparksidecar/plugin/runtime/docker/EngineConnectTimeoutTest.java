package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The request timeout bounds the TCP connect too. A loopback listener whose accept queue is full
 * (it never accepts) makes the kernel drop further SYNs, so a connect hangs for minutes of SYN
 * retries: the nearest thing to an unreachable engine that stays on this machine.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EngineConnectTimeoutTest {

  @Test
  void aConnectThatHangsEndsWithTheRequestTimeout() throws Exception {
    List<Socket> fillers = new ArrayList<>();
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = full.getLocalPort();
      // fill the accept queue until a connect no longer completes at once
      boolean hangs = false;
      for (int i = 0; i < 16 && !hangs; i++) {
        Socket s = new Socket();
        try {
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 300);
          fillers.add(s);
        } catch (IOException timedOut) {
          s.close();
          hangs = true;
        }
      }
      assertThat(hangs).as("the kernel stopped completing connects to the full listener").isTrue();
      EngineHttp http = new EngineHttp("tcp://127.0.0.1:" + port, "1.41");
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> http.send("GET", "/_ping", null, Duration.ofMillis(500)))
          .isInstanceOf(IOException.class).hasMessageContaining("within 500 ms");
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the connect gave up").isLessThan(3_000);
    } finally {
      for (Socket s : fillers) {
        s.close();
      }
    }
  }
}
