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
    File log = WatchdogFiles.logFile("application_1_0001", "3", 4242);
    try {
      Path dir = log.toPath().getParent();
      assertThat(log.getName()).isEqualTo("watchdog-application_1_0001-3-4242.log");
      assertThat(dir.getFileName().toString()).isEqualTo("spark-sidecar-" + System.getProperty("user.name"));
      assertThat(dir.toAbsolutePath().startsWith(Path.of("").toAbsolutePath())).as("outside the working directory").isFalse();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log.toPath()))).isEqualTo("rw-------");
      assertThat(WatchdogFiles.baseName("app/../x y", "", 1)).isEqualTo("watchdog-app_.._x_y-unknown-1");
    } finally {
      Files.deleteIfExists(log.toPath());
    }
  }

  @Test
  void theSessionCommandIsSetsidWherePresent() {
    assertThat(Watchdog.newSession()).isNotEmpty();
  }

  /**
   * Once the owner is gone, the directories it registered are deleted with everything in them, but
   * a link is never followed, and a listed path that is a link is left alone.
   */
  @Test
  void theRegisteredVolumeDirectoriesAreDeletedOnceTheOwnerIsGoneWithoutFollowingLinks(@TempDir Path tmp) throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("keep.txt"), "not the executor's");
    Path root = Files.createDirectories(tmp.resolve("sidecar-volumes/app-1/data/req-1/in"));
    Files.writeString(root.resolve("x.txt"), "input");
    Files.createSymbolicLink(tmp.resolve("sidecar-volumes/app-1/data/link"), outside);
    Path linkRoot = Files.createSymbolicLink(tmp.resolve("linked-root"), outside);
    Path list = tmp.resolve("watchdog-app-1.dirs");
    WatchdogFiles.appendDir(list, tmp.resolve("sidecar-volumes/app-1"));
    WatchdogFiles.appendDir(list, linkRoot);
    WatchdogFiles.appendDir(list, tmp.resolve("already-gone"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(list))).isEqualTo("rw-------");
    Owner dead = new Owner(Owner.hostName(), 999_999_999L, 1L);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), Watchdog.class.getName(),
        dead.id(), "dirs", list.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
    try {
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String log = Files.readString(tmp.resolve("log"));
      assertThat(p.exitValue()).as(log).isZero();
      assertThat(log).contains("deleted 1 volume directory");
      assertThat(tmp.resolve("sidecar-volumes/app-1")).doesNotExist();
      assertThat(outside.resolve("keep.txt")).hasContent("not the executor's");
      assertThat(linkRoot).isSymbolicLink();
      assertThat(list).as("the list goes with the cleanup").doesNotExist();
    } finally {
      p.destroyForcibly();
    }
  }

  /** Each owned volume root is listed for this JVM's watchdog while it exists; the list goes with the last. */
  @Test
  void volumeRootsAreListedForTheWatchdogUntilTheExecutorDeletesThem(@TempDir Path tmp) throws Exception {
    Path list = WatchdogFiles.dirsFile(Owner.self());
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Files.deleteIfExists(list);
    try {
      Watchdog.deleteWhenGone(a);
      Watchdog.deleteWhenGone(b);
      assertThat(Files.readAllLines(list)).containsExactly(a.toString(), b.toString());
      Watchdog.forget(a);
      assertThat(Files.readAllLines(list)).containsExactly(b.toString());
      Watchdog.forget(b);
      assertThat(list).doesNotExist();
    } finally {
      Files.deleteIfExists(list);
    }
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
