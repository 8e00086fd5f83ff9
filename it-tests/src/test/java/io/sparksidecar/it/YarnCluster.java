package io.sparksidecar.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A real YARN in this JVM: Hadoop's MiniYARNCluster (one ResourceManager, one NodeManager running
 * containers as local processes with the DefaultContainerExecutor), and client-mode Spark
 * applications on it whose ApplicationMaster and executors are YARN containers, run from the jars
 * of the fake SPARK_HOME ({@code spark.yarn.jars=local:...}). The plugin reaches executors through
 * {@code spark.jars}, as users ship it.
 */
final class YarnCluster implements AutoCloseable {
  private final MiniYARNCluster yarn;
  private final Path staging;

  YarnCluster(Path work) throws Exception {
    YarnConfiguration conf = new YarnConfiguration();
    conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
    conf.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
    conf.setInt("yarn.nodemanager.resource.memory-mb", 6144);
    conf.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
    conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
    conf.setFloat("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", 99.9f);
    // one queue (no capacity-scheduler.xml on this classpath)
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
    conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
    conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
    conf.set("yarn.nodemanager.local-dirs", Files.createDirectories(work.resolve("nm-local")).toString());
    conf.set("yarn.nodemanager.log-dirs", Files.createDirectories(work.resolve("nm-logs")).toString());
    staging = Files.createDirectories(work.resolve("staging"));
    yarn = new MiniYARNCluster("spark-sidecar", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (yarn.getResourceManager().getRMContext().getRMNodes().isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("no NodeManager registered with the ResourceManager within 60 s");
      }
      Thread.sleep(100);
    }
  }

  /** The NodeManager's container log directory (each container's stdout/stderr). */
  Path logDir() {
    return Path.of(yarn.getConfig().get("yarn.nodemanager.log-dirs").split(",")[0]);
  }

  JavaSparkContext start(String name, int executors, Map<String, String> sidecar) {
    SparkConf conf = new SparkConf()
        .setMaster("yarn")
        .set("spark.submit.deployMode", "client")
        .setAppName(name)
        .set("spark.executor.instances", String.valueOf(executors))
        .set("spark.executor.cores", "1")
        .set("spark.executor.memory", "512m")
        .set("spark.executor.memoryOverhead", "256m")
        .set("spark.yarn.am.memory", "256m")
        .set("spark.yarn.am.memoryOverhead", "256m")
        .set("spark.yarn.jars", "local:" + Path.of(System.getenv("SPARK_HOME"), "jars", "*"))
        .set("spark.yarn.stagingDir", staging.toUri().toString())
        .set("spark.yarn.am.waitTime", "60s")
        .set("spark.yarn.scheduler.heartbeat.interval-ms", "1000") // the AM asks the RM (container releases) every second
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.scheduler.minRegisteredResourcesRatio", "1.0") // schedule only once every executor is there
        .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "90s")
        .set("spark.plugins", "io.sparksidecar.plugin.SidecarPlugin")
        .set("spark.jars", System.getProperty("sidecar.jar") + "," + LocalCluster.taskJar())
        .set("spark.sidecar.stopTimeout", "2s")
        .set("spark.sidecar.health.interval", "1s");
    // the ResourceManager's addresses (ephemeral ports) and the rest of the cluster's configuration
    for (Map.Entry<String, String> e : yarn.getConfig()) {
      conf.set("spark.hadoop." + e.getKey(), e.getValue());
    }
    sidecar.forEach(conf::set);
    return new JavaSparkContext(conf);
  }

  @Override
  public void close() {
    yarn.stop();
  }
}
