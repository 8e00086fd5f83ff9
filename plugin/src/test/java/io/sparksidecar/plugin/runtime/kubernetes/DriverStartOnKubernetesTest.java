package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.sparksidecar.plugin.SidecarDriverPlugin;
import io.sparksidecar.plugin.SidecarException;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.PluginContext;
import org.junit.jupiter.api.Test;

/** The driver plugin fails the application at start on a k8s:// master when the pods would be wrong. */
class DriverStartOnKubernetesTest {

  private static void init(Map<String, String> conf) {
    SparkConf sparkConf = new SparkConf(false);
    conf.forEach(sparkConf::set);
    SparkContext sc = mock(SparkContext.class);
    when(sc.conf()).thenReturn(sparkConf);
    new SidecarDriverPlugin().init(sc, mock(PluginContext.class));
  }

  @Test
  void withoutTheFeatureStepNamingTheKey() {
    assertThatThrownBy(() -> init(SparkPods.conf(KubernetesChecks.FEATURE_STEPS, null))).isInstanceOf(SidecarException.class)
        .hasMessageContaining("spark.kubernetes.executor.pod.featureSteps");
  }

  @Test
  void withABadVolumeNameNamingKeyAndValue() {
    assertThatThrownBy(() -> init(SparkPods.conf("spark.sidecar.volumes", "in_put"))).isInstanceOf(SidecarException.class)
        .hasMessageContaining("spark.sidecar.volumes").hasMessageContaining("'in_put'");
  }
}
