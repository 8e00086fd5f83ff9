package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP client against a scripted server on a real UNIX socket. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EngineHttpTest {
  @TempDir
  Path dir;
  private ServerSocketChannel server;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  /** Serves every connection with {@code reply(request)}; a null reply keeps the connection silent. */
  private String serve(Function<String, byte[]> reply) throws IOException {
    Path sock = dir.resolve("engine.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(sock));
    Thread t = new Thread(() -> {
      while (server.isOpen()) {
        try (SocketChannel c = server.accept()) {
          String req = readRequest(c);
          requests.add(req);
          byte[] r = reply.apply(req);
          if (r == null) {
            Thread.sleep(5000);
            continue;
          }
          ByteBuffer b = ByteBuffer.wrap(r);
          while (b.hasRemaining()) {
            c.write(b);
          }
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return "unix://" + sock;
  }

  private static String readRequest(SocketChannel c) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer b = ByteBuffer.allocate(4096);
    while (true) {
      String s = out.toString(StandardCharsets.ISO_8859_1);
      int end = s.indexOf("\r\n\r\n");
      if (end >= 0) {
        int len = 0;
        for (String h : s.substring(0, end).split("\r\n")) {
          if (h.toLowerCase().startsWith("content-length:")) {
            len = Integer.parseInt(h.substring(15).trim());
          }
        }
        if (s.length() >= end + 4 + len) {
          return s;
        }
      }
      b.clear();
      if (c.read(b) < 0) {
        return s;
      }
      out.write(b.array(), 0, b.position());
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void sendsAVersionedRequestWithItsBodyAndReadsAContentLengthReply() throws Exception {
    String endpoint = serve(req -> bytes("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"Id\":\"c1\"}\n"));
    EngineHttp.Response r = new EngineHttp(endpoint, "1.41").send("POST", "/containers/create?name=x", "{\"Image\":\"é\"}", Duration.ofSeconds(5));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.text()).isEqualTo("{\"Id\":\"c1\"}\n");
    String req = requests.get(0);
    assertThat(req).startsWith("POST /v1.41/containers/create?name=x HTTP/1.1\r\n").contains("Host: docker\r\n",
        "Connection: close\r\n", "Content-Type: application/json\r\n", "Content-Length: 14\r\n");
    assertThat(req.getBytes(StandardCharsets.ISO_8859_1)).endsWith(bytes("{\"Image\":\"é\"}"));
  }

  @Test
  void dechunksAChunkedReply() throws Exception {
    String endpoint = serve(req -> bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\n{\"a\":\r\n3;ext=1\r\n\"b\"\r\n1\r\n}\r\n0\r\n\r\n"));
    assertThat(new EngineHttp(endpoint, "1.41").send("GET", "/x", null, Duration.ofSeconds(5)).text()).isEqualTo("{\"a\":\"b\"}");
  }

  @Test
  void aReplyWithoutLengthIsReadToTheEnd() throws Exception {
    String endpoint = serve(req -> bytes("HTTP/1.0 200 OK\r\n\r\nOK"));
    assertThat(new EngineHttp(endpoint, "1.41").send("GET", "/_ping", null, Duration.ofSeconds(5)).text()).isEqualTo("OK");
  }

  @Test
  void errorRepliesGiveTheEnginesMessage() throws Exception {
    String endpoint = serve(req -> bytes("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 31\r\n\r\n{\"message\":\"disk is on fire\"}\n\n"));
    SocketEngine engine = new SocketEngine(endpoint, "1.41");
    assertThatThrownBy(() -> engine.start("abc"))
        .isInstanceOf(SidecarException.class)
        .hasMessage("Docker engine at " + endpoint + " could not start container abc: disk is on fire (HTTP 500)");
  }

  @Test
  void aSilentEngineTimesOut() throws Exception {
    String endpoint = serve(req -> null);
    long t = System.nanoTime();
    assertThatThrownBy(() -> new EngineHttp(endpoint, "1.41").send("GET", "/_ping", null, Duration.ofMillis(300)))
        .isInstanceOf(IOException.class).hasMessageContaining("GET /_ping: no answer from the Docker engine within 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void truncatedAndForeignRepliesAreRefused() throws Exception {
    String endpoint = serve(req -> req.contains("/short") ? bytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        : req.contains("/chunk") ? bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nabc")
        : req.contains("/head") ? bytes("HTTP/1.1 200 OK\r\nContent-Le")
        : bytes("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    EngineHttp http = new EngineHttp(endpoint, "1.41");
    assertThatThrownBy(() -> http.send("GET", "/short", null, Duration.ofSeconds(5))).hasMessageContaining("ended after 10 of 100 bytes");
    assertThatThrownBy(() -> http.send("GET", "/chunk", null, Duration.ofSeconds(5))).hasMessageContaining("truncated chunk");
    assertThatThrownBy(() -> http.send("GET", "/head", null, Duration.ofSeconds(5))).hasMessageContaining("incomplete HTTP reply");
    assertThatThrownBy(() -> http.send("GET", "/ssh", null, Duration.ofSeconds(5))).hasMessageContaining("not an HTTP reply: SSH-2.0");
  }

  @Test
  void noEngineAtTheSocketIsAClearFailure() {
    String endpoint = "unix://" + dir.resolve("absent.sock");
    assertThatThrownBy(() -> new SocketEngine(endpoint, "1.41").ping())
        .isInstanceOf(SidecarException.class).hasMessageStartingWith("Docker engine at " + endpoint + ": GET /_ping failed");
    assertThat(Engines.connect("builtin", endpoint, "1.41")).isNull();
  }

  @Test
  void autoPicksTheBuiltinClientUnlessTlsIsNeeded() {
    assertThat(Engines.resolve("auto", "unix:///var/run/docker.sock")).isEqualTo("builtin");
    assertThat(Engines.resolve("docker-java", "unix:///var/run/docker.sock")).isEqualTo("docker-java");
    assertThat(Engines.resolve("builtin", "tcp://engine:2375")).isEqualTo("builtin");
    String tls = System.getenv("DOCKER_TLS_VERIFY");
    assertThat(Engines.resolve("auto", "tcp://engine:2375"))
        .isEqualTo(tls == null || tls.isEmpty() || tls.equals("0") ? "builtin" : "docker-java");
  }
}
