package io.sparksidecar.plugin.runtime.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.sparksidecar.plugin.config.SidecarKeys;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides {@code spark.sidecar.kubernetes.nativeSidecar}: {@code true}/{@code false} as given;
 * {@code auto} reads the API server's version once per master URL and JVM ({@code GET /version},
 * which Kubernetes serves to every client, authenticated or not, through the
 * {@code system:public-info-viewer} role) and answers native from 1.29 on, where native sidecars
 * are on by default; below 1.29 a regular container. When the version cannot be read within
 * about 2 s (no route, refused, odd answer) it answers native: every Kubernetes release still
 * maintained upstream has them, and the driver logs that it guessed. Runs on the driver, on
 * whichever thread builds executor pods; blocks at most once per master for that bounded call.
 */
final class NativeSidecars {
  private static final Logger LOG = LoggerFactory.getLogger(NativeSidecars.class);
  private static final Map<String, Boolean> BY_MASTER = new ConcurrentHashMap<>();

  private NativeSidecars() {}

  /** The decision for this conf ({@code spark.master} is {@code k8s://...}); never throws. */
  static boolean decide(Map<String, String> sparkConf) {
    String mode = SidecarKeys.K8S_NATIVE_SIDECAR.get(sparkConf);
    if (!mode.equals("auto")) {
      return mode.equals("true");
    }
    String master = apiServer(sparkConf.getOrDefault("spark.master", ""));
    return BY_MASTER.computeIfAbsent(master, m -> {
      Optional<int[]> version = serverVersion(m);
      boolean nativeSidecar = version.map(v -> supports(v[0], v[1])).orElse(true);
      if (version.isPresent()) {
        LOG.info("spark-sidecar: Kubernetes {}.{} at {}: the sidecar is a{}", version.get()[0], version.get()[1], m,
            nativeSidecar ? " native sidecar (init container, restartPolicy Always)" : " regular container (no native sidecars before 1.29)");
      } else {
        LOG.warn("spark-sidecar: cannot read the Kubernetes version of {}; assuming native sidecars (1.29+). Set {} to"
            + " true or false to decide yourself", m, SidecarKeys.K8S_NATIVE_SIDECAR.name());
      }
      return nativeSidecar;
    });
  }

  /** Native sidecars are on by default from 1.29 (beta, SidecarContainers gate). */
  static boolean supports(int major, int minor) {
    return major > 1 || (major == 1 && minor >= 29);
  }

  /** "k8s://https://h:6443" → "https://h:6443"; "k8s://h:6443" → "https://h:6443" (Spark's reading). */
  static String apiServer(String sparkMaster) {
    String url = sparkMaster.startsWith("k8s://") ? sparkMaster.substring("k8s://".length()) : sparkMaster;
    return url.startsWith("http://") || url.startsWith("https://") ? url : "https://" + url;
  }

  /** {major, minor} of the API server, or empty when it cannot be read within ~2 s. */
  static Optional<int[]> serverVersion(String apiServer) {
    Config config = Config.autoConfigure(null); // in-cluster service account, else kubeconfig, as fabric8 finds them
    config.setMasterUrl(apiServer);
    // int parameters on fabric8 6.x, Integer on 7.x: the same class file must link on both, so by name
    set(config, "setConnectionTimeout", 2000);
    set(config, "setRequestTimeout", 2000);
    set(config, "setRequestRetryBackoffLimit", 0);
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      VersionInfo v = client.getKubernetesVersion();
      return Optional.of(new int[] {number(v.getMajor()), number(v.getMinor())});
    } catch (RuntimeException e) {
      LOG.debug("spark-sidecar: GET {}/version failed", apiServer, e);
      return Optional.empty();
    }
  }

  private static void set(Config config, String setter, int value) {
    for (java.lang.reflect.Method m : Config.class.getMethods()) {
      if (m.getName().equals(setter) && m.getParameterCount() == 1
          && (m.getParameterTypes()[0] == int.class || m.getParameterTypes()[0] == Integer.class)) {
        try {
          m.invoke(config, value);
        } catch (ReflectiveOperationException e) {
          LOG.debug("spark-sidecar: cannot call Config.{}", setter, e);
        }
        return;
      }
    }
  }

  /** "29+" (as some providers report the minor) → 29. */
  private static int number(String raw) {
    return Integer.parseInt(raw.replaceAll("[^0-9].*$", ""));
  }
}
