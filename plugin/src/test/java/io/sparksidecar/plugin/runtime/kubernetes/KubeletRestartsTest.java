package io.sparksidecar.plugin.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Kubelet restart counts (over the pod's life) turned into restarts within spark.sidecar.restart.window. */
class KubeletRestartsTest {
  private static final long MIN = 60_000;

  @Test
  void onlyRestartsWithinTheWindowCount() {
    KubeletRestarts r = new KubeletRestarts(Duration.ofMinutes(10));
    assertThat(r.recent("p", 0, 0)).isZero();
    assertThat(r.recent("p", 2, 1 * MIN)).isEqualTo(2);
    assertThat(r.recent("p", 3, 5 * MIN)).isEqualTo(3);
    assertThat(r.recent("p", 3, 11 * MIN + 1)).as("the two of minute 1 are older than 10 min").isEqualTo(1);
    assertThat(r.recent("p", 4, 16 * MIN)).as("minute 5's has gone too").isEqualTo(1);
  }

  @Test
  void aPodFirstSeenWithRestartsCountsThemAsNowAndAReplacedPodStartsOver() {
    KubeletRestarts r = new KubeletRestarts(Duration.ofMinutes(10));
    assertThat(r.recent("p", 5, 100 * MIN)).isEqualTo(5);
    assertThat(r.recent("p", 1, 101 * MIN)).as("a count that went down is a new pod under the name").isEqualTo(1);
    r.retain(Set.of());
    assertThat(r.recent("p", 1, 102 * MIN)).as("forgotten once unlisted: seen anew").isEqualTo(1);
  }

  @Test
  void aCrashLoopingSidecarFailsOnlyWhenItsRecentRestartsExceedTheLimit() {
    KubeletRestarts window = new KubeletRestarts(Duration.ofMinutes(10));
    // restarted now and then over a long life: 4 restarts, one per 20 minutes, limit 3
    for (int i = 1; i <= 4; i++) {
      assertThat(PodStatusWatcher.observe(crashLooping(i), 3, window, i * 20 * MIN).failed()).isFalse();
    }
    assertThat(PodStatusWatcher.observe(crashLooping(4), 3).failed()).as("counted over the pod's life it would fail").isTrue();
    // then it crash-loops: three more within two minutes make 4 within the window (with minute 80's), more than 3
    for (int i = 5; i <= 6; i++) {
      assertThat(PodStatusWatcher.observe(crashLooping(i), 3, window, 80 * MIN + i * 10_000).failed()).isFalse();
    }
    var failed = PodStatusWatcher.observe(crashLooping(7), 3, window, 82 * MIN);
    assertThat(failed.failed()).isTrue();
    assertThat(failed.problem()).contains("restarted 4 times by the kubelet within 600 s (spark.sidecar.restart.window)",
        "more than spark.sidecar.restart.maxRestarts=3");
  }

  private static Pod crashLooping(int restarts) {
    return new PodBuilder().withNewMetadata().withName("pods-exec-1").addToLabels(PodStatusWatcher.EXECUTOR_LABEL, "1").endMetadata()
        .withNewSpec().withRestartPolicy("Never").endSpec()
        .withNewStatus().withPhase("Running").withInitContainerStatuses(List.of(new ContainerStatusBuilder()
            .withName(SidecarPodSpec.CONTAINER_NAME).withRestartCount(restarts)
            .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
            .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated().endLastState()
            .build())).endStatus().build();
  }
}
