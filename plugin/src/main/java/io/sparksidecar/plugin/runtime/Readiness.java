package io.sparksidecar.plugin.runtime;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.protocol.Liveness;
import io.sparksidecar.protocol.Protocol;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * When a started sidecar counts as ready. {@link #check} returns empty when ready, otherwise what
 * is still awaited (it ends up in the timeout message). Checks are cheap and bounded (≤ 1 s).
 */
@FunctionalInterface
public interface Readiness {

  Optional<String> check(SidecarInstance instance);

  static Readiness none() {
    return instance -> Optional.empty();
  }

  /**
   * A TCP connection to the sidecar's {@code port} (as published on 127.0.0.1) is accepted and
   * stays open. Docker's port proxy accepts connections even when nothing listens in the container
   * and then closes them at once, so a connection closed within 300 ms does not count.
   */
  static Readiness forPort(int port) {
    return instance -> {
      int hostPort = instance.hostPort(port);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", hostPort), 500);
        s.setSoTimeout(300);
        try {
          if (s.getInputStream().read() < 0) {
            return Optional.of("a TCP connection to 127.0.0.1:" + hostPort + mapped(port, hostPort)
                + " that stays open (it was closed at once: nothing listens behind the port yet)");
          }
        } catch (java.net.SocketTimeoutException open) {
          // no data but still open: a server is there
        }
        return Optional.empty();
      } catch (IOException e) {
        return Optional.of("a TCP connection to 127.0.0.1:" + hostPort + mapped(port, hostPort) + " (" + e.getMessage() + ")");
      }
    };
  }

  /** GET of {@code path} on the sidecar's {@code port} (as published on 127.0.0.1) answers 2xx or 3xx. */
  static Readiness forHttp(int port, String path) {
    return instance -> {
      int hostPort = instance.hostPort(port);
      String url = "http://127.0.0.1:" + hostPort + path;
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(1000);
        c.setInstanceFollowRedirects(false);
        int code = c.getResponseCode();
        c.disconnect();
        return code >= 200 && code < 400 ? Optional.empty()
            : Optional.of("GET " + url + mapped(port, hostPort) + " to answer 2xx/3xx (got " + code + ")");
      } catch (IOException e) {
        return Optional.of("GET " + url + mapped(port, hostPort) + " to answer (" + e.getMessage() + ")");
      }
    };
  }

  private static String mapped(int port, int hostPort) {
    return port == hostPort ? "" : " (the sidecar's port " + port + ")";
  }

  /** A line of the sidecar's log matches {@code regex}. */
  static Readiness forLogLine(String regex) {
    Pattern p = Pattern.compile(regex);
    return instance -> instance.logTail(200).lines().anyMatch(l -> p.matcher(l).find())
        ? Optional.empty() : Optional.of("a log line matching /" + regex + "/");
  }

  /** The protocol agent's heartbeat on {@code volume} is fresh. */
  static Readiness forAgent(Path volume) {
    Protocol p = new Protocol(volume);
    Liveness agent = Liveness.heartbeat(p.agentHeartbeat(), p.agentStopped(), Duration.ofSeconds(1));
    return instance -> agent.goneReason().map(why -> "the protocol agent on " + volume + " (" + why + ")");
  }

  /** The image's own HEALTHCHECK reports healthy. */
  static Readiness forHealthcheck() {
    return instance -> {
      String health = instance.status().health();
      return "healthy".equals(health) ? Optional.empty()
          : Optional.of("the image HEALTHCHECK to report healthy (now: " + health + ")");
    };
  }

  /** The readiness the settings ask for; {@code agentVolume} is the first volume's host directory. */
  static Readiness from(SidecarSettings.Readiness r, Path agentVolume) {
    return switch (r.kind()) {
      case "port" -> forPort(r.port());
      case "http" -> forHttp(r.port(), r.path());
      case "log" -> forLogLine(r.logPattern());
      case "agent" -> forAgent(agentVolume);
      case "healthcheck" -> forHealthcheck();
      default -> none();
    };
  }

  /**
   * Blocks until ready, or throws saying why not: the instance stopped (with its exit code, OOM
   * kill and log tail) or the timeout passed (naming what was awaited, with the log tail).
   */
  static void await(SidecarInstance instance, Readiness readiness, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<String> waiting = Optional.empty();
    while (true) {
      InstanceStatus status = instance.status();
      if (!status.running()) {
        throw new SidecarException(what + " " + status.describe() + " before it was ready"
            + tail(instance));
      }
      waiting = readiness.check(instance);
      if (waiting.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new SidecarException(what + " was never ready after " + timeout.toSeconds() + " s: awaited "
            + waiting.get() + tail(instance));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SidecarException(what + ": interrupted while waiting for readiness", e);
      }
    }
  }

  private static String tail(SidecarInstance instance) {
    String tail = instance.logTail(20);
    return tail.isBlank() ? " (its log is empty)" : "\n--- last lines of its log ---\n" + tail;
  }
}
