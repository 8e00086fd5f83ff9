package io.sparksidecar.protocol.bench;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.VolumeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java client's side of {@code protocol/python/bench.py}: the same measurements as the Python
 * client against an agent another process started and owns (the Python benchmark), on the same
 * volume, in the same run. Prints one line of JSON on stdout.
 *
 * <pre>
 * ClientBenchmark latency VOLUME REQUESTS WARMUP SIZE        {"p50_ms":..,"p99_ms":..,"n":..}
 * ClientBenchmark throughput VOLUME THREADS SECONDS ROUNDS   {"rates":[..],"handoffs":..,"cpu_s":..}
 *   (hand-offs/s per round; hand-offs and this JVM's CPU seconds over the measured rounds)
 * </pre>
 *
 * The request is the benchmark's: input {@code data} written, started, awaited, output {@code data}
 * read (verified against the manifest) and compared, the hand-off closed (its directory deleted).
 * The volume is deliberately not closed: closing a Java {@link Volume} marks the client closed,
 * which would stop the owner's agent; the heartbeat is a daemon thread and ends with the JVM.
 */
public final class ClientBenchmark {

  public static void main(String[] args) throws Exception {
    if (args.length != 5 || !List.of("latency", "throughput").contains(args[0])) {
      System.err.println("usage: ClientBenchmark latency VOLUME REQUESTS WARMUP SIZE"
          + " | ClientBenchmark throughput VOLUME THREADS SECONDS ROUNDS");
      System.exit(2);
    }
    Volume volume = Volume.open(Path.of(args[1]), VolumeOptions.defaults());
    volume.awaitAgent(Duration.ofSeconds(30));
    String json = args[0].equals("latency")
        ? latency(volume, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]))
        : throughput(volume, Integer.parseInt(args[2]), Double.parseDouble(args[3]), Integer.parseInt(args[4]));
    System.out.println(json);
    System.out.flush();
  }

  private static String latency(Volume volume, int n, int warmup, int size) {
    byte[] payload = new byte[size];
    new java.util.Random(1).nextBytes(payload);
    for (int i = 0; i < warmup; i++) {
      echo(volume, payload); // JIT, page cache
    }
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      echo(volume, payload);
      nanos[i] = System.nanoTime() - t;
    }
    Arrays.sort(nanos);
    return String.format(Locale.ROOT, "{\"p50_ms\": %.4f, \"p99_ms\": %.4f, \"n\": %d}",
        nanos[n / 2] / 1e6, nanos[Math.min(n - 1, n * 99 / 100)] / 1e6, n);
  }

  private static String throughput(Volume volume, int threads, double seconds, int rounds) throws Exception {
    byte[] small = "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int i = 0; i < 200; i++) {
        echo(volume, small); // warm-up
      }
      List<String> rates = new ArrayList<>();
      long total = 0;
      long cpu0 = processCpuNanos();
      for (int round = 0; round < rounds; round++) {
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
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Future<?> f : fs) {
          f.get();
        }
        rates.add(String.format(Locale.ROOT, "%.1f", count.get() / ((System.nanoTime() - t0) / 1e9)));
        total += count.get();
      }
      double cpu = (processCpuNanos() - cpu0) / 1e9;
      return String.format(Locale.ROOT, "{\"rates\": [%s], \"handoffs\": %d, \"cpu_s\": %.3f}",
          String.join(", ", rates), total, cpu);
    } finally {
      pool.shutdownNow();
    }
  }

  /** CPU time of this whole JVM (every thread), from the platform bean. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static void echo(Volume volume, byte[] data) {
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("data", data);
      h.run(Duration.ofSeconds(30));
      if (!Arrays.equals(h.readOutput("data"), data)) {
        throw new IllegalStateException("wrong output in " + h.id());
      }
    }
  }

  private ClientBenchmark() {}
}
