package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkerTest {
  @Test
  void roundTripsKeepsOrderOfRepeatedKeysAndFlattensLineBreaks(@TempDir Path dir) throws Exception {
    Marker m = Marker.builder().put("id", "r1").put("input", "3 a").put("error", "two\nlines\r!")
        .put("input", "5 b/c").build();
    Path file = dir.resolve("m");
    m.writeAtomically(file);
    Marker back = Marker.read(file);
    assertThat(back.get("id")).isEqualTo("r1");
    assertThat(back.all("input")).containsExactly("3 a", "5 b/c");
    assertThat(back.get("error")).isEqualTo("two lines !");
    assertThat(Files.list(dir)).containsExactly(file); // no temporary file left
  }

  @Test
  void ignoresUnknownKeysBlankLinesAndCrLf() {
    Marker m = Marker.parse("protocol=1\r\n\nfuture_key=whatever\nstatus=ok\nnot a key line\nvalue=a=b\n");
    assertThat(m.get("protocol")).isEqualTo("1");
    assertThat(m.get("status")).isEqualTo("ok");
    assertThat(m.get("value")).isEqualTo("a=b");
    assertThat(m.get("missing")).isNull();
    assertThat(m.getLong("protocol", -1)).isEqualTo(1);
    assertThat(m.getLong("status", -1)).isEqualTo(-1);
  }

  @Test
  void doneMarkerRoundTripsThroughHandoffResult() {
    HandoffResult r = new HandoffResult("r9", "failed", 3, 10, 25, "command exited with 3", 42,
        java.util.List.of(new OutputEntry("out dir/x y.csv", 7, ChecksumAlgorithm.CRC32C, "0badf00d")));
    HandoffResult back = HandoffResult.fromMarker("r9", Marker.parse(r.toMarker().format()));
    assertThat(back).isEqualTo(r);
    assertThat(back.duration().toMillis()).isEqualTo(15);
  }
}
