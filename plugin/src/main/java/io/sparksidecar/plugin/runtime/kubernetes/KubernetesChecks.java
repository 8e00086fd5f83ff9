package io.sparksidecar.plugin.runtime.kubernetes;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The driver-start checks of the Kubernetes runtime: what {@link SidecarFeatureStep} would refuse
 * when it builds the first executor pod, refused at driver start instead, naming the key and the
 * value. Uses no Spark or fabric8 type; called by the driver plugin on its {@code init} thread
 * when {@code spark.master} starts with {@code k8s://}. Does not block (no API call).
 */
public final class KubernetesChecks {
  /** Spark's key listing custom executor feature steps. */
  public static final String FEATURE_STEPS = "spark.kubernetes.executor.pod.featureSteps";

  private KubernetesChecks() {}

  /** True when {@code sparkMaster} is a Kubernetes master URL. */
  public static boolean isKubernetes(String sparkMaster) {
    return sparkMaster != null && sparkMaster.startsWith("k8s://");
  }

  /**
   * Checks the whole Spark conf of an application on Kubernetes.
   *
   * @param sparkConf        every entry of the Spark conf
   * @param networkTimeoutMs {@code spark.network.timeout} as Spark parsed it
   * @throws SidecarException when the feature step is not configured, or a setting the pod
   *                          needs is bad: naming the key and the value
   */
  public static void atDriverStart(Map<String, String> sparkConf, long networkTimeoutMs) {
    String steps = sparkConf.getOrDefault(FEATURE_STEPS, "");
    String step = SidecarFeatureStep.class.getName();
    if (Arrays.stream(steps.split(",")).map(String::trim).noneMatch(step::equals)) {
      throw new SidecarException((steps.isBlank() ? FEATURE_STEPS + " is not set" : "invalid value '" + steps + "' for "
          + FEATURE_STEPS + ": it does not list " + step) + ". On Kubernetes the sidecar is added to executor pods by that step:"
          + " add --conf " + FEATURE_STEPS + "=" + step + (steps.isBlank() ? "" : "," + steps.trim()));
    }
    String protocol = SidecarKeys.PROTOCOL.get(sparkConf);
    if (protocol.equals("legacy") && SidecarKeys.COMMAND.get(sparkConf).isEmpty()) {
      // a legacy container exits after every hand-off; in a pod the legacy loop runs the image's
      // command again in place, and a pod spec cannot name "the image's entrypoint" without a
      // registry to read it from: the user names it
      throw new SidecarException(SidecarKeys.COMMAND.name() + " is required with " + SidecarKeys.PROTOCOL.name()
          + "=legacy on Kubernetes: a legacy-convention image exits after each hand-off, so the pod runs its command in a"
          + " loop, once per hand-off, and must know that command. Set it to the image's ENTRYPOINT and CMD, e.g. from"
          + " docker image inspect -f '{{.Config.Entrypoint}} {{.Config.Cmd}}' <image>");
    }
    String mode = SidecarKeys.K8S_NATIVE_SIDECAR.get(sparkConf); // the value is checked; the decision (maybe an API call) waits for the first pod
    SidecarPodSpecs.resolve(sparkConf, networkTimeoutMs, !mode.equals("false"));
  }

  /** The entries a pod spec depends on: the cache key of the feature step. */
  static Map<String, String> relevant(Map<String, String> sparkConf) {
    Map<String, String> out = new TreeMap<>();
    sparkConf.forEach((k, v) -> {
      if (k.startsWith(SidecarKeys.PREFIX) || k.equals("spark.master") || k.equals("spark.network.timeout")
          || k.equals(SidecarPodSpecs.BLOCK_MANAGER_PORT)) {
        out.put(k, v);
      }
    });
    return out;
  }
}
