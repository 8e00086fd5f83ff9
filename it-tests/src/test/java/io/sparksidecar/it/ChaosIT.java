package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.protocol.Handoff;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.spark.Success$;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos on a real cluster (local-cluster: executors are separate JVMs) with real containers: jobs of
 * many protocol-v1 hand-offs with checksummed pseudo-random payloads run while a separate thread
 * injects faults on a schedule. Each task hands a payload of known seed and size to a sidecar
 * command that swaps every byte pair ({@code dd conv=swab}, then ~150 ms of work), checks the output
 * against its own expectation and returns (id, SHA-256, executor); the driver checks every digest
 * against an expectation it computes independently. What is asserted is what Spark and the plugin
 * guarantee, not timing: every job completes, every output is byte-exact, no container of the
 * application is left 30 s after it ends — and, for pauses, that nothing failed or restarted.
 *
 * <p>The driver keeps running job rounds while the injector works, so every fault lands on a
 * running job however fast or slow the machine is; one more round after the last fault shows the
 * cluster recovered. One summary line per scenario starts with {@code CHAOS}.
 */
@Timeout(300)
class ChaosIT {
  /** The sidecar's transform: a byte-pair swap by dd, and a little work so faults find hand-offs in flight. */
  static final String COMMAND = "sh -c 'dd if=in/in.bin of=out/out.bin bs=64k conv=swab 2>/dev/null && usleep 150000'";
  static final int PARTITIONS = 40;
  /** Payload sizes, cycled by id: KiB to MiB, some odd (dd swab leaves the last odd byte alone). */
  static final int[] SIZES = {4096 + 1, 64 << 10, (256 << 10) + 3, 1 << 20, (3 << 20) - 1, 16 << 10, 512 << 10};

  private static Map<String, String> base() {
    Map<String, String> conf = new java.util.HashMap<>();
    conf.put("spark.sidecar.runtime", "docker");
    conf.put("spark.sidecar.image", TestImages.BUSYBOX);
    conf.put("spark.sidecar.protocol", "v1");
    conf.put("spark.sidecar.command", COMMAND);
    conf.put("spark.sidecar.restart.backoff", "200ms");
    return conf;
  }

  @Test
  void sidecarContainersSigkilledDuringTheJobAreRestartedAndEveryOutputIsExact() throws Exception {
    Map<String, String> conf = base();
    conf.put("spark.task.maxFailures", "20");
    // a kill every 3 s, alternating executors: ~3 per sidecar within the default 10-min window. That
    // is a crash loop by the default policy (maxRestarts=3); here the kills are the environment's doing,
    // so allow enough restarts that the job is served by the same executors throughout.
    conf.put("spark.sidecar.restart.maxRestarts", "20");
    Result r = chaos("(a) sidecar containers SIGKILLed", conf, 6, 3_000, 3_000, (ctx, n) -> {
      Map<String, String> running = Faults.runningContainers(ctx.appId);
      if (running.isEmpty()) {
        return false;
      }
      List<String> executors = new ArrayList<>(running.keySet());
      String victim = executors.get(n % executors.size());
      boolean killed = Faults.killContainer(running.get(victim));
      ctx.notes.add((killed ? "killed" : "could not kill") + " container " + running.get(victim).substring(0, 12)
          + " of executor " + victim);
      return killed;
    });
    assertThat(r.injected).as("containers killed").isGreaterThanOrEqualTo(4);
    assertThat(r.restarts).as("every killed sidecar was restarted: %s", r.restartsByExecutor).isGreaterThanOrEqualTo(r.injected);
  }

