package io.sparksidecar.plugin.runtime.docker;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS endpoint for the local engine, as {@code dockerd --tlsverify} offers one: mutual TLS on
 * 127.0.0.1, each connection piped to the engine's UNIX socket. The certificates (a CA, a server
 * and a client certificate, in the files DOCKER_CERT_PATH expects: ca.pem, cert.pem, key.pem)
 * are made by the {@code openssl} CLI.
 */
final class TlsEngineProxy implements AutoCloseable {
  private final SSLServerSocket server;
  final Path certDir;

  TlsEngineProxy(Path dir, Path engineSocket) throws Exception {
    this.certDir = dir;
    openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=spark-sidecar test CA");
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    for (String[] who : new String[][] {{"server", "/CN=127.0.0.1"}, {"client", "/CN=spark-sidecar test client"}}) {
      openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who[0] + "-key.pem", "-out", who[0] + ".csr", "-subj", who[1]);
      openssl(dir, "x509", "-req", "-in", who[0] + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
          "-out", who[0] + "-cert.pem", "-days", "1", "-extfile", who[0] + ".ext");
    }
    Files.copy(dir.resolve("client-cert.pem"), dir.resolve("cert.pem"));
    Files.copy(dir.resolve("client-key.pem"), dir.resolve("key.pem"));
    openssl(dir, "pkcs12", "-export", "-in", "server-cert.pem", "-inkey", "server-key.pem", "-out", "server.p12",
        "-passout", "pass:changeit");

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      keys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "changeit".toCharArray());
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("ca.pem")))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(engineSocket));
          // plain channel reads and writes: the stream adapters of one channel share a lock
          pump(() -> {
            InputStream in = client.getInputStream();
            byte[] b = new byte[16384];
            for (int n; (n = in.read(b)) >= 0; ) {
              ByteBuffer buf = ByteBuffer.wrap(b, 0, n);
              while (buf.hasRemaining()) {
                engine.write(buf);
              }
            }
          }, client, engine);
          pump(() -> {
            OutputStream out = client.getOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16384);
            while (engine.read(buf) >= 0) {
              out.write(buf.array(), 0, buf.position());
              out.flush();
              buf.clear();
            }
          }, client, engine);
        } catch (IOException e) {
          // closed, or a client that failed the handshake
        }
      }
    }, "tls-engine-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  /** The endpoint, for spark.sidecar.docker.host. */
  String endpoint() {
    return "tcp://127.0.0.1:" + server.getLocalPort();
  }

  private interface Pipe {
    void run() throws IOException;
  }

  private static void pump(Pipe pipe, Socket client, SocketChannel engine) {
    Thread t = new Thread(() -> {
      try {
        pipe.run();
      } catch (IOException e) {
        // one side closed
      } finally {
        try {
          client.close();
          engine.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }, "tls-engine-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + out);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
