package io.sparksidecar.plugin.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import io.sparksidecar.plugin.runtime.docker.GroupKill;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor killed as a YARN NodeManager kills a container (TERM then KILL to its process group)
 * whose process sidecar left that group (here: {@code setsid sleep 600}): the watchdog, in its own
 * session, survives the kill and kills the sidecar, even though the executor's working directory
 * (with its pid file) is deleted right after the kill, as YARN does.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProcessGroupKilledTest {

  @Test
  void aGroupKillLeavesTheWatchdogToKillASidecarOutsideTheGroup(@TempDir Path tmp) throws Exception {
    Path work = Files.createDirectories(tmp.resolve("container"));
    Process owner = GroupKill.startGroupLeader(work, tmp.resolve("owner.log"), ProcessOwner.class, work.toString(), "setsid sleep 600");
    long sidecar = 0;
    try {
      long deadline = System.currentTimeMillis() + 30_000;
      while (sidecar == 0) {
        String log = Files.readString(tmp.resolve("owner.log"));
        if (log.contains("started pid ")) {
          sidecar = Long.parseLong(log.substring(log.indexOf("started pid ") + 12).trim().split("\\s+")[0]);
        }
        assertThat(System.currentTimeMillis()).as("owner log: %s", log).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(GroupKill.pgid(sidecar)).as("the sidecar left the owner's group").isNotEqualTo(owner.pid());
      assertThat(GroupKill.watchdogsOf(owner.pid())).as("the owner's watchdog runs").hasSize(1);

      GroupKill.killGroup(owner.pid());
      long killed = System.currentTimeMillis();
      assertThat(owner.waitFor(5, TimeUnit.SECONDS)).isTrue();
      GroupKill.deleteTree(work); // YARN deletes the container's directory, the executor's working directory
      final long pid = sidecar;
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        assertThat(System.currentTimeMillis() - killed).as("process sidecar %d killed within 10 s; owner log:\n%s", pid,
            Files.readString(tmp.resolve("owner.log"))).isLessThan(10_000);
        Thread.sleep(100);
      }
      long gone = System.currentTimeMillis() - killed;
      while (!GroupKill.watchdogsOf(owner.pid()).isEmpty()) {
        assertThat(System.currentTimeMillis() - killed).as("the watchdog exits after its cleanup").isLessThan(15_000);
        Thread.sleep(100);
      }
      System.out.printf("group kill: process sidecar killed after %d ms, watchdog gone after %d ms%n", gone,
          System.currentTimeMillis() - killed);
    } finally {
      owner.destroyForcibly();
      if (sidecar != 0) {
        ProcessHandle.of(sidecar).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** A stand-in executor JVM: starts one process sidecar ({@code args[1]}) in {@code args[0]}, then waits. */
  public static final class ProcessOwner {
    public static void main(String[] args) throws Exception {
      SidecarSettings s = SidecarSettings.from(Map.of("spark.sidecar.runtime", "process", "spark.sidecar.command", args[1]));
      SidecarInstance i = new ProcessRuntime().start(new SidecarSpec("app-group", "7", s, Map.of(), Path.of(args[0])));
      System.out.println("started " + i.id());
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
