package io.sparksidecar.plugin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Python workers' meter files as the executor sums them into its health report. */
class PythonHandoffsTest {
  private static final Path VECTORS = Path.of("..", "protocol", "python", "tests", "vectors", "latency_buckets.json");

  @Test
  void theLatencyBucketsAreThoseOfThePythonMeter() throws Exception {
    Matcher m = Pattern.compile("\"nanos\": (\\d+), \"bucket\": (\\d+)").matcher(Files.readString(VECTORS));
    int n = 0;
    while (m.find()) {
      assertThat(LatencyBuckets.index(Long.parseLong(m.group(1)))).as("bucket of %s ns", m.group(1))
          .isEqualTo(Integer.parseInt(m.group(2)));
      n++;
    }
    assertThat(n).as("cases in %s", VECTORS).isGreaterThan(10);
  }

  @Test
  void everyWorkersFileIsSummedAndWhatIsNotAMeterFileIsIgnored(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("101-aaaa.txt"), "done=3 failed=1 bytes_in=30 bytes_out=40 latency=14:2,16:1\n");
    Files.writeString(dir.resolve("102-bbbb.txt"), "done=2 failed=0 bytes_in=5 bytes_out=6 latency=14:2\n");
    Files.writeString(dir.resolve("103-cccc.txt"), "garbage\n");
    Files.writeString(dir.resolve("104-dddd.txt.x1.tmp"), "done=100 failed=0 bytes_in=0 bytes_out=0 latency=\n");
    Path outside = Files.writeString(dir.resolveSibling(dir.getFileName() + "-outside.txt"),
        "done=1000 failed=0 bytes_in=0 bytes_out=0 latency=\n");
    Files.createSymbolicLink(dir.resolve("105-link.txt"), outside);
    try {
      HandoffTotals t = PythonHandoffs.read(dir);
      assertThat(t.done()).isEqualTo(5);
      assertThat(t.failed()).isEqualTo(1);
      assertThat(t.bytesIn()).isEqualTo(35);
      assertThat(t.bytesOut()).isEqualTo(46);
      long[] latency = t.latencyCounts();
      assertThat(latency[14]).isEqualTo(4);
      assertThat(latency[16]).isEqualTo(1);
    } finally {
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void noDirectoryMeansNone(@TempDir Path dir) {
    assertThat(PythonHandoffs.read(dir.resolve("absent"))).isEqualTo(HandoffTotals.NONE);
    assertThat(PythonHandoffs.read(null)).isEqualTo(HandoffTotals.NONE);
  }
}
