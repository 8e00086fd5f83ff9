package io.sparksidecar.protocol.bench;

import io.sparksidecar.protocol.AtomicFiles;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.VolumeOptions;
import io.sparksidecar.protocol.conformance.PatternStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the hand-off protocol with the Java agent in its own JVM, side by side in one run:
 * round-trip latency, small hand-offs per second at 1/4/16 threads, bulk 1 GiB in + out next to
 * {@code cp} of the same bytes on the same file system, and the legacy one-second-polling
 * hand-off. Run: {@code mvn -q -pl protocol test-compile exec:exec@bench} (see README).
 * Optional system properties: {@code bench.dir} (where volumes live), {@code bench.bulkMiB} (1024).
 */
public final class ProtocolBenchmark {
  private static final List<String[]> ROWS = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    Path base = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
        "sidecar-bench");
    long bulkBytes = Long.getLong("bench.bulkMiB", 1024) << 20;
 System.out.println("spark-sidecar protocol benchmark; disk volumes under " + base + " (" + Files.getFileStore(base).type()
        + "), tmpfs volumes under /dev/shm; " + Runtime.getRuntime().availableProcessors()
        + " cores; java " + System.getProperty("java.version"));
    try {
      List<String> javaWorker = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
          "-XX:TieredStopAtLevel=1", "-cp", absoluteClasspath(), CopyWorker.class.getName());
      Path shm = Path.of("/dev/shm");
      Path tmpfs = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "sidecar-bench") : null;
      try {
        small(base, "disk, persistent workers", true, javaWorker);
        small(base, "disk, process per request (cp)", false, List.of("cp", "in/data", "out/data"));
        if (tmpfs != null) {
          small(tmpfs, "tmpfs, persistent workers", true, javaWorker);
          small(tmpfs, "tmpfs, process per request (cp)", false, List.of("cp", "in/data", "out/data"));
        }
      } finally {
        if (tmpfs != null) {
          AtomicFiles.deleteQuietly(tmpfs);
        }
      }
      Path vol = Files.createDirectories(base.resolve("bulk-vol"));
      Process agent = startJavaAgent(vol, 2, false, List.of("cp", "in/data", "out/data"), base.resolve("agent-bulk.log"));
      try (Volume volume = Volume.open(vol, VolumeOptions.defaults())) {
        volume.awaitAgent(Duration.ofSeconds(30));
        bulk(volume, base, bulkBytes);
      } finally {
        agent.destroy();
        agent.waitFor(10, TimeUnit.SECONDS);
      }
      legacy(base);
    } finally {
      AtomicFiles.deleteQuietly(base);
    }
    print();
  }

  // ---- measurements ---------------------------------------------------------------------------

  /** Latency and throughput of small hand-offs against one Java agent in the given mode. */
  private static void small(Path base, String mode, boolean worker, List<String> command) throws Exception {
    Path vol = Files.createDirectories(base.resolve("vol-" + (worker ? "workers" : "process")));
    Process agent = startJavaAgent(vol, 4, worker, command, base.resolve("agent-" + (worker ? "workers" : "process") + ".log"));
    try (Volume volume = Volume.open(vol, VolumeOptions.defaults())) {
      volume.awaitAgent(Duration.ofSeconds(30));
      latency(volume, mode);
      for (int threads : new int[] {1, 4, 16}) {
        throughput(volume, threads, mode);
      }
    } finally {
      agent.destroy();
      agent.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void latency(Volume volume, String mode) {
    byte[] kib = new byte[1024];
    Arrays.fill(kib, (byte) 'x');
    for (int i = 0; i < 300; i++) {
      echo(volume, kib); // warm-up: JIT on both sides, page cache
    }
    int n = 2000;
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      echo(volume, kib);
      nanos[i] = System.nanoTime() - t;
    }
    Arrays.sort(nanos);
    row("round trip 1 KiB echo, " + mode, String.format(Locale.ROOT, "p50 %.2f ms   p99 %.2f ms   (n=%d)",
        nanos[n / 2] / 1e6, nanos[n * 99 / 100] / 1e6, n), "target p50 <= 1 ms, p99 <= 5 ms");
  }

  private static void echo(Volume volume, byte[] data) {
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("data", data);
      h.run(Duration.ofSeconds(30));
      if (h.readOutput("data").length != data.length) {
        throw new IllegalStateException("wrong output size in " + h.id());
      }
    }
  }

  private static void throughput(Volume volume, int threads, String mode) throws Exception {
    byte[] small = "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    double[] rates = new double[3];
    for (int round = 0; round < rates.length; round++) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong count = new AtomicLong();
      List<Future<?>> fs = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < threads; i++) {
        fs.add(pool.submit(() -> {
          while (!stop.get()) {
            echo(volume, small);
            count.incrementAndGet();
          }
        }));
      }
      Thread.sleep(2000);
      stop.set(true);
      for (Future<?> f : fs) {
        f.get();
      }
      rates[round] = count.get() / ((System.nanoTime() - t0) / 1e9);
    }
    pool.shutdown();
    Arrays.sort(rates);
    row("hand-offs/s, " + threads + " thread(s), " + mode, String.format(Locale.ROOT, "%.0f /s (median of 3 x 2 s)", rates[1]),
        threads == 4 ? "target >= 5000/s" : "");
  }

  private static void bulk(Volume volume, Path base, long bytes) throws Exception {
    Path src = base.resolve("bulk-src");
    try (InputStream in = new PatternStream(bytes, 3)) {
      Files.copy(in, src);
    }
    double[] ours = new double[3];
    double[] cps = new double[3];
    for (int round = 0; round < 3; round++) {
      // cp baseline: the same three copies the hand-off makes (in, the command's own cp, out)
      Path a = base.resolve("cp-a");
      Path b = base.resolve("cp-b");
      Path dst = base.resolve("cp-dst");
      long t = System.nanoTime();
      run("cp", src.toString(), a.toString());
      run("cp", a.toString(), b.toString());
      run("cp", b.toString(), dst.toString());
      cps[round] = 2.0 * bytes / 1e6 / ((System.nanoTime() - t) / 1e9);
      for (Path p : List.of(a, b, dst)) {
        Files.delete(p);
      }
      Path out = base.resolve("bulk-out");
      t = System.nanoTime();
      try (Handoff h = volume.newHandoff()) {
        h.writeInput("data", src);
        h.run(Duration.ofMinutes(5));
        h.copyOutput("data", out); // verified against the manifest's size and crc32c
      }
      ours[round] = 2.0 * bytes / 1e6 / ((System.nanoTime() - t) / 1e9);
      Files.delete(out);
    }
    Files.delete(src);
    Arrays.sort(ours);
    Arrays.sort(cps);
    row("bulk " + (bytes >> 20) + " MiB in + out, hand-off (verified)", String.format(Locale.ROOT, "%.0f MB/s", ours[1]), "");
    row("bulk " + (bytes >> 20) + " MiB in + out, cp x3 same fs", String.format(Locale.ROOT, "%.0f MB/s", cps[1]), "");
    row("bulk ratio hand-off / cp", String.format(Locale.ROOT, "%.2f x", ours[1] / cps[1]), "target >= 0.8 x");
  }

  /**
   * The legacy convention, both ends as the reference design does it (1-second polling on both
   * sides, 5 s wait before close), next to the same unchanged image driven by our legacy client,
   * next to a v1 hand-off.
   */
  private static void legacy(Path base) throws Exception {
    Path image = base.resolve("legacy-image.sh");
    try (InputStream in = ProtocolBenchmark.class.getResourceAsStream("/conformance/legacy-image.sh")) {
      Files.copy(in, image);
    }
    double reference = median(2, () -> legacyRound(base, image, true));
    double ours = median(3, () -> legacyRound(base, image, false));
    Path vol = Files.createDirectories(base.resolve("v1-vol"));
    Process agent = startJavaAgent(vol, 1, false, List.of("sh", "-c", "tr a-z A-Z < in/infile.csv > out/outfile.csv"),
        base.resolve("agent-v1.log"));
    double v1;
    try (Volume volume = Volume.open(vol)) {
      volume.awaitAgent(Duration.ofSeconds(30));
      v1 = median(5, () -> {
        long t = System.nanoTime();
        try (Handoff h = volume.newHandoff()) {
          h.writeInput("infile.csv", "a,b\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
          h.run(Duration.ofSeconds(30));
          h.readOutput("outfile.csv");
        }
        return (System.nanoTime() - t) / 1e6;
      });
    } finally {
      agent.destroy();
    }
    row("legacy hand-off, reference (1 s polls, 5 s close wait)", String.format(Locale.ROOT, "%.0f ms", reference), "");
    row("legacy hand-off, same image, our legacy client", String.format(Locale.ROOT, "%.0f ms  (%.1f x faster)", ours, reference / ours),
        "image unchanged, still polls 1 s");
    row("v1 hand-off, same logic, java agent", String.format(Locale.ROOT, "%.1f ms  (%.0f x faster than reference)", v1, reference / v1), "");
  }

  private static double legacyRound(Path base, Path image, boolean referenceClient) throws Exception {
    Path vol = Files.createDirectories(base.resolve("legacy-" + System.nanoTime()));
    ProcessBuilder pb = new ProcessBuilder("sh", image.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("LEGACY_VOLUME", vol.toString());
    Process p = pb.start();
    long t = System.nanoTime();
    if (referenceClient) {
      Files.writeString(vol.resolve("infile.csv"), "a,b\n");
      Files.createFile(vol.resolve("start_flag"));
      while (!Files.exists(vol.resolve("done_flag"))) {
        Thread.sleep(1000);
      }
      Files.readAllBytes(vol.resolve("outfile.csv"));
      Thread.sleep(5000);
      Files.createFile(vol.resolve("close_flag"));
    } else {
      try (Volume volume = Volume.openLegacy(vol, VolumeOptions.defaults()); Handoff h = volume.newHandoff()) {
        h.writeInput("infile.csv", "a,b\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        h.run(Duration.ofSeconds(30));
        h.readOutput("outfile.csv");
      }
    }
    double ms = (System.nanoTime() - t) / 1e6;
    p.waitFor(5, TimeUnit.SECONDS);
    p.destroyForcibly();
    return ms;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private interface Measure {
    double once() throws Exception;
  }

  private static double median(int n, Measure m) throws Exception {
    double[] xs = new double[n];
    for (int i = 0; i < n; i++) {
      xs[i] = m.once();
    }
    Arrays.sort(xs);
    return xs[n / 2];
  }

  static Process startJavaAgent(Path vol, int concurrency, boolean worker, List<String> command, Path log) throws IOException {
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", absoluteClasspath(), "io.sparksidecar.protocol.agent.Agent",
        "--volume", vol.toString(), "--concurrency", String.valueOf(concurrency)));
    if (worker) {
      argv.add("--worker");
    }
    argv.add("--");
    argv.addAll(command);
    return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
  }

  /** Workers run with the volume as working directory, so relative classpath entries would break. */
  private static String absoluteClasspath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(e -> Path.of(e).toAbsolutePath().toString()).collect(java.util.stream.Collectors.joining(File.pathSeparator));
  }

  private static void run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " failed");
    }
  }

  private static void row(String what, String value, String note) {
    ROWS.add(new String[] {what, value, note});
    System.out.printf(Locale.ROOT, "  ... %s: %s%n", what, value);
  }

  private static void print() {
    System.out.println();
    System.out.printf(Locale.ROOT, "%-62s | %-46s | %s%n", "measurement", "result", "note");
    System.out.println("-".repeat(62) + "-+-" + "-".repeat(46) + "-+-" + "-".repeat(30));
    for (String[] r : ROWS) {
      System.out.printf(Locale.ROOT, "%-62s | %-46s | %s%n", r[0], r[1], r[2]);
    }
  }

  private ProtocolBenchmark() {}
}
