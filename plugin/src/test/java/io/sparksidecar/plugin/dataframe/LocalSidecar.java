package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.agent.Agent;
import io.sparksidecar.protocol.agent.AgentOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;

/**
 * A real sidecar for unit tests, in this JVM: the protocol's Java agent on a temporary volume,
 * running {@code sh <script>} per request, and the client {@link Volume} that a local[2]
 * SparkSession's tasks (threads of this JVM) reach through {@link #source()}. The script gets the
 * request's inputs under {@code in/} and writes outputs under {@code out/} (PROTOCOL.md 5.6).
 */
final class LocalSidecar implements AutoCloseable {
  private static final ConcurrentHashMap<String, LocalSidecar> OPEN = new ConcurrentHashMap<>();
  private static final AtomicInteger IDS = new AtomicInteger();
  private static SparkSession spark;

  private final String id = "local-" + IDS.incrementAndGet();
  private final Agent agent;
  private final Thread agentThread;
  private final Volume volume;
  final AtomicInteger handoffs = new AtomicInteger();

  /** {@code script}: a POSIX sh script run in the request directory. */
  LocalSidecar(Path dir, String script) throws IOException {
    Path scriptFile = dir.resolve("sidecar.sh");
    Files.writeString(scriptFile, script);
    Path vol = Files.createDirectories(dir.resolve("volume"));
    agent = new Agent(new AgentOptions(vol, 2, false, false, Duration.ofSeconds(60), Duration.ofMillis(500),
        List.of("sh", scriptFile.toString())));
    agentThread = new Thread(() -> {
      try {
        agent.run();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "test-agent-" + id);
    agentThread.setDaemon(true);
    agentThread.start();
    volume = Volume.open(vol);
    volume.awaitAgent(Duration.ofSeconds(20));
    OPEN.put(id, this);
  }

  /** Opens hand-offs on this sidecar from tasks of the local session (serializable: only the id travels). */
  PartitionHandoff.Source source() {
    String key = id;
    return () -> {
      LocalSidecar s = OPEN.get(key);
      if (s == null) {
        throw new IllegalStateException("the local sidecar " + key + " is closed");
      }
      s.handoffs.incrementAndGet();
      Handoff h = s.volume.newHandoff();
      return h;
    };
  }

  /** One local[2] session for every test class of this JVM (stopped by Spark's shutdown hook). */
  static synchronized SparkSession spark() {
    if (spark == null) {
      spark = SparkSession.builder().master("local[2]").appName("sidecar-frames-test")
          .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
          .config("spark.sql.session.timeZone", "UTC").getOrCreate();
    }
    return spark;
  }

  @Override
  public void close() throws InterruptedException {
    OPEN.remove(id);
    try {
      volume.close();
    } finally {
      agent.stop("the test is over");
      agentThread.join(10_000);
      agent.close();
    }
  }
}
