package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JanitorTest {
  @TempDir
  Path base;

  @Test
  void disposesInTheBackgroundAndLeavesNothingOnClose() throws Exception {
    Path requests = Files.createDirectories(base.resolve("requests"));
    Path dir = Files.createDirectories(requests.resolve("r1/in"));
    Files.writeString(dir.resolve("a"), "a");
    Files.createDirectories(requests.resolve("r1/out/sub"));
    try (Janitor janitor = new Janitor("t")) {
      janitor.dispose(requests.resolve("r1"), List.of("in/a", "in"));
      assertThat(requests.resolve("r1")).doesNotExist();
    }
    assertThat(requests).isEmptyDirectory();
  }

  @Test
  void theThreadSurvivesAnyThrowableFromOneDeletion() throws Exception {
    Path requests = Files.createDirectories(base.resolve("requests"));
    Files.createDirectories(requests.resolve("bad"));
    Files.createDirectories(requests.resolve("good/in"));
    AtomicBoolean first = new AtomicBoolean(true);
    try (Janitor janitor = new Janitor("t", t -> {
      if (first.getAndSet(false)) {
        throw new StackOverflowError("injected");
      }
      Janitor.delete(t);
    })) {
      janitor.dispose(requests.resolve("bad"), List.of());
      janitor.dispose(requests.resolve("good"), List.of("in"));
      long deadline = System.currentTimeMillis() + 10_000;
      while (listing(requests).size() > 1 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      assertThat(listing(requests)).as("the background thread deleted the second directory after the first failed")
          .singleElement().satisfies(p -> assertThat(p.getFileName().toString()).startsWith(".trash-bad-"));
    }
  }

  @Test
  void aLinkPlantedForInOrOutIsDeletedItselfNeverFollowed() throws Exception {
    Path outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("data"), "keep");
    Path requests = Files.createDirectories(base.resolve("requests"));
    Path dir = Files.createDirectories(requests.resolve("r1"));
    Files.createSymbolicLink(dir.resolve("in"), outside); // what a hostile command could leave behind
    Files.createSymbolicLink(dir.resolve("out"), outside);
    Files.writeString(dir.resolve("claimed"), "id=r1\n");
    try (Janitor janitor = new Janitor("t")) {
      janitor.dispose(dir, List.of("in/data", "in", "out/data", "out", "claimed", "log"));
    }
    assertThat(requests).isEmptyDirectory();
    assertThat(outside.resolve("data")).hasContent("keep");
  }

  private static List<Path> listing(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.toList();
    }
  }
}
