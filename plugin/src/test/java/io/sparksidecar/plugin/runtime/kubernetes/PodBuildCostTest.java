package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the step adds to building one executor pod on the driver: Spark's builder with and without
 * it, interleaved in one run (target: under 5 ms per executor). Prints the numbers.
 */
class PodBuildCostTest {

  @Test
  void underFiveMillisecondsPerExecutor() {
    Map<String, String> with = SparkPods.conf("spark.sidecar.protocol", "v1", "spark.sidecar.command", "run.sh",
        "spark.sidecar.resourceProfile", "MEDIUM_CPU_MEDIUM_MEMORY_SMALL_SHARED_MEMORY", "spark.sidecar.ports", "1234");
    Map<String, String> without = new java.util.LinkedHashMap<>(with);
    without.put(KubernetesChecks.FEATURE_STEPS, "");
    for (int i = 0; i < 60; i++) { // warm-up
      SparkPods.build(with);
      SparkPods.build(without);
    }
    int rounds = 150;
    long withNs = 0;
    long withoutNs = 0;
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      SparkPods.build(with);
      long t1 = System.nanoTime();
      SparkPods.build(without);
      withNs += t1 - t0;
      withoutNs += System.nanoTime() - t1;
    }
    double withMs = withNs / 1e6 / rounds;
    double withoutMs = withoutNs / 1e6 / rounds;
    double addedMs = withMs - withoutMs;
    System.out.printf("spark-sidecar pod build cost: Spark's builder %.3f ms/pod without the step, %.3f ms/pod with it:"
        + " %.3f ms added per executor (%d pods each)%n", withoutMs, withMs, addedMs, rounds);
    assertThat(addedMs).isLessThan(5.0);

    // the step alone (init + configurePod) on pods Spark built without it: what the difference above measures, less noisy
    org.apache.spark.SparkConf sparkConf = new org.apache.spark.SparkConf(false);
    with.forEach(sparkConf::set);
    org.apache.spark.deploy.k8s.KubernetesExecutorConf conf = org.apache.spark.deploy.k8s.KubernetesConf.createExecutorConf(
        sparkConf, "7", "spark-0001", scala.Option.empty(), 0);
    org.apache.spark.deploy.k8s.SparkPod[] pods = new org.apache.spark.deploy.k8s.SparkPod[rounds];
    for (int i = 0; i < rounds; i++) {
      pods[i] = SparkPods.build(without);
    }
    long t0 = System.nanoTime();
    for (org.apache.spark.deploy.k8s.SparkPod pod : pods) {
      SidecarFeatureStep step = new SidecarFeatureStep();
      step.init(conf);
      step.configurePod(pod);
    }
    double stepMs = (System.nanoTime() - t0) / 1e6 / rounds;
    System.out.printf("spark-sidecar pod build cost: the step alone (init + configurePod) %.3f ms per executor%n", stepMs);
    assertThat(stepMs).isLessThan(5.0);
  }
}
