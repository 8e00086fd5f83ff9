package io.sparksidecar.plugin.runtime.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Timer;
import java.util.TimerTask;

/**
 * HTTP/1.1 to a Docker engine over a UNIX socket ({@code unix:///var/run/docker.sock}) or plain
 * TCP ({@code tcp://host:2375}), on the JDK's {@link SocketChannel} alone. One connection per
 * request ({@code Connection: close}: a UNIX-socket connect costs microseconds, and no pool state
 * can go stale); bodies de-chunked; every request bounded by a timeout that closes the socket.
 * TLS endpoints are not spoken here (see {@link Engines}). Thread-safe.
 */
final class EngineHttp {
  /** A response: status code and the whole body. */
  record Response(int status, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The engine's {@code {"message": ...}} of an error reply, else the body as text. */
    String message() {
      String t = text().strip();
      try {
        Object m = Json.at(Json.parse(t), "message");
        return m == null ? t : m.toString();
      } catch (IllegalArgumentException notJson) {
        return t;
      }
    }
  }

  private static final Timer TIMEOUTS = new Timer("sidecar-engine-timeouts", true);
  private static final int MAX_BODY = 64 << 20;

  private final SocketAddress address;
  private final String host;
  private final String prefix;

  /** {@code endpoint}: {@code unix:///path} or {@code tcp://host:port}; {@code apiVersion} like {@code 1.41}. */
  EngineHttp(String endpoint, String apiVersion) {
    this.address = address(endpoint);
    this.host = endpoint.startsWith("unix://") ? "docker" : URI.create(endpoint).getAuthority();
    this.prefix = "/v" + apiVersion;
  }

  /** True for the endpoints this client speaks: UNIX sockets and plain TCP. */
  static boolean speaks(String endpoint) {
    return endpoint.startsWith("unix://") || endpoint.startsWith("tcp://");
  }

  private static SocketAddress address(String endpoint) {
    if (endpoint.startsWith("unix://")) {
      return UnixDomainSocketAddress.of(endpoint.substring("unix://".length()));
    }
    if (endpoint.startsWith("tcp://")) {
      URI u = URI.create(endpoint);
      return InetSocketAddress.createUnresolved(u.getHost(), u.getPort() < 0 ? 2375 : u.getPort());
    }
    throw new IllegalArgumentException("unsupported Docker endpoint " + endpoint + " (expected unix:// or tcp://)");
  }

