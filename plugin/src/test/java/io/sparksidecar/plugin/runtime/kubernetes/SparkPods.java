package io.sparksidecar.plugin.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SecurityManager;
import org.apache.spark.SecurityManager$;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesConf;
import org.apache.spark.deploy.k8s.KubernetesExecutorConf;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.resource.ResourceProfile$;
import org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBuilder;
import scala.Option;

/**
 * Builds executor pods the way a Spark driver on Kubernetes does: through Spark's own
 * {@code KubernetesExecutorBuilder.buildFromFeatures}, with its built-in steps, the pod template
 * (when one is given) and the custom steps of {@code spark.kubernetes.executor.pod.featureSteps}.
 * No cluster: a pod template is parsed by a fabric8 client that never connects.
 */
final class SparkPods {
  static final String STEP = SidecarFeatureStep.class.getName();

  private SparkPods() {}

  /** A minimal application conf on Kubernetes with the sidecar step configured, plus {@code extra}. */
  static Map<String, String> conf(String... extra) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.master", "k8s://https://127.0.0.1:6443");
    conf.put("spark.app.name", "pods");
    conf.put("spark.app.id", "spark-0001");
    conf.put("spark.kubernetes.container.image", "apache/spark:test");
    conf.put("spark.kubernetes.executor.podNamePrefix", "pods");
    conf.put("spark.kubernetes.namespace", "default");
    conf.put("spark.local.dir", "/var/data/spark-local"); // else Spark picks a random local dir per pod
    conf.put(KubernetesChecks.FEATURE_STEPS, STEP);
    conf.put("spark.sidecar.image", "sidecar:1");
    conf.put("spark.sidecar.user", "5001");
    conf.put("spark.sidecar.kubernetes.nativeSidecar", "true");
    for (int i = 0; i + 1 < extra.length; i += 2) {
      if (extra[i + 1] == null) {
        conf.remove(extra[i]);
      } else {
        conf.put(extra[i], extra[i + 1]);
      }
    }
    return conf;
  }

  /** The executor pod (pod and executor container, as Spark keeps them apart until it submits) for executor "1". */
  static SparkPod build(Map<String, String> conf) {
    SparkConf sparkConf = new SparkConf(false);
    conf.forEach(sparkConf::set);
    KubernetesExecutorConf executorConf = KubernetesConf.createExecutorConf(sparkConf, "1", conf.get("spark.app.id"),
        Option.empty(), 0);
    SecurityManager secMgr = new SecurityManager(sparkConf, SecurityManager$.MODULE$.$lessinit$greater$default$2(),
        SecurityManager$.MODULE$.$lessinit$greater$default$3());
    KubernetesClient client = conf.containsKey("spark.kubernetes.executor.podTemplateFile") ? CLIENT : null;
    return new KubernetesExecutorBuilder().buildFromFeatures(executorConf, secMgr, client,
        ResourceProfile$.MODULE$.getOrCreateDefaultProfile(sparkConf)).pod();
  }

  /** A client that only parses templates (it is never asked to reach a server). */
  private static final KubernetesClient CLIENT = new KubernetesClientBuilder().build();

  /** Writes a pod template to a file and returns its path. */
  static String template(Path dir, String yaml) throws java.io.IOException {
    Path file = dir.resolve("template-" + System.nanoTime() + ".yaml");
    Files.writeString(file, yaml);
    return file.toString();
  }

  /** The sidecar container, wherever it is. */
  static Container sidecar(SparkPod pod) {
    return java.util.stream.Stream.concat(pod.pod().getSpec().getInitContainers().stream(),
            pod.pod().getSpec().getContainers().stream())
        .filter(c -> c.getName().equals(SidecarPodSpec.CONTAINER_NAME)).findFirst().orElseThrow();
  }

  /** The pod Spark submits: the executor container appended to the pod's containers, as JSON. */
  static String submittedJson(SparkPod pod) {
    Pod copy = Serialization.clone(pod.pod());
    copy.getSpec().getContainers().add(pod.container());
    return Serialization.asJson(copy);
  }
}
