package io.sparksidecar.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.InstanceStatus;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarRuntime;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutorSidecarCloseTest {

  @Test
  void aRemovalThatThrowsStillClosesTheRuntimeAndDeletesTheVolumes(@TempDir Path work) {
    AtomicBoolean runtimeClosed = new AtomicBoolean();
    SidecarRuntime runtime = new SidecarRuntime() {
      @Override
      public String name() {
        return "fake";
      }

      @Override
      public SidecarInstance start(SidecarSpec spec) {
        return new SidecarInstance() {
          @Override
          public String id() {
            return "c1";
          }

          @Override
          public InstanceStatus status() {
            return InstanceStatus.alive("none");
          }

          @Override
          public String logTail(int lines) {
            return "";
          }

          @Override
          public void stop(Duration grace) {
            throw new SidecarException("Docker engine could not remove container c1: HTTP 500");
          }
        };
      }

      @Override
      public void close() {
        runtimeClosed.set(true);
      }
    };
    SidecarSettings settings = SidecarSettings.from(Map.of("spark.sidecar.command", "x", "spark.sidecar.readiness", "none"));
    ExecutorSidecar sidecar = new ExecutorSidecar("app-1", "3", settings, runtime, work, s -> { });
    sidecar.start();
    Path volumes = work.resolve("sidecar-volumes").resolve("app-1-3");
    assertThat(volumes.resolve("shared")).isDirectory();
    assertThatThrownBy(sidecar::close).hasMessageContaining("could not remove container c1");
    assertThat(runtimeClosed).as("runtime closed although the removal failed").isTrue();
    assertThat(Files.exists(volumes)).as("volume directories deleted although the removal failed").isFalse();
  }
}
