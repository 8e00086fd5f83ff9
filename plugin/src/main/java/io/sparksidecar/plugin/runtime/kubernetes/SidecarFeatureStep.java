package io.sparksidecar.plugin.runtime.kubernetes;

import io.sparksidecar.plugin.SidecarException;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesExecutorConf;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.deploy.k8s.features.KubernetesExecutorCustomFeatureConfigStep;
import scala.Tuple2;

/**
 * Spark's executor-pod hook: with
 * {@code spark.kubernetes.executor.pod.featureSteps=io.sparksidecar.plugin.runtime.kubernetes.SidecarFeatureStep}
 * Spark's {@code KubernetesExecutorBuilder} runs it after its own steps (and after a pod template
 * was loaded) for every executor pod it builds, on the driver's pod-allocation thread. It adds the
 * sidecar from the {@code spark.sidecar.*} keys (see {@link SidecarPodSpec}): a native sidecar or a
 * regular container, one {@code emptyDir} per shared volume mounted in both containers, the same
 * hardening and resources as the docker runtime, the sh agent for {@code protocol=v1}. It keeps
 * everything Spark and the template built and never changes the executor container's image or
 * command.
 *
 * <p>The spec is resolved once per application conf and cached, so a pod costs only the patch
 * (well under a millisecond). Bad settings throw {@link SidecarException} naming the key and the
 * value; the driver plugin runs the same checks at driver start, so they fail the application
 * there before any pod is built. Works unchanged on Spark 4.x (fabric8 7.x) and 3.5 (fabric8 6.x).
 */
public final class SidecarFeatureStep implements KubernetesExecutorCustomFeatureConfigStep {
  private static volatile Cached cached;

  private KubernetesExecutorConf conf;
  private SidecarPodSpec spec;

  private record Cached(Map<String, String> key, SidecarPodSpec spec) {}

  /** Spark instantiates the step with this constructor, once per executor pod. */
  public SidecarFeatureStep() {}

  /** Called by Spark before {@link #configurePod}; resolves (or reuses) the application's spec. */
  @Override
  public void init(KubernetesExecutorConf conf) {
    this.conf = conf;
    this.spec = spec(conf.sparkConf());
  }

  /** Adds the sidecar to {@code pod}; returns the same pod and executor container, patched. */
  @Override
  public SparkPod configurePod(SparkPod pod) {
    if (spec == null) {
      throw new SidecarException("SidecarFeatureStep.configurePod called before init: Spark runs custom executor steps"
          + " through init(KubernetesExecutorConf); list it in spark.kubernetes.executor.pod.featureSteps");
    }
    SidecarPodPatch.apply(spec, pod.pod(), pod.container(), conf.appId(), conf.executorId());
    return new SparkPod(pod.pod(), pod.container());
  }

  private static SidecarPodSpec spec(SparkConf sparkConf) {
    Map<String, String> all = new HashMap<>();
    for (Tuple2<String, String> kv : sparkConf.getAll()) {
      all.put(kv._1(), kv._2());
    }
    Map<String, String> key = KubernetesChecks.relevant(all);
    Cached c = cached;
    if (c != null && c.key().equals(key)) {
      return c.spec();
    }
    long networkTimeoutMs = sparkConf.getTimeAsMs("spark.network.timeout", "120s"); // Spark's own parser
    SidecarPodSpec spec = SidecarPodSpecs.resolve(all, networkTimeoutMs, NativeSidecars.decide(all));
    cached = new Cached(key, spec);
    return spec;
  }
}
