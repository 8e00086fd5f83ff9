package io.sparksidecar.it;

import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import scala.Tuple2;

/** The per-partition fruit count through this executor's sidecar, shared by the demo, the IT and the benchmark. */
final class FruitCount {
  private FruitCount() {}

  /** Hands the partition to the sidecar as fruit.txt and turns its {@code uniq -c} output into (fruit, count) pairs. */
  static Iterator<Tuple2<String, Long>> viaSidecar(Iterator<String> partition) throws java.io.IOException {
    try (Handoff h = Sidecars.get().newHandoff()) {
      // streamed straight from the partition into the input file: nothing collected in the heap
      h.writeInput("fruit.txt", out -> {
        java.io.Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(out,
            java.nio.charset.StandardCharsets.UTF_8), 1 << 16);
        while (partition.hasNext()) {
          w.write(partition.next());
          w.write('\n');
        }
        w.flush();
      });
      h.expectOutput("counts.txt");
      h.run(Duration.ofMinutes(5));
      return parse(h.readLines("counts.txt")).iterator();
    }
  }

  /** Lines of {@code uniq -c} ("  123 apple") as pairs. */
  static List<Tuple2<String, Long>> parse(List<String> uniqC) {
    List<Tuple2<String, Long>> out = new ArrayList<>();
    for (String l : uniqC) {
      String[] f = l.trim().split("\\s+");
      out.add(new Tuple2<>(f[1], Long.parseLong(f[0])));
    }
    return out;
  }
}
