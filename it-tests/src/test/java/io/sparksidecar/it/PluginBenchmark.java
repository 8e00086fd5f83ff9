package io.sparksidecar.it;

import io.sparksidecar.plugin.health.FailurePolicy;
import io.sparksidecar.plugin.health.HealthReport;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The plugin's costs, measured side by side in one run (a program, not a test):
 * <ol>
 *   <li>sidecar start cost: time until a 2-task job has run on both executors of a fresh
 *       local-cluster with a busybox sidecar, minus the same without the plugin, next to a bare
 *       {@code docker run -d} of the same image (alone, and two at once as the two executors start);</li>
 *   <li>driver registry: 10,000 simulated executors at 1 message/s each, CPU of the handling
 *       thread as a share of one core;</li>
 *   <li>plugin heap in a live executor (heap histogram of our classes).</li>
 * </ol>
 * Run: {@code mvn -q -Pbench -pl it-tests -am verify -DskipTests} after {@code bash images/build.sh}.
 */
public final class PluginBenchmark {
  private static final List<String[]> ROWS = new ArrayList<>();
  private static final long[] HEAP_WITH = new long[1];
  private static final long[] HEAP_WITHOUT = new long[1];
  private static final long[] OURS = new long[1];
  private static final List<Long> INIT_MS = new ArrayList<>();
  private static final List<Long> INIT_ALONE_MS = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 3);
    String only = System.getProperty("bench.only", "");
    if (only.isEmpty() || only.equals("start")) {
      startCost(rounds);
    }
    if (only.isEmpty() || only.equals("registry")) {
      registryCpu();
    }
    if (only.isEmpty() || only.equals("pipe")) {
      pipeComparison(rounds, "docker", Map.of("spark.sidecar.image", "spark-sidecar/fruit-count:1", "spark.sidecar.runtime", "docker"));
      pipeComparison(rounds, "process", Map.of("spark.sidecar.runtime", "process", "spark.sidecar.command",
          "sh -c 'grep -v \"^Unknown$\" in/fruit.txt | sort | uniq -c > out/counts.txt'"));
    }
    print();
  }

  private static void startCost(int rounds) throws Exception {
    clusterReady(Map.of("spark.plugins", ""), null); // warm-up: class loading, page cache
    double[] bare = new double[rounds];
    double[] bareTwo = new double[rounds];
    double[] with = new double[rounds];
    double[] without = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t = System.nanoTime();
      String id = LocalCluster.docker("run", "-d", "--user", "5001", TestImages.BUSYBOX, "sleep", "60");
      bare[r] = (System.nanoTime() - t) / 1e6; // until the container runs, as the plugin's init; rm not counted
      LocalCluster.docker("rm", "-f", id);
      bareTwo[r] = twoBareRunsAtOnce();
      without[r] = clusterReady(Map.of("spark.plugins", ""), r == 0 ? HEAP_WITHOUT : null);
      with[r] = clusterReady(Map.of("spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.command", "sleep 600"),
          r == 0 ? HEAP_WITH : null);
      aloneReady(Map.of("spark.sidecar.image", TestImages.BUSYBOX, "spark.sidecar.command", "sleep 600"));
      if (r == 0) {
        row("executor heap after full GC: with plugin - without", String.format(Locale.ROOT, "%.1f MiB (%.1f - %.1f)",
            (HEAP_WITH[0] - HEAP_WITHOUT[0]) / 1024.0, HEAP_WITH[0] / 1024.0, HEAP_WITHOUT[0] / 1024.0),
            "target <= 32 MiB; live objects of our classes alone: " + String.format(Locale.ROOT, "%.2f MiB", OURS[0] / 1048576.0));
      }
    }
    double b = median(bare);
    double w = median(with);
    double wo = median(without);
    row("bare docker run -d, busybox (median of " + rounds + ")", fmt(b) + " ms", "");
    row("2 bare docker runs at once (as 2 executors start)", fmt(median(bareTwo)) + " ms until both ran",
        "context: the engine serialises part of the work");
    row("2 executors ready, no plugin", fmt(wo) + " ms", "");
    row("2 executors ready, busybox sidecar each", fmt(w) + " ms", "");
    row("sidecar start cost (with - without), cluster level", fmt(w - wo) + " ms  = " + String.format(Locale.ROOT, "%.2f", (w - wo) / b)
        + " x bare", "target <= 1.1 x bare + 100 ms = " + fmt(1.1 * b + 100) + " ms; noisy: ~6 s cluster start");
    double[] init = INIT_MS.stream().mapToDouble(Long::doubleValue).toArray();
    row("sidecar start cost, plugin init on the executor", fmt(median(init)) + " ms (median of " + init.length + ")",
        "target <= 1.1 x bare + 100 ms = " + fmt(1.1 * b + 100) + " ms; vs 2 bare at once: "
        + fmt(1.1 * median(bareTwo) + 100) + " ms");
    double[] alone = INIT_ALONE_MS.stream().mapToDouble(Long::doubleValue).toArray();
    row("sidecar start cost, plugin init, 1-executor cluster", fmt(median(alone)) + " ms (median of " + alone.length + ")",
        "target <= 1.1 x bare + 100 ms = " + fmt(1.1 * b + 100) + " ms");
  }

  /** A 1-executor cluster with the sidecar: its executor's init time, with nothing else starting beside it. */
  private static void aloneReady(Map<String, String> conf) throws Exception {
    try (JavaSparkContext sc = LocalCluster.start("bench-alone", new HashMap<>(conf), "local-cluster[1,1,1024]")) {
      sc.parallelize(List.of(1), 1).map(i -> i + 1).collect();
      collectInitTimes(sc.sc().applicationId(), INIT_ALONE_MS);
    }
  }

  /** Milliseconds until two {@code docker run -d} started at once have both returned (then both are removed). */
  private static double twoBareRunsAtOnce() throws Exception {
    long t = System.nanoTime();
    var a = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> LocalCluster.docker("run", "-d", "--user", "5001", TestImages.BUSYBOX, "sleep", "60"));
    var b = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> LocalCluster.docker("run", "-d", "--user", "5001", TestImages.BUSYBOX, "sleep", "60"));
    String ida = a.get();
    String idb = b.get();
    double ms = (System.nanoTime() - t) / 1e6;
    LocalCluster.docker("rm", "-f", ida, idb);
    return ms;
  }

  /** Runs until both executors ran a task; with {@code heapKiB} it stores executor 0's used heap after a full GC. */
  private static double clusterReady(Map<String, String> conf, long[] heapKiB) throws Exception {
    long t = System.nanoTime();
    Map<String, String> all = new HashMap<>(conf);
    try (JavaSparkContext sc = LocalCluster.start("bench", all)) {
      List<String> executors;
      do {
        executors = sc.parallelize(List.of(1, 2), 2)
            .map(i -> org.apache.spark.SparkEnv.get().executorId() + ":" + ProcessHandle.current().pid()).distinct().collect();
      } while (executors.size() < 2);
      double ms = (System.nanoTime() - t) / 1e6;
      collectInitTimes(sc.sc().applicationId(), INIT_MS);
      if (heapKiB != null) {
        String pid = executors.get(0).split(":")[1];
        heapKiB[0] = usedHeapAfterGc(pid);
        if (heapKiB == HEAP_WITH) {
          OURS[0] = ourHeap(pid);
        }
      }
      return ms;
    }
  }

  /** "sidecar ready in N ms" of every executor of the application, from the executors' own logs. */
  private static void collectInitTimes(String appId, List<Long> into) throws Exception {
    java.nio.file.Path app = java.nio.file.Path.of(System.getenv("SPARK_HOME"), "work", appId);
    if (!java.nio.file.Files.isDirectory(app)) {
      return;
    }
    java.util.regex.Pattern p = java.util.regex.Pattern.compile("sidecar ready in (\\d+) ms");
    try (var dirs = java.nio.file.Files.list(app)) {
      for (java.nio.file.Path d : dirs.toList()) {
        java.nio.file.Path err = d.resolve("stderr");
        if (java.nio.file.Files.exists(err)) {
          java.util.regex.Matcher m = p.matcher(java.nio.file.Files.readString(err));
          if (m.find()) {
            into.add(Long.parseLong(m.group(1)));
          }
        }
      }
    }
  }

  /** Used heap in KiB of a JVM right after a full GC (jcmd GC.run, GC.heap_info). */
  private static long usedHeapAfterGc(String pid) throws Exception {
    new ProcessBuilder("jcmd", pid, "GC.run").start().waitFor();
    Process p = new ProcessBuilder("jcmd", pid, "GC.heap_info").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    p.waitFor();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no heap figure from jcmd: " + out);
    }
    return Long.parseLong(m.group(1));
  }

  /** Bytes of live objects of our classes (relocated ones included) in a JVM, from jcmd's histogram. */
  private static long ourHeap(String pid) throws Exception {
    Process p = new ProcessBuilder("jcmd", pid, "GC.class_histogram").redirectErrorStream(true).start();
    long total = 0;
    for (String line : new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[3].startsWith("io.sparksidecar")) {
        total += Long.parseLong(f[2]);
      }
    }
    p.waitFor();
    return total;
  }

  private static void registryCpu() throws Exception {
    int executors = 10_000;
    List<HashMap<String, String>> wire = new ArrayList<>(executors);
    for (int i = 0; i < executors; i++) {
      wire.add(new HealthReport(String.valueOf(i), "host-" + (i % 500), "docker",
          new Supervisor.Snapshot(Supervisor.State.READY, 0, -1, "ready", "c" + i, 0, false), i, 0).toWire());
    }
    SidecarRegistry registry = new SidecarRegistry(30_000);
    FailurePolicy policy = new FailurePolicy("replaceExecutor");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    // warm-up, then 5 s at 10,000 messages per second, paced per millisecond
    for (int i = 0; i < 50_000; i++) {
      handle(wire.get(i % executors), registry, policy);
    }
    long cpu0 = mx.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    int seconds = 5;
    int sent = 0;
    for (int ms = 0; ms < seconds * 1000; ms++) {
      for (int k = 0; k < executors / 1000; k++) {
        handle(wire.get(sent++ % executors), registry, policy);
      }
      long next = start + (ms + 1) * 1_000_000L;
      while (System.nanoTime() < next) {
        Thread.onSpinWait();
        if (next - System.nanoTime() > 200_000) {
          Thread.sleep(0, 100_000);
        }
      }
    }
    long wall = System.nanoTime() - start;
    // spinning counts as CPU: subtract it by measuring the handling alone
    long cpuAll = mx.getCurrentThreadCpuTime() - cpu0;
    long busy0 = mx.getCurrentThreadCpuTime();
    for (int i = 0; i < seconds * executors; i++) {
      handle(wire.get(i % executors), registry, policy);
    }
    long busy = mx.getCurrentThreadCpuTime() - busy0;
    row("driver: 10,000 executors x 1 msg/s, handling CPU", String.format(Locale.ROOT, "%.2f %% of one core", 100.0 * busy / wall),
        "target < 5 %; " + sent + " msgs in " + fmt(wall / 1e6) + " ms (paced loop incl. waiting: "
            + String.format(Locale.ROOT, "%.0f %%", 100.0 * cpuAll / wall) + ")");
    row("driver: status table for 10,000 executors", fmt(time(() -> registry.table(System.currentTimeMillis()))) + " ms", "");
  }

  /**
   * The fruit count through sidecars (fruit-count image, one container per executor) next to
   * RDD.pipe running the same per-partition command on the same file, on the same 2-executor
   * cluster, alternating, median of rounds.
   */
  private static void pipeComparison(int rounds, String runtime, Map<String, String> sidecarConf) throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("fruit", ".txt");
    String[] fruit = {"apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "Unknown"};
    java.util.Random random = new java.util.Random(3);
    try (var w = java.nio.file.Files.newBufferedWriter(file)) {
      for (int i = 0; i < 4_000_000; i++) {
        w.write(fruit[random.nextInt(fruit.length)]);
        w.write('\n');
      }
    }
    String count = "grep -v '^Unknown$' | sort | uniq -c";
    double[] sidecar = new double[rounds];
    double[] pipe = new double[rounds];
    Map<String, String> conf = new HashMap<>(sidecarConf);
    conf.put("spark.sidecar.protocol", "v1");
    try (JavaSparkContext sc = LocalCluster.start("pipe-vs-sidecar", conf)) {
      var lines = sc.textFile(file.toString(), 4);
      for (int r = -1; r < rounds; r++) { // round -1 warms both paths up
        long t = System.nanoTime();
        Map<String, Long> a = lines.mapPartitionsToPair(FruitCount::viaSidecar).reduceByKey(Long::sum).collectAsMap();
        double ms = (System.nanoTime() - t) / 1e6;
        t = System.nanoTime();
        Map<String, Long> b = lines.pipe(List.of("sh", "-c", count))
            .mapPartitionsToPair(it -> {
              List<String> all = new ArrayList<>();
              it.forEachRemaining(all::add);
              return FruitCount.parse(all).iterator();
            }).reduceByKey(Long::sum).collectAsMap();
        double pms = (System.nanoTime() - t) / 1e6;
        if (!new java.util.TreeMap<>(a).equals(new java.util.TreeMap<>(b))) {
          throw new IllegalStateException("sidecar and pipe counts differ: " + a + " vs " + b);
        }
        if (r >= 0) {
          sidecar[r] = ms;
          pipe[r] = pms;
        }
      }
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
    String how = runtime.equals("docker") ? "fruit-count container (busybox tools)" : "local process (host tools, as pipe)";
    row("fruit count 4M lines, 2 executors, sidecar: " + runtime, fmt(median(sidecar)) + " ms", how);
    row("fruit count 4M lines, 2 executors, RDD.pipe", fmt(median(pipe)) + " ms", "same command, same file, host tools");
    row("sidecar (" + runtime + ") / pipe wall time", String.format(Locale.ROOT, "%.2f x", median(sidecar) / median(pipe)),
        "target <= 1.1");
  }

  private static void handle(HashMap<String, String> msg, SidecarRegistry registry, FailurePolicy policy) {
    HealthReport r = HealthReport.fromWire(msg);
    HealthReport previous = registry.update(r, System.currentTimeMillis());
    policy.decide(previous, r);
  }

  private static double time(Runnable r) {
    long t = System.nanoTime();
    r.run();
    return (System.nanoTime() - t) / 1e6;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static String fmt(double ms) {
    return String.format(Locale.ROOT, "%.0f", ms);
  }

  private static void row(String what, String value, String note) {
    ROWS.add(new String[] {what, value, note});
    System.out.printf(Locale.ROOT, "  ... %s: %s%n", what, value);
  }

  private static void print() {
    System.out.println();
    System.out.printf(Locale.ROOT, "%-52s | %-34s | %s%n", "measurement", "result", "note");
    System.out.println("-".repeat(52) + "-+-" + "-".repeat(34) + "-+-" + "-".repeat(40));
    for (String[] r : ROWS) {
      System.out.printf(Locale.ROOT, "%-52s | %-34s | %s%n", r[0], r[1], r[2]);
    }
  }

  private PluginBenchmark() {}
}
