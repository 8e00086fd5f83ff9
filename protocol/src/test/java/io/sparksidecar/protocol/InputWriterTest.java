package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed inputs are published only by a writer that returns normally ("the entire input or
 * nothing"). No agent runs: the test looks at the volume as the agent would.
 */
class InputWriterTest {
  @TempDir
  Path vol;

  /** A partition iterator that fails after {@code good} rows, as a Spark task's upstream may. */
  private static Iterator<String> partitionFailingAfter(int good) {
    return new Iterator<>() {
      int n;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public String next() {
        if (n++ == good) {
          throw new IllegalStateException("upstream stage failed at row " + good);
        }
        return "row-" + n + ",some,payload,to,fill,the,buffers";
      }
    };
  }

  private static void writeRows(Handoff h, String name, Iterator<String> rows) {
    h.writeInput(name, out -> {
      try (Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
        while (rows.hasNext()) {
          w.write(rows.next());
          w.write('\n');
        }
      }
    });
  }

  private static List<String> listing(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aWriterThatThrowsHalfwayPublishesNothingAndTheHandoffCannotStart() throws Exception {
    try (Volume volume = Volume.open(vol); Handoff h = volume.newHandoff("half")) {
      h.writeInput("mode", "echo".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> writeRows(h, "rows.csv", partitionFailingAfter(100_000)))
          .as("the writer's own exception propagates unchanged")
          .isInstanceOf(IllegalStateException.class).hasMessage("upstream stage failed at row 100000");
      Path in = vol.resolve("requests/half/in");
      assertThat(listing(in)).as("no input and no temporary file left").containsExactly("mode");
      assertThatThrownBy(h::start)
          .isInstanceOf(HandoffException.class)
          .hasMessageContaining("half").hasMessageContaining("'rows.csv'").hasMessageContaining("cannot start");
      assertThat(vol.resolve("queue")).isEmptyDirectory();
    }
  }

  @Test
  void anIOExceptionOfTheWriterBecomesAHandoffExceptionNamingTheInput() throws Exception {
    try (Volume volume = Volume.open(vol); Handoff h = volume.newHandoff("io")) {
      assertThatThrownBy(() -> h.writeInput("data", out -> {
        out.write(new byte[100_000]);
        throw new IOException("disk on fire");
      })).isInstanceOf(HandoffException.class)
          .hasMessageContaining("io").hasMessageContaining("'data'").hasMessageContaining("disk on fire")
          .hasMessageContaining("nothing of it was published")
          .hasCauseInstanceOf(IOException.class);
      assertThat(vol.resolve("requests/io/in")).isEmptyDirectory();
      assertThatThrownBy(h::start).hasMessageContaining("'data'");
    }
  }

  @Test
  void aWriterThatReturnsPublishesTheWholeInputAndStartAnnouncesIt() throws Exception {
    AtomicReference<OutputStream> leaked = new AtomicReference<>();
    try (Volume volume = Volume.open(vol); Handoff h = volume.newHandoff("ok")) {
      Iterator<String> rows = List.of("a,1", "b,2").iterator();
      writeRows(h, "rows.csv", rows);
      // nested: two inputs written at once, each published when its own writer returns
      h.writeInput("left", left -> h.writeInput("right", right -> {
        left.write("L".getBytes(StandardCharsets.UTF_8));
        right.write("RR".getBytes(StandardCharsets.UTF_8));
        leaked.set(right);
        assertThatThrownBy(h::start).hasMessageContaining("still being written");
      }));
      assertThatThrownBy(() -> leaked.get().write(1)).isInstanceOf(IOException.class)
          .hasMessageContaining("'right' is no longer open");
      Path in = vol.resolve("requests/ok/in");
      assertThat(listing(in)).containsExactly("left", "right", "rows.csv");
      assertThat(in.resolve("rows.csv")).hasContent("a,1\nb,2\n");
      h.start();
      Marker start = Marker.read(vol.resolve("queue/ok"));
      assertThat(start.all("input")).containsExactly("8 rows.csv", "2 right", "1 left");
    }
  }

  @Test
  void legacyInputsAreAllOrNothingToo() throws Exception {
    try (Volume volume = Volume.openLegacy(vol, VolumeOptions.defaults()); Handoff h = volume.newHandoff()) {
      assertThatThrownBy(() -> writeRows(h, "infile.csv", partitionFailingAfter(50_000)))
          .isInstanceOf(IllegalStateException.class);
      assertThat(listing(vol)).as("nothing in the volume root a legacy image could mistake for its input")
          .containsOnly(Protocol.LEGACY_LOCK); // the clients' turn lock (§8), which agents ignore
      assertThatThrownBy(h::start).isInstanceOf(HandoffException.class).hasMessageContaining("'infile.csv'");
      assertThat(vol.resolve("start_flag")).doesNotExist();
    }
  }
}
