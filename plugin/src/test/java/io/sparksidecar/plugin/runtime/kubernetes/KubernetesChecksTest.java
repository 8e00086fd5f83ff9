package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input fails at driver start, naming the key and the value. */
class KubernetesChecksTest {

  private static void check(Map<String, String> conf) {
    KubernetesChecks.atDriverStart(conf, 120_000);
  }

  @Test
  void aGoodConfPasses() {
    assertThatCode(() -> check(SparkPods.conf("spark.sidecar.ports", "1234"))).doesNotThrowAnyException();
    assertThatCode(() -> check(SparkPods.conf(KubernetesChecks.FEATURE_STEPS, "com.acme.Step, " + SparkPods.STEP)))
        .doesNotThrowAnyException();
  }

  @Test
  void missingFeatureStepKey() {
    assertThatThrownBy(() -> check(SparkPods.conf(KubernetesChecks.FEATURE_STEPS, null))).isInstanceOf(SidecarException.class)
        .hasMessageContaining("spark.kubernetes.executor.pod.featureSteps is not set").hasMessageContaining(SparkPods.STEP);
    assertThatThrownBy(() -> check(SparkPods.conf(KubernetesChecks.FEATURE_STEPS, "com.acme.Step")))
        .hasMessageContaining("'com.acme.Step'").hasMessageContaining("spark.kubernetes.executor.pod.featureSteps")
        .hasMessageContaining("=" + SparkPods.STEP + ",com.acme.Step");
  }

  @Test
  void rootUser() {
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.user", "0"))).hasMessageContaining("spark.sidecar.user")
        .hasMessageContaining("'0'").hasMessageContaining("root");
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.user", "0:0"))).hasMessageContaining("'0:0'");
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.user", "root"))).hasMessageContaining("spark.sidecar.user")
        .hasMessageContaining("'root'");
    assertThatCode(() -> check(SparkPods.conf("spark.sidecar.user", "0", "spark.sidecar.allowRoot", "true")))
        .doesNotThrowAnyException();
  }

  @Test
  void unknownProfile() {
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.resourceProfile", "HUGE"))).isInstanceOf(SidecarException.class)
        .hasMessageContaining("spark.sidecar.resourceProfile").hasMessageContaining("'HUGE'");
  }

  @Test
  void portClashWithTheExecutor() {
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.ports", "8080,7079"))).hasMessageContaining("spark.sidecar.ports")
        .hasMessageContaining("'8080,7079'").hasMessageContaining("spark.blockManager.port");
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.ports", "9999", "spark.blockManager.port", "9999")))
        .hasMessageContaining("'9999'").hasMessageContaining("spark.blockManager.port=9999");
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.ports", "80,80"))).hasMessageContaining("listed twice");
  }

  @Test
  void volumeNameThatIsNotAKubernetesName() {
    for (String bad : new String[] {"my_vol", "a.b", "ends-", "x".repeat(50)}) {
      assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.volumes", "ok," + bad))).isInstanceOf(SidecarException.class)
          .hasMessageContaining("spark.sidecar.volumes").hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void readinessAKubeletCannotProbe() {
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.readiness", "healthcheck"))).hasMessageContaining("spark.sidecar.readiness")
        .hasMessageContaining("'healthcheck'");
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.readiness", "log", "spark.sidecar.readiness.logPattern", "up")))
        .hasMessageContaining("'log'");
  }

  @Test
  void imageRequiredAndKubernetesKeysChecked() {
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.image", null, "spark.sidecar.command", "x")))
        .hasMessageContaining("spark.sidecar.image");
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.kubernetes.nativeSidecar", "maybe")))
        .hasMessageContaining("spark.sidecar.kubernetes.nativeSidecar").hasMessageContaining("'maybe'");
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.kubernetes.volumes.medium", "memory")))
        .hasMessageContaining("spark.sidecar.kubernetes.volumes.medium").hasMessageContaining("'memory'");
  }

  @Test
  void v1HandOffsAreAcceptedAndLegacyNeedsTheImagesCommand() {
    check(SparkPods.conf("spark.sidecar.protocol", "v1", "spark.sidecar.command", "run.sh"));
    check(SparkPods.conf("spark.sidecar.protocol", "v1")); // the image's own entrypoint speaks v1
    check(SparkPods.conf("spark.sidecar.protocol", "legacy", "spark.sidecar.command", "/bin/sh /opt/sidecar/entrypoint.sh"));
    assertThatThrownBy(() -> check(SparkPods.conf("spark.sidecar.protocol", "legacy")))
        .hasMessageContaining("spark.sidecar.command is required with spark.sidecar.protocol=legacy on Kubernetes")
        .hasMessageContaining("docker image inspect");
  }

  @Test
  void executorsInAPodObserveInsteadOfStarting() {
    org.assertj.core.api.Assertions.assertThat(KubernetesRuntime.inExecutorPod(Map.of("SPARK_EXECUTOR_POD_NAME", "app-exec-1"))).isTrue();
    org.assertj.core.api.Assertions.assertThat(KubernetesRuntime.inExecutorPod(Map.of())).isFalse();
    var instance = new KubernetesRuntime().start(null);
    org.assertj.core.api.Assertions.assertThat(instance.status().running()).isTrue();
    instance.stop(java.time.Duration.ZERO); // nothing to stop: the kubelet owns the container
  }

  @Test
  void onlyKubernetesMastersAreChecked() {
    org.assertj.core.api.Assertions.assertThat(KubernetesChecks.isKubernetes("k8s://https://h:6443")).isTrue();
    org.assertj.core.api.Assertions.assertThat(KubernetesChecks.isKubernetes("local[2]")).isFalse();
  }
}
