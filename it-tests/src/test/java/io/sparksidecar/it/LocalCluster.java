package io.sparksidecar.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A real Spark cluster in one call: local-cluster[2,1,1024] runs a Master and two Workers in this
 * JVM and every executor as a separate JVM (SPARK_HOME is the fake one failsafe points at). The
 * plugin reaches executors through spark.jars, exactly as users ship it.
 */
final class LocalCluster {
  private LocalCluster() {}

  static JavaSparkContext start(String name, Map<String, String> sidecar) {
    return start(name, sidecar, "local-cluster[2,1,1024]");
  }

  static JavaSparkContext start(String name, Map<String, String> sidecar, String master) {
    SparkConf conf = new SparkConf()
        .setMaster(master)
        .setAppName(name)
        .set("spark.executor.memory", "512m")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.scheduler.minRegisteredResourcesRatio", "1.0") // schedule only once every executor is there
        .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s")
        .set("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin")
        // the plugin and the task code of these tests travel as users ship theirs: as jars
        .set("spark.jars", System.getProperty("sidecar.jar") + "," + taskJar())
        .set("spark.sidecar.stopTimeout", "2s")
        .set("spark.sidecar.health.interval", "1s");
    sidecar.forEach(conf::set);
    if (sidecar.containsKey("spark.plugins") && sidecar.get("spark.plugins").isEmpty()) {
      conf.remove("spark.plugins"); // a cluster without the plugin, for comparisons
    }
    // a previous test's application may still be stopping on another thread (the driver plugin stops
    // an application whose sidecar failed for good in the background): wait for it, bounded
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        return new JavaSparkContext(conf);
      } catch (Exception e) { // Scala's SparkException is checked in Java but not declared
        boolean busy = e instanceof org.apache.spark.SparkException
            && String.valueOf(e.getMessage()).contains("Only one SparkContext");
        if (!busy || System.currentTimeMillis() > deadline) {
          if (e instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(e);
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static String taskJar;

  /** The test classes (the tasks' lambdas) packed into a jar once. */
  static synchronized String taskJar() {
    if (taskJar == null) {
      Path classes = Path.of(System.getProperty("sidecar.testClasses"));
      Path jar = classes.resolveSibling("it-tasks.jar");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, out);
          out.closeEntry();
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot pack " + classes, e);
      }
      taskJar = jar.toString();
    }
    return taskJar;
  }

  /** The docker CLI, to look at containers from the outside. */
  static String docker(String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "docker";
    System.arraycopy(args, 0, argv, 1, args.length);
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Our containers of one application (label io.sparksidecar.app). */
  static int containersOf(String appId) {
    String out = docker("ps", "-aq", "--filter", "label=io.sparksidecar.app=" + appId);
    return out.isEmpty() ? 0 : out.split("\\s+").length;
  }

  static void awaitNoContainers(String appId, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (containersOf(appId) > 0) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(containersOf(appId) + " container(s) of " + appId + " left after " + millis + " ms");
      }
      Thread.sleep(250);
    }
  }
}
