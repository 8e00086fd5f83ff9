package io.sparksidecar.plugin.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarSettings;
import io.sparksidecar.plugin.runtime.Readiness;
import io.sparksidecar.plugin.runtime.SidecarInstance;
import io.sparksidecar.plugin.runtime.SidecarSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a process sidecar's environment is when it runs from an unpacked archive (real directories, real links). */
class ArchiveEnvironmentTest {
  @TempDir
  Path work;

  private static final Map<String, String> EXECUTOR = Map.of("PATH", "/usr/bin:/bin", "PYTHONHOME", "/opt/py",
      "PYTHONPATH", "/opt/spark/python/lib/pyspark.zip", "HOME", "/home/spark");

  private Path venv(String name, String pythonTarget) throws Exception {
    Path dir = Files.createDirectories(work.resolve(name).resolve("bin"));
    Files.writeString(dir.getParent().resolve("pyvenv.cfg"), "home = /usr/bin\n");
    Files.createSymbolicLink(dir.resolve("python3"), Path.of(pythonTarget));
    Files.createSymbolicLink(dir.resolve("python"), Path.of("python3"));
    return dir.getParent();
  }

  @Test
  void aVenvIsActivatedAsItsBinActivateWould() throws Exception {
    Path env = venv("env", "/bin/sh"); // any interpreter that exists: only the link matters here
    Map<String, String> got = ArchiveEnvironment.of(env, EXECUTOR, "spark.sidecar.process.archive");
    assertThat(ArchiveEnvironment.kind(env)).isEqualTo(ArchiveEnvironment.Kind.VENV);
    assertThat(got).containsEntry("PATH", env.resolve("bin") + ":/usr/bin:/bin").containsEntry("VIRTUAL_ENV", env.toString())
        .containsEntry("PYTHONHOME", null).containsEntry("PYTHONPATH", null).doesNotContainKey("HOME");
    Map<String, String> applied = new HashMap<>(EXECUTOR);
    ArchiveEnvironment.apply(got, applied);
    assertThat(applied).doesNotContainKeys("PYTHONHOME", "PYTHONPATH").containsEntry("HOME", "/home/spark")
        .containsEntry("VIRTUAL_ENV", env.toString());
  }

  @Test
  void aCondaEnvGetsItsPrefixAndAPlainArchiveOnlyItsBin() throws Exception {
    Path conda = Files.createDirectories(work.resolve("conda").resolve("conda-meta")).getParent();
    Files.createDirectories(conda.resolve("bin"));
    assertThat(ArchiveEnvironment.of(conda, EXECUTOR, "k")).containsEntry("CONDA_PREFIX", conda.toString())
        .containsEntry("PYTHONHOME", null).doesNotContainKey("VIRTUAL_ENV");
    Path plain = Files.createDirectories(work.resolve("plain").resolve("bin")).getParent();
    assertThat(ArchiveEnvironment.of(plain, EXECUTOR, "k")).containsOnlyKeys("PATH");
  }

  @Test
  void aVenvWhoseBaseInterpreterIsMissingOnThisHostIsNamedAtStart() throws Exception {
    Path env = venv("gone", "/nonexistent/python3.11");
    assertThatThrownBy(() -> ArchiveEnvironment.of(env, EXECUTOR, "spark.sidecar.process.archive"))
        .isInstanceOf(SidecarException.class)
        .hasMessageContaining("spark.sidecar.process.archive=gone")
        .hasMessageContaining(env.resolve("bin/python") + " is a link to /nonexistent/python3.11")
        .hasMessageContaining("venv-pack");
  }

  @Test
  void theProcessRuntimeRunsTheCommandWithItAndSessionEnvWins() throws Exception {
    Path env = venv("toolenv", "/bin/sh");
    Files.writeString(env.resolve("bin/tool"), "#!/bin/sh\necho \"venv=$VIRTUAL_ENV home=${PYTHONHOME-unset} path=$PATH x=$X\"\n"
        + "echo listening\nexec sleep 60\n");
    env.resolve("bin/tool").toFile().setExecutable(true);
    SidecarSpec spec = new SidecarSpec("app-t", "1", SidecarSettings.from(Map.of("spark.sidecar.command", "tool",
        "spark.sidecar.process.archive", "toolenv", "spark.sidecar.env.X", "mine")), Map.of(), work);
    SidecarInstance i = new ProcessRuntime().start(spec);
    try {
      Readiness.await(i, Readiness.forLogLine("^listening$"), Duration.ofSeconds(10), "test sidecar");
      assertThat(i.logTail(5)).contains("venv=" + env + " home=unset path=" + env.resolve("bin") + ":").contains("x=mine");
    } finally {
      i.stop(Duration.ZERO);
    }
  }
}
