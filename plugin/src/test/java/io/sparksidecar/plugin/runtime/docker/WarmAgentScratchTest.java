package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.runtime.process.ProcessRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A warm agent's rehearsal volume is listed for this JVM's watchdog from before the agent starts (an
 * executor SIGKILLed while it rehearses leaves nothing), and unlisted and gone once the spare is stopped.
 */
class WarmAgentScratchTest {
  @TempDir
  Path work;

  @AfterEach
  void close() {
    ProcessRuntime.closeWarmAgent();
  }

  private List<String> listed() throws Exception {
    Path list = WatchdogFiles.dirsFile(Owner.self());
    return list == null || !Files.exists(list) ? List.of()
        : Files.readAllLines(list).stream().filter(l -> l.startsWith(work.toAbsolutePath() + "/sidecar-warm-")).toList();
  }

  private static Optional<ProcessHandle> running(String scratch) {
    return ProcessHandle.allProcesses().filter(p -> p.info().arguments()
        .map(a -> a.length > 0 && a[a.length - 1].equals(scratch)).orElse(false)).findFirst();
  }

  private void awaitListedAndRunning() throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (listed().isEmpty() || running(listed().get(0)).isEmpty()) {
      assertThat(System.currentTimeMillis()).as("a warm agent, listed, within 20 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void anIdleSpareStoppedByTheExecutorIsUnlistedAtOnce() throws Exception {
    ProcessRuntime.keepWarmAgent("app-s", "8", work);
    awaitListedAndRunning();
    String scratch = listed().get(0);
    Path log = work.resolve("sidecar-warm-agents.log");
    long deadline = System.currentTimeMillis() + 20_000;
    while (!Files.exists(log) || !Files.readString(log).contains("rehearsed in")) { // idle: the executor's spare
      assertThat(System.currentTimeMillis()).as("rehearsed within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    ProcessRuntime.closeWarmAgent(); // blocks until the spare is gone
    assertThat(running(scratch)).isEmpty();
    assertThat(listed()).as("unlisted").isEmpty();
    assertThat(Path.of(scratch)).doesNotExist();
  }

  @Test
  void aSpareStoppedWhileItStartsLeavesNeitherItsVolumeNorItsEntry() throws Exception {
    ProcessRuntime.keepWarmAgent("app-s", "9", work);
    awaitListedAndRunning(); // listed before it starts: a SIGKILL of the executor now leaves the volume to the watchdog
    String scratch = listed().get(0);
    ProcessRuntime.closeWarmAgent();
    long deadline = System.currentTimeMillis() + 20_000;
    while (!listed().isEmpty() || Files.exists(Path.of(scratch)) || running(scratch).isPresent()) {
      assertThat(System.currentTimeMillis()).as("gone and unlisted within 20 s: %s", listed()).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