  @Test
  void executorJvmsSigkilledDuringTheJobAreReplacedAndEveryOutputIsExact() throws Exception {
    Map<String, String> conf = base();
    conf.put("spark.task.maxFailures", "20");
    Result r = chaos("(b) executor JVMs SIGKILLed", conf, 3, 3_000, 2_000, (ctx, n) -> {
      // each kill hits a full cluster: wait (bounded) until the replacement of the last victim has
      // registered with the driver and runs tasks
      awaitExecutors(ctx, 2, 90_000);
      List<Faults.Executor> executors = Faults.executors(ctx.appId);
      Faults.Executor victim = executors.get(n % executors.size());
      // the victim's volume root (VolumeDirs: <executor cwd>/sidecar-volumes/<app>-<executor>)
      java.nio.file.Path volumes = java.nio.file.Path.of("/proc", String.valueOf(victim.pid()), "cwd").toRealPath()
          .resolve("sidecar-volumes").resolve((ctx.appId + "-" + victim.id()).replaceAll("[^A-Za-z0-9._-]", "-"));
      assertThat(volumes).as("the victim's volume directory").isDirectory();
      if (!Faults.signal(victim.pid(), "KILL")) {
        return false;
      }
      // no shutdown hook, no plugin shutdown: the watchdog must remove the victim's container
      long killedAt = System.currentTimeMillis();
      while (!LocalCluster.docker("ps", "-aq", "--filter", "label=io.sparksidecar.app=" + ctx.appId,
          "--filter", "label=io.sparksidecar.executor=" + victim.id()).isEmpty()) {
        assertThat(System.currentTimeMillis() - killedAt).as("container of SIGKILLed executor %s removed", victim.id())
            .isLessThan(30_000);
        Thread.sleep(100);
      }
      long removed = System.currentTimeMillis() - killedAt;
      // ... and then its volume directory, which the executor never got to delete
      while (java.nio.file.Files.exists(volumes)) {
        assertThat(System.currentTimeMillis() - killedAt).as("volume directory %s of SIGKILLed executor %s deleted",
            volumes, victim.id()).isLessThan(30_000);
        Thread.sleep(100);
      }
      ctx.notes.add("executor " + victim.id() + "'s container removed " + removed + " ms and its volume directory "
          + (System.currentTimeMillis() - killedAt) + " ms after its SIGKILL");
      return true;
    });
    assertThat(r.injected).as("executors killed").isEqualTo(3);
    assertThat(r.executorsLost).as("the driver saw every killed executor go").isGreaterThanOrEqualTo(r.injected);
    // a SIGKILLed executor sends no last report: the registry learns its end from Spark, so the
    // READY count is that of the live executors (2 at most), not of every executor ever started
    assertThat(r.readyAtEnd).as("READY sidecars at the end:%n%s", r.statusReport).isBetween(1L, 2L);
  }

  @Test
  void executorJvmsPausedForFiveSecondsNeitherRestartTheirSidecarNorFailATask() throws Exception {
    // spark.network.timeout stays at its default (120 s), and so does whatever ties the agent's
    // client timeout to it: a paused executor is not a gone one until Spark itself would say so
    Map<String, String> conf = base();
    conf.put("spark.task.maxFailures", "8"); // so that a regression shows in the counts, not as an aborted job
    Result r = chaos("(c) executor JVMs SIGSTOPped for 5 s", conf, 4, 3_000, 2_500, (ctx, n) -> {
      List<Faults.Executor> executors = Faults.executors(ctx.appId);
      Faults.Executor victim = executors.get(n % executors.size());
      if (!Faults.signal(victim.pid(), "STOP")) {
        return false;
      }
      try {
        Thread.sleep(5_000);
      } finally {
        Faults.signal(victim.pid(), "CONT");
      }
      return true;
    });
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(r.injected).as("pauses").isEqualTo(4);
    soft.assertThat(r.restarts).as("sidecar restarts by executor %s%n%s", r.restartsByExecutor, r.statusReport).isZero();
    soft.assertThat(r.taskFailures).as("failed tasks: %s", r.failureReasons).isZero();
    soft.assertAll();
  }

  // ---- the scenario runner -------------------------------------------------------------------

  /** One fault; {@code n} counts from 0. True when it was injected. */
  interface Fault {
    boolean inject(Context ctx, int n) throws Exception;
  }

  record Context(JavaSparkContext sc, String appId, java.util.Queue<String> notes) {}

  static final class Result {
    int injected;
    int jobs;
    int handoffs;
    int taskFailures;
    int retries;
    int executorsLost;
    long restarts;
    Map<String, Integer> restartsByExecutor = new TreeMap<>();
    Map<String, Integer> failureKinds = new TreeMap<>();
    Set<String> failureReasons = new LinkedHashSet<>();
    String statusReport = "";
    long readyAtEnd;
    long containersGoneMillis;
  }

