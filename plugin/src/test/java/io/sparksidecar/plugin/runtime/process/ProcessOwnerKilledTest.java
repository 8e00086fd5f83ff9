package io.sparksidecar.plugin.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A process sidecar of an executor JVM killed with SIGKILL is killed by the watchdog, not orphaned. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProcessOwnerKilledTest {

  @Test
  void aSigkilledOwnersProcessSidecarIsKilled(@TempDir Path work) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process owner = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        ProcessOwner.class.getName(), work.toString()).redirectErrorStream(true)
        .redirectOutput(work.resolve("owner.log").toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    long sidecar = 0;
    try {
      long deadline = System.currentTimeMillis() + 30_000;
      while (sidecar == 0) {
        String log = Files.readString(work.resolve("owner.log"));
        if (log.contains("started pid ")) {
          sidecar = Long.parseLong(log.substring(log.indexOf("started pid ") + 12).trim().split("\\s+")[0]);
        }
        assertThat(System.currentTimeMillis()).as("owner log: %s", log).isLessThan(deadline);
        Thread.sleep(50);
      }
      Thread.sleep(1500); // the watchdog JVM is starting
      owner.destroyForcibly().waitFor();
      long killed = System.currentTimeMillis();
      final long pid = sidecar;
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        assertThat(System.currentTimeMillis() - killed).as("process sidecar %d killed within 30 s", pid).isLessThan(30_000);
        Thread.sleep(100);
      }
      System.out.printf("process sidecar killed %d ms after its owner was SIGKILLed%n", System.currentTimeMillis() - killed);
    } finally {
      owner.destroyForcibly();
      if (sidecar != 0) {
        ProcessHandle.of(sidecar).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** A stand-in executor JVM: starts one process sidecar, then waits to be killed. */
  public static final class ProcessOwner {
    public static void main(String[] args) throws Exception {
      SidecarSettings s = SidecarSettings.from(Map.of("spark.sidecar.runtime", "process", "spark.sidecar.command", "sleep 600"));
      SidecarInstance i = new ProcessRuntime().start(new SidecarSpec("app", "1", s, Map.of(), Path.of(args[0])));
      System.out.println("started " + i.id());
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
