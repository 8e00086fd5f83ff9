package io.sparksidecar.it;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The README's first command: a fruit count through sidecars on an embedded Spark cluster (a
 * Master, two Workers and two executor JVMs from Maven jars). Each partition is handed to its
 * executor's sidecar, which drops "Unknown" and counts with sort | uniq -c; the counts are merged
 * with reduceByKey and checked against Spark's own count. With a Docker engine and the
 * fruit-count image the sidecars are containers; otherwise (only a JDK and Maven) the same command
 * runs as a local process through the Java protocol agent.
 */
public final class FruitCountDemo {
  private static final String COUNT = "sh -c 'grep -v \"^Unknown$\" in/fruit.txt | sort | uniq -c > out/counts.txt'";

  public static void main(String[] args) {
    String wanted = System.getProperty("demo.runtime", "auto"); // auto, docker or process
    boolean docker = wanted.equals("docker") || (wanted.equals("auto") && dockerImagePresent("spark-sidecar/fruit-count:1"));
    Map<String, String> conf = docker
        ? Map.of("spark.sidecar.runtime", "docker", "spark.sidecar.image", "spark-sidecar/fruit-count:1", "spark.sidecar.protocol", "v1")
        : Map.of("spark.sidecar.runtime", "process", "spark.sidecar.command", COUNT, "spark.sidecar.protocol", "v1");
    System.out.println("spark-sidecar demo: " + (docker ? "docker runtime, image spark-sidecar/fruit-count:1"
        : "process runtime (no Docker engine with the fruit-count image here)"));
    String[] fruit = {"apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "Unknown"};
    List<String> lines = new ArrayList<>();
    Random random = new Random(2026);
    for (int i = 0; i < 1_000_000; i++) {
      lines.add(fruit[random.nextInt(fruit.length)]);
    }
    long t0 = System.nanoTime();
    try (JavaSparkContext sc = LocalCluster.start("fruit-count-demo", conf)) {
      var words = sc.parallelize(lines, 4);
      Map<String, Long> counts = new TreeMap<>(words.mapPartitionsToPair(FruitCount::viaSidecar)
          .reduceByKey(Long::sum).collectAsMap());
      Map<String, Long> spark = new TreeMap<>(words.filter(w -> !w.equals("Unknown")).mapToPair(w -> new Tuple2<>(w, 1L))
          .reduceByKey(Long::sum).collectAsMap());
      System.out.printf("%nfruit counted by the sidecars (1,000,000 lines, 'Unknown' dropped), %d ms:%n",
          (System.nanoTime() - t0) / 1_000_000);
      counts.forEach((f, n) -> System.out.printf("  %-12s %,9d%n", f, n));
      System.out.println(counts.equals(spark) ? "equal to Spark's own reduceByKey count." : "DIFFERENT from Spark's count: " + spark);
      System.out.println("\ndriver's sidecar status:");
      System.out.print(SidecarDriverPlugin.statusReport());
      if (!counts.equals(spark)) {
        System.exit(1);
      }
    }
  }

  /** True when a Docker engine answers here and has the image (images/build.sh builds it). */
  static boolean dockerImagePresent(String image) {
    try {
      return LocalCluster.docker("image", "inspect", "--format", "ok", image).equals("ok");
    } catch (RuntimeException noDockerCli) {
      return false;
    }
  }

  private FruitCountDemo() {}
}