  /** One request on a fresh connection; {@code path} is relative to the API version, e.g. {@code /_ping}. */
  Response send(String method, String path, String jsonBody, Duration timeout) throws IOException {
    byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(160)
        .append(method).append(' ').append(prefix).append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(host).append("\r\n")
        .append("User-Agent: spark-sidecar\r\n")
        .append("Connection: close\r\n");
    if (jsonBody != null || !method.equals("GET")) {
      head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    long deadline = System.nanoTime() + timeout.toNanos();
    SocketAddress target = resolve(timeout);
    try (SocketChannel ch = SocketChannel.open(target instanceof InetSocketAddress ? java.net.StandardProtocolFamily.INET
        : java.net.StandardProtocolFamily.UNIX)) {
      TimerTask guard = new TimerTask() {
        @Override
        public void run() {
          try {
            ch.close();
          } catch (IOException ignored) {
            // the reader sees the closed channel
          }
        }
      };
      // one guard bounds connect, write and read: closing the channel ends a blocked connect too
      TIMEOUTS.schedule(guard, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      try {
        ch.connect(target);
        writeFully(ch, ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
        if (body.length > 0) {
          writeFully(ch, ByteBuffer.wrap(body));
        }
        return parse(readAll(ch), method + " " + path);
      } catch (IOException e) {
        if (!ch.isOpen()) {
          throw new IOException(method + " " + path + ": no answer from the Docker engine within " + timeout.toMillis()
              + " ms", e);
        }
        throw e;
      } finally {
        guard.cancel();
      }
    }
  }

  /** The address to connect to; a host name is resolved within {@code timeout} (a hung resolver does not hang us). */
  private SocketAddress resolve(Duration timeout) throws IOException {
    if (!(address instanceof InetSocketAddress inet) || !inet.isUnresolved()) {
      return address;
    }
    java.util.concurrent.CompletableFuture<InetSocketAddress> lookup = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> new InetSocketAddress(inet.getHostString(), inet.getPort()));
    try {
      InetSocketAddress resolved = lookup.get(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
      if (resolved.isUnresolved()) {
        throw new IOException("cannot resolve Docker engine host " + inet.getHostString());
      }
      return resolved;
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("no answer from the resolver for Docker engine host " + inet.getHostString() + " within "
          + timeout.toMillis() + " ms", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("cannot resolve Docker engine host " + inet.getHostString() + ": " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while resolving " + inet.getHostString(), e);
    }
  }

  private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static byte[] readAll(SocketChannel ch) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    ByteBuffer buf = ByteBuffer.allocate(16384);
    while (ch.read(buf) >= 0) {
      out.write(buf.array(), 0, buf.position());
      buf.clear();
      if (out.size() > MAX_BODY) {
        throw new IOException("Docker engine reply larger than " + (MAX_BODY >> 20) + " MiB");
      }
    }
    return out.toByteArray();
  }

  /** Splits status line, headers and body; de-chunks a chunked body. */
  static Response parse(byte[] raw, String what) throws IOException {
    int end = indexOf(raw, 0, new byte[] {'\r', '\n', '\r', '\n'});
    if (end < 0) {
      throw new IOException(what + ": incomplete HTTP reply from the Docker engine (" + raw.length + " bytes)");
    }
    String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
      throw new IOException(what + ": not an HTTP reply: " + lines[0]);
    }
    int code;
    try {
      code = Integer.parseInt(status[1]);
    } catch (NumberFormatException e) {
      throw new IOException(what + ": bad HTTP status line: " + lines[0], e);
    }
    boolean chunked = false;
    long length = -1;
    for (int k = 1; k < lines.length; k++) {
      String h = lines[k].toLowerCase(Locale.ROOT);
      if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
        chunked = true;
      } else if (h.startsWith("content-length:")) {
        length = Long.parseLong(h.substring("content-length:".length()).trim());
      }
    }
    int from = end + 4;
    byte[] body;
    if (chunked) {
      body = dechunk(raw, from, what);
    } else {
      int n = length < 0 ? raw.length - from : (int) Math.min(length, raw.length - from);
      if (length >= 0 && n < length) {
        throw new IOException(what + ": the Docker engine's reply ended after " + n + " of " + length + " bytes");
      }
      body = java.util.Arrays.copyOfRange(raw, from, from + n);
    }
    return new Response(code, body);
  }

  private static byte[] dechunk(byte[] raw, int from, String what) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length - from);
    int p = from;
    while (true) {
      int eol = indexOf(raw, p, new byte[] {'\r', '\n'});
      if (eol < 0) {
        throw new IOException(what + ": truncated chunked reply from the Docker engine");
      }
      String sizeLine = new String(raw, p, eol - p, StandardCharsets.ISO_8859_1);
      int semi = sizeLine.indexOf(';');
      int size;
      try {
        size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException(what + ": bad chunk size '" + sizeLine + "' in the Docker engine's reply", e);
      }
      p = eol + 2;
      if (size == 0) {
        return out.toByteArray();
      }
      if (p + size > raw.length) {
        throw new IOException(what + ": truncated chunk in the Docker engine's reply");
      }
      out.write(raw, p, size);
      p += size + 2;
    }
  }

  private static int indexOf(byte[] a, int from, byte[] needle) {
    outer:
    for (int k = from; k <= a.length - needle.length; k++) {
      for (int j = 0; j < needle.length; j++) {
        if (a[k + j] != needle[j]) {
          continue outer;
        }
      }
      return k;
    }
    return -1;
  }
}
