package io.sparksidecar.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.runtime.Supervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiscoveryFileTest {

  @Test
  void writesBothPlacesAtomicallyAndRemovesThemOnClose(@TempDir Path work) throws Exception {
    DiscoveryFile d = new DiscoveryFile("app-1", "7", work);
    Path cwdFile = work.resolve(".spark-sidecar/executor.json");
    Path pidFile = DiscoveryFile.runDir().resolve(ProcessHandle.current().pid() + ".json");
    d.publish(new Supervisor.Snapshot(Supervisor.State.FAILED, 1, 3, "image \"x\" not found\nline 2", "", 5, true),
        "docker", null, null);
    String json = Files.readString(cwdFile);
    assertThat(json).contains("\"format\": 1").contains("\"executor_id\": \"7\"").contains("\"state\": \"FAILED\"")
        .contains("\"reason\": \"image \\\"x\\\" not found\\nline 2\"").contains("\"permanent\": true")
        .contains("\"ports\": {}").contains("\"pid\": " + ProcessHandle.current().pid());
    assertThat(Files.readString(pidFile)).isEqualTo(json);
    Path meters = work.resolve(".spark-sidecar/executor.handoffs");
    assertThat(json).contains("\"handoffs_dir\": \"" + meters.toAbsolutePath() + "\"");
    assertThat(meters).as("where the Python workers' meters write").isDirectory();
    try (var siblings = Files.list(cwdFile.getParent())) {
      assertThat(siblings).as("no temporary left").containsExactlyInAnyOrder(cwdFile, meters);
    }
    Files.writeString(meters.resolve("42-abcd.txt"), "done=2 failed=1 bytes_in=3 bytes_out=4 latency=14:2\n");
    assertThat(d.pythonHandoffs().done()).isEqualTo(2);
    d.close();
    assertThat(cwdFile).doesNotExist();
    assertThat(meters).as("removed with the file").doesNotExist();
    assertThat(pidFile).doesNotExist();
    d.publish(new Supervisor.Snapshot(Supervisor.State.STOPPED, 1, 0, "", "", 6, false), "docker", null, null);
    assertThat(cwdFile).as("a late change after close does not bring it back").doesNotExist();
  }

  @Test
  void jsonEscapesControlCharacters() {
    assertThat(DiscoveryFile.toJson("a\u0001\tb\\")).isEqualTo("\"a\\u0001\\tb\\\\\"");
    assertThat(DiscoveryFile.toJson(java.util.Map.of("k", 1))).isEqualTo("{\"k\": 1}");
  }
}
