package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sparksidecar.plugin.SidecarException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.deploy.k8s.SparkPod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executor pods built by Spark's own {@code KubernetesExecutorBuilder} (its built-in steps, pod
 * templates, custom steps) with and without the sidecar step: what the step adds, and that it
 * keeps everything else.
 */
class SidecarFeatureStepTest {
  @TempDir
  Path tmp;

  private static final String TEMPLATE = """
      apiVersion: v1
      kind: Pod
      metadata:
        labels: {team: data}
      spec:
        initContainers:
          - name: fetch
            image: busybox:1
            command: [sh, -c, "true"]
        containers:
          - name: log-shipper
            image: shipper:2
            ports: [{containerPort: 9000}]
          - name: main
            image: ignored-by-spark:0
            volumeMounts: [{name: cache, mountPath: /cache}]
        volumes:
          - name: cache
            emptyDir: {}
      """;

  @Test
  void nativeSidecarIsTheLastInitContainerWithRestartPolicyAlwaysAndAStartupProbe() {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.sidecar.ports", "1234,1235"));
    List<Container> init = pod.pod().getSpec().getInitContainers();
    Container sidecar = init.get(init.size() - 1);
    assertThat(sidecar.getName()).isEqualTo("spark-sidecar");
    assertThat(sidecar.getImage()).isEqualTo("sidecar:1");
    assertThat(SidecarPodPatch.restartPolicy(sidecar)).isEqualTo("Always");
    assertThat(sidecar.getStartupProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(1234);
    assertThat(sidecar.getStartupProbe().getPeriodSeconds()).isEqualTo(1);
    assertThat(sidecar.getStartupProbe().getFailureThreshold()).isEqualTo(60); // readiness.timeout 60s
    assertThat(sidecar.getReadinessProbe()).isNull();
    assertThat(sidecar.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(1234, 1235);
    assertThat(sidecar.getPorts()).allSatisfy(p -> assertThat(p.getHostPort()).isNull());
    assertThat(pod.pod().getSpec().getContainers()).extracting(Container::getName).doesNotContain("spark-sidecar");
    // what the API server receives: restartPolicy once, on the sidecar only
    String json = SparkPods.submittedJson(pod);
    assertThat(json.split("\"restartPolicy\":\"Always\"", -1)).hasSize(2);
  }

  @Test
  void hardenedAsOnDocker() {
    Container sidecar = SparkPods.sidecar(SparkPods.build(SparkPods.conf("spark.sidecar.user", "5001:6001")));
    var sc = sidecar.getSecurityContext();
    assertThat(sc.getRunAsUser()).isEqualTo(5001L);
    assertThat(sc.getRunAsGroup()).isEqualTo(6001L);
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
  }

  @Test
  void withoutAUserTheKubeletChecksTheImageUser() {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.sidecar.user", null));
    var sc = SparkPods.sidecar(pod).getSecurityContext();
    assertThat(sc.getRunAsUser()).isNull();
    assertThat(sc.getRunAsNonRoot()).isTrue(); // the kubelet refuses a root or named image user
    assertThat(pod.pod().getSpec().getSecurityContext() == null || pod.pod().getSpec().getSecurityContext().getFsGroup() == null).isTrue();
  }

  @Test
  void regularContainerWhenNativeSidecarsAreOff() {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.sidecar.kubernetes.nativeSidecar", "false", "spark.sidecar.ports", "1234",
        "spark.sidecar.readiness", "http", "spark.sidecar.readiness.path", "/health"));
    assertThat(pod.pod().getSpec().getInitContainers()).extracting(Container::getName).doesNotContain("spark-sidecar");
    Container sidecar = pod.pod().getSpec().getContainers().get(pod.pod().getSpec().getContainers().size() - 1);
    assertThat(sidecar.getName()).isEqualTo("spark-sidecar");
    assertThat(SidecarPodPatch.restartPolicy(sidecar)).isNull();
    assertThat(sidecar.getStartupProbe()).isNull(); // it would kill the sidecar for good in a restartPolicy Never pod
    assertThat(sidecar.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health");
    assertThat(SparkPods.submittedJson(pod)).doesNotContain("\"restartPolicy\":\"Always\"");
  }

  @Test
  void sharedVolumesAreEmptyDirsMountedInBothContainersAtTheDockerPaths() {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.sidecar.volumes", "in,out", "spark.sidecar.kubernetes.volumes.medium", "Memory",
        "spark.sidecar.kubernetes.volumes.sizeLimit", "512m"));
    for (String name : List.of("in", "out")) {
      Volume v = volume(pod.pod().getSpec(), "spark-sidecar-" + name);
      assertThat(v.getEmptyDir().getMedium()).isEqualTo("Memory");
      assertThat(v.getEmptyDir().getSizeLimit().toString()).isEqualTo("512Mi");
      String path = "/opt/sidecar/shared-volumes/" + name;
      assertThat(mountPath(pod.container(), "spark-sidecar-" + name)).isEqualTo(path);
      assertThat(mountPath(SparkPods.sidecar(pod), "spark-sidecar-" + name)).isEqualTo(path);
    }
    assertThat(SparkPods.sidecar(pod).getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
        .contains("SIDECAR_VOLUME_IN=/opt/sidecar/shared-volumes/in", "SIDECAR_VOLUME_OUT=/opt/sidecar/shared-volumes/out",
            "SIDECAR_APP_ID=spark-0001", "SIDECAR_EXECUTOR_ID=1");
    assertThat(pod.pod().getSpec().getSecurityContext().getFsGroup()).isEqualTo(5001L);
  }

