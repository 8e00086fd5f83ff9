package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The watchdog's bounds and its log's place, without an engine. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchdogTest {

  @Test
  void theLogIsAPrivateFileOutsideTheWorkingDirectory() throws Exception {
    File log = Watchdog.logFile("application_1_0001", "3", 4242);
    try {
      Path dir = log.toPath().getParent();
      assertThat(log.getName()).isEqualTo("watchdog-application_1_0001-3-4242.log");
      assertThat(dir.getFileName().toString()).isEqualTo("spark-sidecar-" + System.getProperty("user.name"));
      assertThat(dir.toAbsolutePath().startsWith(Path.of("").toAbsolutePath())).as("outside the working directory").isFalse();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log.toPath()))).isEqualTo("rw-------");
      assertThat(Watchdog.baseName("app/../x y", "", 1)).isEqualTo("watchdog-app_.._x_y-unknown-1");
    } finally {
      Files.deleteIfExists(log.toPath());
    }
  }

  @Test
  void theSessionCommandIsSetsidWherePresent() {
    assertThat(Watchdog.newSession()).isNotEmpty();
  }

  /** An engine that accepts connections and never answers: the cleanup gives up at the deadline. */
  @Test
  void aHangingCleanupEndsAtTheDeadline(@TempDir Path tmp) throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> held = new ArrayList<>();
      Thread accept = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept());
          }
        } catch (Exception e) {
          // closed
        }
      });
      accept.setDaemon(true);
      accept.start();
      Owner dead = new Owner(Owner.hostName(), 999_999_999L, 1L);
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      long t0 = System.currentTimeMillis();
      Process p = new ProcessBuilder(java.toString(), "-Dsidecar.watchdog.deadline=2000", "-cp", System.getProperty("java.class.path"),
          Watchdog.class.getName(), dead.id(), "docker", "tcp://127.0.0.1:" + silent.getLocalPort(), "1.41", "builtin")
          .redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
      try {
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the watchdog exits; log:\n%s", Files.readString(tmp.resolve("log"))).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(System.currentTimeMillis() - t0).isLessThan(30_000);
        assertThat(Files.readString(tmp.resolve("log"))).containsAnyOf("giving up", "cannot remove");
      } finally {
        p.destroyForcibly();
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }
}
