package io.sparksidecar.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker engine with hiccups: a UNIX socket in front of the real engine that passes every request
 * through, except that the first container create of each executor (by the executor label in its
 * body) gets an HTTP 500, as an engine overloaded by a burst of executor starts answers. One request
 * per connection, as the plugin's built-in client speaks.
 */
final class FlakyEngine implements AutoCloseable {
  private static final Pattern EXECUTOR = Pattern.compile("\"io\\.sparksidecar\\.executor\"\\s*:\\s*\"([^\"]+)\"");
  private final Path socket;
  private final Path engine;
  private final ServerSocketChannel server;
  private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
  final AtomicInteger injected = new AtomicInteger();
  final AtomicInteger creates = new AtomicInteger();

  FlakyEngine(Path dir, Path engine) throws IOException {
    this.socket = dir.resolve("flaky-engine.sock");
    this.engine = engine;
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
    socket.toFile().setWritable(true, false);
    Thread t = new Thread(this::serve, "flaky-engine");
    t.setDaemon(true);
    t.start();
  }

  /** The endpoint for spark.sidecar.docker.host. */
  String endpoint() {
    return "unix://" + socket;
  }

  private void serve() {
    while (server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        Thread t = new Thread(() -> handle(c), "flaky-engine-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void handle(SocketChannel client) {
    try (client; SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(engine))) {
      InputStream in = Channels.newInputStream(client);
      OutputStream out = Channels.newOutputStream(client);
      byte[] request = readRequest(in);
      String text = new String(request, StandardCharsets.ISO_8859_1);
      if (text.startsWith("POST ") && text.substring(0, text.indexOf('\r')).contains("/containers/create")) {
        creates.incrementAndGet();
        Matcher m = EXECUTOR.matcher(text);
        if (m.find() && failedOnce.add(m.group(1))) {
          injected.incrementAndGet();
          byte[] body = "{\"message\":\"injected engine hiccup: try again\"}".getBytes(StandardCharsets.UTF_8);
          out.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: " + body.length
              + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(body);
          out.flush();
          return;
        }
      }
      OutputStream up = Channels.newOutputStream(upstream);
      up.write(request);
      up.flush();
      Channels.newInputStream(upstream).transferTo(out); // the client asked for Connection: close
      out.flush();
    } catch (IOException e) {
      // a client that went away: nothing to do
    }
  }

  /** The head and (Content-Length) body of one request. */
  private static byte[] readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request ended early");
      }
      buf.write(b);
      state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
          : b == '\r' ? 1 : 0;
    }
    String head = buf.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    Matcher m = Pattern.compile("content-length:\\s*(\\d+)").matcher(head);
    if (m.find()) {
      buf.write(in.readNBytes(Integer.parseInt(m.group(1))));
    }
    return buf.toByteArray();
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(socket);
  }
}