  private Result chaos(String scenario, Map<String, String> conf, int faults, long firstDelayMillis, long gapMillis,
      Fault fault) throws Exception {
    long t0 = System.currentTimeMillis();
    Result r = new Result();
    String appId;
    java.util.Queue<String> notes = new ConcurrentLinkedQueue<>();
    try (JavaSparkContext sc = LocalCluster.start("chaos", conf, "local-cluster[2,2,1024]")) {
      appId = sc.sc().applicationId();
      Context ctx = new Context(sc, appId, notes);
      TaskCounter tasks = new TaskCounter();
      sc.sc().addSparkListener(tasks);
      runRound(sc, -1, r); // warm-up: both executors and their sidecars serve hand-offs before any fault

      AtomicInteger injected = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> injectorError = new AtomicReference<>();
      Thread injector = new Thread(() -> {
        try {
          Thread.sleep(firstDelayMillis);
          for (int n = 0; n < faults && !stop.get(); n++) {
            if (fault.inject(ctx, n)) {
              injected.incrementAndGet();
            }
            Thread.sleep(gapMillis);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Throwable e) {
          injectorError.set(e);
        }
      }, "chaos-injector");
      injector.setDaemon(true);
      long deadline = System.currentTimeMillis() + 200_000;
      injector.start();
      try {
        int round = 0;
        do {
          runRound(sc, round++, r);
          assertThat(System.currentTimeMillis()).as("%s: rounds within 200 s", scenario).isLessThan(deadline);
        } while (injector.isAlive());
        runRound(sc, round, r); // after the last fault: the cluster recovered
      } finally {
        stop.set(true);
        injector.interrupt();
        injector.join(60_000);
      }
      if (injectorError.get() != null) {
        throw new AssertionError("fault injection failed", injectorError.get());
      }
      r.injected = injected.get();

      sc.sc().listenerBus().waitUntilEmpty(30_000); // Spark's listener bus is asynchronous
      tasks.into(r);
      Thread.sleep(2_000); // the executors' last health reports (every 1 s) reach the registry
      SidecarRegistry registry = SidecarDriverPlugin.registry();
      for (SidecarRegistry.Entry e : registry.entries(System.currentTimeMillis())) {
        r.restartsByExecutor.merge(e.report().executorId(), e.report().snapshot().restarts(), Integer::sum);
      }
      r.restarts = registry.totalRestarts();
      r.readyAtEnd = registry.count(io.sparksidecar.plugin.runtime.Supervisor.State.READY, System.currentTimeMillis());
      r.statusReport = SidecarDriverPlugin.statusReport();
    }
    long ended = System.currentTimeMillis();
    LocalCluster.awaitNoContainers(appId, 30_000);
    r.containersGoneMillis = System.currentTimeMillis() - ended;
    System.out.printf("CHAOS %s: %d fault(s) injected over %d job(s) / %d hand-offs, every output byte-exact; "
        + "task failures %d %s, retries %d; executors lost %d; sidecar restarts %d %s; no container left %d ms after "
        + "the app ended; %d s in all%n", scenario, r.injected, r.jobs, r.handoffs, r.taskFailures, r.failureKinds,
        r.retries, r.executorsLost, r.restarts, r.restartsByExecutor, r.containersGoneMillis,
        (System.currentTimeMillis() - t0) / 1000);
    notes.forEach(note -> System.out.println("CHAOS   " + note));
    r.failureReasons.forEach(reason -> System.out.println("CHAOS   failure: " + reason));
    System.out.print(r.statusReport);
    return r;
  }

  /** One job of PARTITIONS hand-offs; asserts every output against the driver's own expectation. */
  private static void runRound(JavaSparkContext sc, int round, Result r) throws Exception {
    int first = (round + 1) * PARTITIONS;
    List<Integer> ids = IntStream.range(first, first + PARTITIONS).boxed().toList();
    List<String> out = sc.parallelize(ids, PARTITIONS).map(ChaosIT::handOff).collect();
    assertThat(out).as("round %d: one result per partition", round).hasSize(PARTITIONS);
    List<String> wrong = new ArrayList<>();
    Set<Integer> seen = new java.util.HashSet<>();
    for (String line : out) {
      String[] f = line.split("\\|");
      int id = Integer.parseInt(f[0]);
      seen.add(id);
      String expected = expectedDigest(id);
      if (!f[1].equals(expected) || !f[2].equals("true")) {
        wrong.add("id " + id + " on executor " + f[3] + ": sha256 " + f[1] + ", expected " + expected + ", task's own check " + f[2]);
      }
    }
    assertThat(seen).as("round %d: every id once", round).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(wrong).as("round %d: outputs that are not byte-exact", round).isEmpty();
    r.jobs++;
    r.handoffs += PARTITIONS;
  }

  // ---- task side: runs in the executors ----------------------------------------------------------

  /** One hand-off of payload {@code id}: returns "id|sha256 of the output|output equals the task's expectation|executor". */
  static String handOff(int id) throws Exception {
    byte[] payload = payload(id);
    byte[] expected = payload.clone();
    for (int i = 0; i + 1 < expected.length; i += 2) {
      byte b = expected[i];
      expected[i] = expected[i + 1];
      expected[i + 1] = b;
    }
    try (Handoff h = Sidecars.get().newHandoff()) {
      h.writeInput("in.bin", payload).expectOutput("out.bin");
      h.run(Duration.ofSeconds(60));
      byte[] output = h.readOutput("out.bin");
      return id + "|" + sha256(output) + "|" + Arrays.equals(output, expected) + "|" + Sidecars.get().executorId();
    }
  }

  static byte[] payload(int id) {
    byte[] data = new byte[SIZES[id % SIZES.length]];
    new Random(0x5EEDL * 31 + id).nextBytes(data);
    return data;
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  // ---- driver side -------------------------------------------------------------------------------

  private static final Map<Integer, String> EXPECTED = new ConcurrentHashMap<>();

  /** The SHA-256 of the swapped payload, computed another way than the task does (big- vs little-endian shorts). */
  static String expectedDigest(int id) {
    return EXPECTED.computeIfAbsent(id, k -> {
      byte[] payload = payload(k);
      ByteBuffer in = ByteBuffer.wrap(payload).order(ByteOrder.BIG_ENDIAN);
      ByteBuffer swapped = ByteBuffer.allocate(payload.length).order(ByteOrder.LITTLE_ENDIAN);
      while (in.remaining() >= 2) {
        swapped.putShort(in.getShort());
      }
      if (in.hasRemaining()) {
        swapped.put(in.get());
      }
      try {
        return sha256(swapped.array());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Waits until the driver has {@code n} executors, each with a READY sidecar in the registry. */
  private static void awaitExecutors(Context ctx, int n, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (true) {
      String ids = ctx.sc().sc().getExecutorIds().mkString(","); // Scala 2.12 and 2.13 alike
      List<String> live = ids.isEmpty() ? List.of() : List.of(ids.split(","));
      Set<String> ready = new java.util.HashSet<>();
      for (SidecarRegistry.Entry e : SidecarDriverPlugin.registry().entries(System.currentTimeMillis())) {
        if (!e.stale() && e.report().snapshot().state() == io.sparksidecar.plugin.runtime.Supervisor.State.READY) {
          ready.add(e.report().executorId());
        }
      }
      if (live.size() >= n && ready.containsAll(live) && Faults.executors(ctx.appId()).size() >= n) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(n + " executors with a READY sidecar not back within " + millis + " ms (live " + live
            + "):\n" + SidecarDriverPlugin.statusReport());
      }
      Thread.sleep(200);
    }
  }

  /** Counts task ends that are not Success and retried attempts; Spark's listener bus calls it on its own thread. */
  static final class TaskCounter extends SparkListener {
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    private final AtomicInteger executorsLost = new AtomicInteger();
    private final Map<String, Integer> kinds = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> reasons = new ConcurrentLinkedQueue<>();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.taskInfo().attemptNumber() > 0) {
        retries.incrementAndGet();
      }
      if (!Success$.MODULE$.equals(end.reason())) {
        failures.incrementAndGet();
        kinds.merge(end.reason().getClass().getSimpleName().replace("$", ""), 1, Integer::sum);
        String why = end.reason() instanceof TaskFailedReason f ? f.toErrorString() : String.valueOf(end.reason());
        if (reasons.size() < 5) {
          String line = why.lines().findFirst().orElse("").replaceAll("\\s+", " ")
              .replaceAll("(/[^\\s:/]+)+/", ".../"); // long volume paths: keep the last name
          reasons.add(line.length() > 400 ? line.substring(0, 400) + "..." : line);
        }
      }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
      executorsLost.incrementAndGet();
    }

    void into(Result r) {
      r.taskFailures = failures.get();
      r.retries = retries.get();
      r.executorsLost = executorsLost.get();
      r.failureKinds.putAll(kinds);
      r.failureReasons.addAll(reasons);
    }
  }
}
