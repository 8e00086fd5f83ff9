package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor killed as a YARN NodeManager kills a container (TERM then KILL to its whole process
 * group, then deletes its directory): the watchdog is in its own session, survives, and removes the
 * executor's container.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WatchdogGroupKillIT {
  @TempDir
  Path work;
  private final String app = "it-" + UUID.randomUUID().toString().substring(0, 8);

  @Test
  void aProcessGroupKillLeavesTheWatchdogToRemoveTheContainer() throws Exception {
    Path container = Files.createDirectories(work.resolve("container"));
    Process owner = GroupKill.startGroupLeader(container, work.resolve("owner.log"), DockerRuntimeIT.ContainerOwner.class, app);
    try {
      long deadline = System.currentTimeMillis() + 60_000;
      while (!Files.readString(work.resolve("owner.log")).contains("started")) {
        assertThat(owner.isAlive()).as("owner alive: %s", Files.readString(work.resolve("owner.log"))).isTrue();
        assertThat(System.currentTimeMillis()).isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(Docker.containersWithLabel(Owner.LABEL_APP, app)).hasSize(1);
      List<Long> watchdogs = GroupKill.watchdogsOf(owner.pid());
      assertThat(watchdogs).as("the owner's watchdog runs").hasSize(1);
      assertThat(GroupKill.pgid(owner.pid())).as("the owner leads its group").isEqualTo(owner.pid());

      GroupKill.killGroup(owner.pid());
      long killed = System.currentTimeMillis();
      assertThat(owner.waitFor(5, TimeUnit.SECONDS)).as("the owner died with its group").isTrue();
      GroupKill.deleteTree(container); // as YARN does
      while (!Docker.containersWithLabel(Owner.LABEL_APP, app).isEmpty()) {
        assertThat(System.currentTimeMillis() - killed).as("container gone within 10 s of the group kill; owner log:\n%s",
            Files.readString(work.resolve("owner.log"))).isLessThan(10_000);
        Thread.sleep(100);
      }
      long removed = System.currentTimeMillis() - killed;
      while (!GroupKill.watchdogsOf(owner.pid()).isEmpty()) {
        assertThat(System.currentTimeMillis() - killed).as("the watchdog exits after its cleanup").isLessThan(15_000);
        Thread.sleep(100);
      }
      System.out.printf("group kill: container removed after %d ms, watchdog gone after %d ms%n", removed,
          System.currentTimeMillis() - killed);
      Path log = WatchdogFiles.stateDir().resolve(WatchdogFiles.baseName(app, "9", owner.pid()) + ".log");
      assertThat(Files.readString(log)).contains("in its own session").contains("removed 1 container(s)");
      Files.deleteIfExists(log);
    } finally {
      owner.destroyForcibly();
      for (String id : Docker.containersWithLabel(Owner.LABEL_APP, app)) {
        Docker.run("rm", "-f", id);
      }
    }
  }
}
