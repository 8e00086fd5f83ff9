package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.deploy.k8s.SparkPod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Requests and limits of the sidecar from the resource profiles and explicit keys, in pods Spark's builder built. */
class SidecarPodResourcesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      // profile,                                     cpu, memory, shm,  gpu
      "SMALL_CPU_SMALL_MEMORY,                         1,  3Gi,    '',   0",
      "MEDIUM_CPU_MEDIUM_MEMORY,                       2,  6Gi,    '',   0",
      "MEDIUM_CPU_MEDIUM_MEMORY_SMALL_SHARED_MEMORY,   2,  6Gi,    2Gi,  0",
      "LARGE_CPU_LARGE_MEMORY,                         4,  13Gi,   '',   0",
      "LARGE_CPU_LARGE_MEMORY_GPU_ENABLED,             4,  13Gi,   '',   1",
      "X_LARGE_CPU_X_LARGE_MEMORY,                     8,  27Gi,   '',   0",
      "X_LARGE_CPU_X_LARGE_MEMORY_GPU_ENABLED,         8,  27Gi,   '',   1",
      "XX_LARGE_CPU_XX_LARGE_MEMORY,                   16, 54Gi,   '',   0"})
  void everyProfileExactly(String profile, String cpu, String memory, String shm, int gpus) {
    SparkPod pod = SparkPods.build(SparkPods.conf("spark.sidecar.resourceProfile", profile));
    Container sidecar = SparkPods.sidecar(pod);
    Map<String, Quantity> expected = new LinkedHashMap<>();
    expected.put("cpu", new Quantity(cpu));
    expected.put("memory", new Quantity(memory));
    if (gpus > 0) {
      expected.put("nvidia.com/gpu", new Quantity(String.valueOf(gpus)));
    }
    assertThat(sidecar.getResources().getLimits()).isEqualTo(expected);
    assertThat(sidecar.getResources().getRequests()).isEqualTo(expected);
    Volume shmVolume = pod.pod().getSpec().getVolumes().stream().filter(v -> v.getName().equals("spark-sidecar-shm"))
        .findFirst().orElse(null);
    if (shm.isEmpty()) {
      assertThat(shmVolume).isNull();
      assertThat(sidecar.getVolumeMounts()).noneMatch(m -> m.getMountPath().equals("/dev/shm"));
    } else {
      assertThat(shmVolume.getEmptyDir().getMedium()).isEqualTo("Memory");
      assertThat(shmVolume.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity(shm));
      assertThat(SidecarFeatureStepTest.mountPath(sidecar, "spark-sidecar-shm")).isEqualTo("/dev/shm");
      assertThat(pod.container().getVolumeMounts()).noneMatch(m -> m.getName().equals("spark-sidecar-shm"));
    }
    // the executor's own resources are Spark's, untouched
    assertThat(pod.container().getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void explicitKeysOverrideTheProfile() {
    Container sidecar = SparkPods.sidecar(SparkPods.build(SparkPods.conf("spark.sidecar.resourceProfile", "LARGE_CPU_LARGE_MEMORY",
        "spark.sidecar.cpus", "0.5", "spark.sidecar.memory", "768m", "spark.sidecar.gpus", "2")));
    assertThat(sidecar.getResources().getLimits()).containsEntry("cpu", new Quantity("500m"))
        .containsEntry("memory", new Quantity("768Mi")).containsEntry("nvidia.com/gpu", new Quantity("2"));
  }

  @Test
  void noProfileNoLimits() {
    Container sidecar = SparkPods.sidecar(SparkPods.build(SparkPods.conf()));
    assertThat(sidecar.getResources().getLimits()).isNullOrEmpty();
    assertThat(sidecar.getResources().getRequests()).isNullOrEmpty();
  }

  @Test
  void quantities() {
    assertThat(SidecarPodSpecs.cpuQuantity(1)).isEqualTo("1");
    assertThat(SidecarPodSpecs.cpuQuantity(0.25)).isEqualTo("250m");
    assertThat(SidecarPodSpecs.bytesQuantity(3L << 30)).isEqualTo("3Gi");
    assertThat(SidecarPodSpecs.bytesQuantity(1536L << 10)).isEqualTo("1536Ki");
    assertThat(SidecarPodSpecs.bytesQuantity(1000)).isEqualTo("1000");
  }
}
