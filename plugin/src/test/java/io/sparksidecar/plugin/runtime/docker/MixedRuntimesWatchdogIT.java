package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import io.sparksidecar.plugin.runtime.process.ProcessRuntime;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One watchdog per executor JVM: started for a container sidecar, it must also cover process
 * sidecars started later in that JVM (a Connect session's process sidecar beside a Docker
 * executor-wide one). The owner is SIGKILLed; both its container and its process must go.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MixedRuntimesWatchdogIT {
  @TempDir
  Path work;
  private final String app = "it-" + UUID.randomUUID().toString().substring(0, 8);

  @Test
  void aWatchdogStartedForAContainerAlsoKillsTheProcessSidecarsStartedAfterIt() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = work.resolve("owner.log");
    Process owner = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        MixedOwner.class.getName(), app, work.toString()).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    long sidecar = 0;
    try {
      long deadline = System.currentTimeMillis() + 60_000;
      while (sidecar == 0) {
        String text = Files.readString(log);
        if (text.contains("process pid ")) {
          sidecar = Long.parseLong(text.substring(text.indexOf("process pid ") + 12).trim().split("\\s+")[0]);
        }
        assertThat(owner.isAlive()).as("owner alive: %s", text).isTrue();
        assertThat(System.currentTimeMillis()).as("owner log: %s", text).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(Docker.containersWithLabel(Owner.LABEL_APP, app)).hasSize(1);
      Thread.sleep(1000); // copies of the pid file are written synchronously; the guard loop is up
      owner.destroyForcibly().waitFor();
      long killed = System.currentTimeMillis();
      final long pid = sidecar;
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
          || !Docker.containersWithLabel(Owner.LABEL_APP, app).isEmpty()) {
        assertThat(System.currentTimeMillis() - killed).as("container and process sidecar %d gone within 30 s; owner log:%n%s",
            pid, Files.readString(log)).isLessThan(30_000);
        Thread.sleep(100);
      }
      System.out.printf("mixed runtimes: container and process sidecar gone %d ms after the owner's SIGKILL%n",
          System.currentTimeMillis() - killed);
    } finally {
      owner.destroyForcibly();
      if (sidecar != 0) {
        ProcessHandle.of(sidecar).ifPresent(ProcessHandle::destroyForcibly);
      }
      for (String id : Docker.containersWithLabel(Owner.LABEL_APP, app)) {
        Docker.run("rm", "-f", id);
      }
    }
  }

  /** A stand-in executor JVM: a container sidecar first (it starts the watchdog), then a process sidecar. */
  public static final class MixedOwner {
    public static void main(String[] args) throws Exception {
      SidecarSettings docker = SidecarSettings.from(Map.of("spark.sidecar.runtime", "docker", "spark.sidecar.image",
          TestImages.BUSYBOX, "spark.sidecar.command", "sleep 600"));
      Path work = Path.of(args[1]);
      System.out.println("container " + new DockerRuntime(docker).start(new SidecarSpec(args[0], "9", docker, Map.of(), work)).id());
      SidecarSettings process = SidecarSettings.from(Map.of("spark.sidecar.runtime", "process", "spark.sidecar.command",
          "sleep 600"));
      System.out.println("process " + new ProcessRuntime().start(new SidecarSpec(args[0], "9.session-1", process, Map.of(),
          work)).id());
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
