package io.sparksidecar.plugin.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an executor's clean stop removes from its working directory, and what it keeps. */
class WorkDirFilesTest {
  @TempDir
  Path work;

  @Test
  void removesWhatIsNotWorthKeepingAndKeepsLogsWithSomethingInThemAndEverythingElse() throws Exception {
    Files.writeString(WorkDirFiles.pids(work), "123 456\n");
    Files.writeString(WorkDirFiles.agentScript(work), "#!/bin/sh\n");
    Files.createDirectories(work.resolve("sidecar-volumes"));
    Files.createDirectories(work.resolve(".spark-sidecar"));
    Files.createFile(work.resolve("sidecar-driver.log"));
    Files.writeString(work.resolve("sidecar-7.session-abc.log"), "the sidecar said something\n");
    long gone = endedPid();
    Files.writeString(work.resolve("sidecar-pids-" + gone), "a gone executor JVM's list\n"); // not this JVM's
    Files.createFile(work.resolve("notes.txt"));
    Files.createDirectories(work.resolve("data"));
    WorkDirFiles.tidy(work);
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left.map(p -> p.getFileName().toString()).sorted())
          .containsExactly("data", "notes.txt", "sidecar-7.session-abc.log", "sidecar-pids-" + gone);
    }
  }

  @Test
  void whileAnotherLiveExecutorSharesTheDirectoryOnlyThisJvmsOwnFilesGo() throws Exception {
    long other = ProcessHandle.current().parent().orElseThrow().pid(); // alive: Maven's JVM, or whatever started this one
    Files.writeString(work.resolve("sidecar-pids-" + other), "another executor JVM's list\n");
    Files.writeString(WorkDirFiles.pids(work), "123 456\n");
    Files.writeString(WorkDirFiles.agentScript(work), "#!/bin/sh\n");
    Files.createDirectories(work.resolve("sidecar-volumes"));
    Files.createFile(work.resolve("sidecar-driver.log")); // its sidecar may be about to write into it
    WorkDirFiles.tidy(work);
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left.map(p -> p.getFileName().toString()).sorted())
          .containsExactly("sidecar-driver.log", "sidecar-pids-" + other, "sidecar-volumes");
    }
  }

  @Test
  void namedLogsOfSidecarsThatNeverFailedGoWhateverTheyHoldButNothingOutsideTheDirectory() throws Exception {
    Files.writeString(work.resolve("sidecar-driver.log"), "sidecar-agent: stopped: the agent was terminated by a signal\n");
    Files.writeString(work.resolve("sidecar-7.log"), "another executor's sidecar said something\n");
    Path outside = Files.createDirectories(work.resolve("sub")).resolve("sidecar-x.log");
    Files.writeString(outside, "kept\n");
    Files.writeString(work.resolve("notes.txt"), "the user's\n");
    WorkDirFiles.tidy(work, java.util.List.of(WorkDirFiles.sidecarLog(work, "driver"), outside));
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left.map(p -> p.getFileName().toString()).sorted()).containsExactly("notes.txt", "sidecar-7.log", "sub");
    }
    assertThat(outside).exists();
  }

  @Test
  void namedLogsStayWhileAnotherLiveExecutorSharesTheDirectory() throws Exception {
    long other = ProcessHandle.current().parent().orElseThrow().pid();
    Files.writeString(work.resolve("sidecar-pids-" + other), "another executor JVM's list\n");
    Files.writeString(work.resolve("sidecar-driver.log"), "its sidecar's line\n");
    WorkDirFiles.tidy(work, java.util.List.of(WorkDirFiles.sidecarLog(work, "driver")));
    assertThat(work.resolve("sidecar-driver.log")).exists();
  }

  /** The pid of a process that has ended. */
  private static long endedPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  @Test
  void keepsDirectoriesThatAreNotEmptyAndNeverFails() throws Exception {
    Files.createDirectories(work.resolve("sidecar-volumes").resolve("app-1-3"));
    Files.writeString(Files.createDirectories(work.resolve(".spark-sidecar")).resolve("executor.json"), "{}");
    WorkDirFiles.tidy(work);
    assertThat(work.resolve("sidecar-volumes").resolve("app-1-3")).isDirectory();
    assertThat(work.resolve(".spark-sidecar").resolve("executor.json")).exists();
    WorkDirFiles.tidy(work.resolve("no-such-dir"));
    assertThat(WorkDirFiles.pids(work).getFileName().toString()).isEqualTo("sidecar-pids-" + ProcessHandle.current().pid());
  }
}
