package io.sparksidecar.protocol.demo;

import io.sparksidecar.protocol.AtomicFiles;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.Volume;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The protocol on its own, end to end: a Java agent (as the process runtime starts it) counts
 * fruit per partition with {@code grep | sort | uniq -c}; four task threads hand it one partition
 * each through one shared volume; the counts are merged and checked against a plain Java count.
 * Needs only a JDK, Maven and /bin/sh. The Spark demo on a real cluster builds on this.
 */
public final class FruitCountDemo {
  private static final String[] FRUIT = {"apple", "banana", "cherry", "date", "elderberry", "fig", "Unknown"};
  private static final String COUNT = "grep -v '^Unknown$' in/fruit.txt | sort | uniq -c > out/counts.txt";

  public static void main(String[] args) throws Exception {
    Path base = Files.createTempDirectory("sidecar-demo");
    Path vol = Files.createDirectories(base.resolve("volume"));
    Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), "io.sparksidecar.protocol.agent.Agent",
        "--volume", vol.toString(), "--concurrency", "4", "--", "sh", "-c", COUNT)
        .redirectErrorStream(true).redirectOutput(base.resolve("agent.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    Random random = new Random(2026);
    List<List<String>> partitions = new ArrayList<>();
    Map<String, Long> expected = new TreeMap<>();
    for (int p = 0; p < 4; p++) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 250_000; i++) {
        String f = FRUIT[random.nextInt(FRUIT.length)];
        lines.add(f);
        if (!f.equals("Unknown")) {
          expected.merge(f, 1L, Long::sum);
        }
      }
      partitions.add(lines);
    }
    Map<String, Long> counts = new TreeMap<>();
    long t0 = System.nanoTime();
    ExecutorService tasks = Executors.newFixedThreadPool(4);
    try (Volume volume = Volume.open(vol)) {
      volume.awaitAgent(Duration.ofSeconds(30));
      List<Future<List<String>>> results = new ArrayList<>();
      for (List<String> partition : partitions) {
        results.add(tasks.submit(() -> {
          try (Handoff h = volume.newHandoff()) {
            h.writeLines("fruit.txt", partition).expectOutput("counts.txt");
            HandoffResult r = h.run(Duration.ofMinutes(2));
            System.out.printf("  request %s: exit %d in %d ms, counts.txt %d bytes (crc32c %s verified)%n", r.requestId(),
                r.exitCode(), r.duration().toMillis(), r.outputs().get(0).size(), r.outputs().get(0).checksum());
            return h.readLines("counts.txt");
          }
        }));
      }
      for (Future<List<String>> f : results) {
        for (String line : f.get()) {
          String[] parts = line.trim().split("\\s+");
          counts.merge(parts[1], Long.parseLong(parts[0]), Long::sum);
        }
      }
    } finally {
      tasks.shutdown();
      agent.destroy();
      agent.waitFor(10, TimeUnit.SECONDS);
      AtomicFiles.deleteQuietly(base);
    }
    System.out.printf("%nfruit counted by the sidecar agent over 4 partitions of 250,000 lines (%d ms):%n",
        (System.nanoTime() - t0) / 1_000_000);
    counts.forEach((fruit, n) -> System.out.printf("  %-12s %,8d%n", fruit, n));
    if (!counts.equals(expected)) {
      System.out.println("MISMATCH with the plain Java count: " + expected);
      System.exit(1);
    }
    System.out.println("matches the plain Java count; 'Unknown' filtered out.");
  }

  private FruitCountDemo() {}
}
