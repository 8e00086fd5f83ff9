package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  Path base;

  @Test
  void deletesATreeWithoutFollowingLinks() throws IOException {
    Path outside = Files.writeString(base.resolve("keep.txt"), "keep");
    Path dir = Files.createDirectories(base.resolve("tree/a/b"));
    Files.writeString(dir.resolve("f"), "x");
    Files.createSymbolicLink(base.resolve("tree/link"), outside);
    Files.createSymbolicLink(base.resolve("tree/a/dirlink"), base);
    AtomicFiles.deleteRecursively(base.resolve("tree"));
    assertThat(base.resolve("tree")).doesNotExist();
    assertThat(outside).hasContent("keep");
    AtomicFiles.deleteRecursively(base.resolve("tree")); // already gone: fine
  }

  /**
   * Two threads keep refilling the directory while it is deleted: each creates batches of files in a
   * fresh subdirectory and a new top-level entry every few files, so almost every walk finds the
   * directory not empty when it removes it. The deletion runs on a thread with a small stack: a
   * deletion that recursed once per race overflows it. It must end either way, without an Error: the
   * directory is gone, or an IOException names it after the bounded number of passes.
   */
  @Test
  @Timeout(60)
  void aDirectoryThatKeepsRefillingEndsInABoundedNumberOfPassesWithoutStackOverflow() throws Exception {
    Path dir = Files.createDirectories(base.resolve("busy"));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong created = new AtomicLong();
    List<Thread> refillers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      String prefix = "r" + t + "-";
      Thread refiller = new Thread(() -> {
        for (long batch = 0; running.get(); batch++) {
          try {
            Path sub = Files.createDirectories(dir.resolve(prefix + batch));
            for (int i = 0; i < 100 && running.get(); i++) {
              Files.createFile(sub.resolve("f" + i));
              if (i % 5 == 0) {
                Files.createFile(dir.resolve(prefix + batch + "-" + i));
              }
              created.incrementAndGet();
            }
          } catch (IOException raced) {
            // the deletion removed a directory under us: go on with the next batch
          }
        }
      });
      refiller.start();
      refillers.add(refiller);
    }
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread deleter = new Thread(null, () -> {
      try {
        AtomicFiles.deleteRecursively(dir);
      } catch (Throwable e) {
        outcome.set(e);
      }
    }, "deleter", 160 * 1024);
    try {
      await(() -> created.get() > 2000);
      deleter.start();
      deleter.join(50_000);
    } finally {
      running.set(false);
      for (Thread r : refillers) {
        r.join();
      }
    }
    assertThat(deleter.isAlive()).as("deleteRecursively returned").isFalse();
    Throwable e = outcome.get();
    if (e != null) {
      assertThat(e).as("a clear IOException, not %s", e).isInstanceOf(IOException.class)
          .hasMessageContaining(dir.toString()).hasMessageContaining(AtomicFiles.DELETE_PASSES + " passes");
    }
    AtomicFiles.deleteRecursively(dir); // nobody refills it now
    assertThat(dir).doesNotExist();
  }

  /** The bound, deterministically: a walk that always finds the directory refilled. */
  @Test
  void givesUpWithAClearIOExceptionAfterTheBoundedNumberOfPasses() throws Exception {
    Path dir = Files.createDirectories(base.resolve("refilled"));
    AtomicLong walks = new AtomicLong();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread deleter = new Thread(null, () -> {
      try {
        AtomicFiles.deleteRecursively(dir, p -> {
          walks.incrementAndGet();
          Files.writeString(p.resolve("again-" + walks.get()), "x"); // what a racing writer does
          return false;
        });
      } catch (Throwable e) {
        outcome.set(e);
      }
    }, "deleter", 160 * 1024);
    deleter.start();
    deleter.join(10_000);
    assertThat(outcome.get()).isInstanceOf(IOException.class)
        .hasMessage("cannot delete " + dir + ": something kept adding entries to it through "
            + AtomicFiles.DELETE_PASSES + " passes");
    assertThat(walks.get()).isEqualTo(AtomicFiles.DELETE_PASSES);
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
  }
}