  @Test
  void keepsEverythingSparkBuiltAndNeverTouchesTheExecutorsImageOrCommand() {
    Map<String, String> conf = SparkPods.conf("spark.sidecar.ports", "1234");
    SparkPod with = SparkPods.build(conf);
    conf.put(KubernetesChecks.FEATURE_STEPS, "");
    SparkPod without = SparkPods.build(conf);
    assertThat(with.pod().getMetadata()).isEqualTo(without.pod().getMetadata());
    Container executor = Serialization.clone(with.container());
    executor.getVolumeMounts().removeIf(m -> m.getName().startsWith("spark-sidecar-"));
    assertThat(executor).isEqualTo(without.container());
    PodSpec spec = Serialization.clone(with.pod().getSpec());
    spec.getInitContainers().removeIf(c -> c.getName().equals("spark-sidecar"));
    spec.getVolumes().removeIf(v -> v.getName().startsWith("spark-sidecar-"));
    spec.setSecurityContext(without.pod().getSpec().getSecurityContext());
    assertThat(spec).isEqualTo(without.pod().getSpec());
  }

  @Test
  void podTemplateWithoutContainerNameSparkTakesTheFirstContainerAndEverythingIsKept() throws Exception {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.kubernetes.executor.podTemplateFile", SparkPods.template(tmp, TEMPLATE)));
    assertThat(pod.container().getName()).isEqualTo("log-shipper"); // Spark's choice (the first), not ours
    assertThat(pod.container().getImage()).isEqualTo("apache/spark:test");
    assertThat(mountPath(pod.container(), "spark-sidecar-shared")).isEqualTo("/opt/sidecar/shared-volumes/shared");
    assertThat(pod.pod().getSpec().getInitContainers()).extracting(Container::getName).containsExactly("fetch", "spark-sidecar");
    assertThat(pod.pod().getSpec().getContainers()).extracting(Container::getName).containsExactly("main");
    assertThat(pod.pod().getSpec().getVolumes()).extracting(Volume::getName).contains("cache", "spark-sidecar-shared");
    assertThat(pod.pod().getMetadata().getLabels()).containsEntry("team", "data");
  }

  @Test
  void podTemplateContainerNameSelectsTheContainerThatGetsTheMounts() throws Exception {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.kubernetes.executor.podTemplateFile", SparkPods.template(tmp, TEMPLATE),
        "spark.kubernetes.executor.podTemplateContainerName", "main"));
    assertThat(pod.container().getName()).isEqualTo("main");
    assertThat(pod.container().getVolumeMounts()).extracting(VolumeMount::getName).containsExactly("cache",
        "spark-conf-volume-exec", "spark-local-dir-1", "spark-sidecar-shared");
    Container shipper = pod.pod().getSpec().getContainers().get(0);
    assertThat(shipper.getName()).isEqualTo("log-shipper");
    assertThat(shipper.getVolumeMounts()).isNullOrEmpty(); // only the executor shares the volumes
    assertThat(pod.pod().getSpec().getInitContainers()).extracting(Container::getName).containsExactly("fetch", "spark-sidecar");
  }

  @Test
  void aPortOfAnotherContainerOfTheTemplateIsRefusedNamingTheKey() throws Exception {
    Map<String, String> conf = SparkPods.conf("spark.kubernetes.executor.podTemplateFile", SparkPods.template(tmp, TEMPLATE),
        "spark.kubernetes.executor.podTemplateContainerName", "main", "spark.sidecar.ports", "9000");
    assertThatThrownBy(() -> SparkPods.build(conf)).isInstanceOf(SidecarException.class)
        .hasMessageContaining("spark.sidecar.ports").hasMessageContaining("'9000'").hasMessageContaining("log-shipper");
  }

  @Test
  void theStepListedTwiceIsRefused() {
    Map<String, String> conf = SparkPods.conf(KubernetesChecks.FEATURE_STEPS, SparkPods.STEP + "," + SparkPods.STEP);
    assertThatThrownBy(() -> SparkPods.build(conf)).isInstanceOf(SidecarException.class).hasMessageContaining("listed twice");
  }

  static Volume volume(PodSpec spec, String name) {
    return spec.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
  }

  static String mountPath(Container c, String volume) {
    return c.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).map(VolumeMount::getMountPath).findFirst()
        .orElseThrow(() -> new AssertionError(c.getName() + " does not mount " + volume));
  }
}
