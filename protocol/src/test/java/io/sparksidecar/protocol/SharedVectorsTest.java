package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The marker and checksum vectors shared with the Python client (protocol/python/tests/vectors):
 * the Java client reads every marker the same way, re-formats the canonical ones byte for byte,
 * and computes the same checksums, so the two clients cannot drift apart.
 */
class SharedVectorsTest {
  private static final Path DIR = Path.of("python", "tests", "vectors");

  @SuppressWarnings("unchecked")
  private static Map<String, Object> expected() throws Exception {
    return (Map<String, Object>) MiniJson.parse(Files.readString(DIR.resolve("expected.json")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void markersReadAsThePythonClientReadsThem() throws Exception {
    Map<String, Object> markers = (Map<String, Object>) expected().get("markers");
    assertThat(markers).isNotEmpty();
    for (Map.Entry<String, Object> e : markers.entrySet()) {
      Map<String, Object> want = (Map<String, Object>) e.getValue();
      String text = Files.readString(DIR.resolve(e.getKey()));
      Marker m = Marker.parse(text);
      String id = (String) want.get("id");
      switch ((String) want.get("kind")) {
        case "queue" -> {
          assertThat(m.get("id")).as(e.getKey()).isEqualTo(id);
          List<String> inputs = ((List<List<Object>>) want.get("inputs")).stream().map(l -> l.get(0) + " " + l.get(1)).toList();
          assertThat(m.all("input")).as(e.getKey()).isEqualTo(inputs);
          assertThat(m.all("expect")).as(e.getKey()).isEqualTo(want.get("expect"));
        }
        case "done" -> {
          HandoffResult r = HandoffResult.fromMarker(id, m);
          assertThat(r.status()).as(e.getKey()).isEqualTo(want.get("status"));
          assertThat((long) r.exitCode()).as(e.getKey()).isEqualTo(want.get("exit"));
          assertThat(r.error()).as(e.getKey()).isEqualTo(want.get("error"));
          List<Map<String, Object>> outs = (List<Map<String, Object>>) want.get("outputs");
          assertThat(r.outputs()).as(e.getKey()).hasSize(outs.size());
          for (int k = 0; k < outs.size(); k++) {
            OutputEntry o = r.outputs().get(k);
            Map<String, Object> w = outs.get(k);
            assertThat(o.name()).isEqualTo(w.get("name"));
            assertThat(o.size()).isEqualTo(w.get("size"));
            assertThat(o.algorithm().wireName()).isEqualTo(w.get("algorithm"));
            assertThat(o.checksum()).isEqualTo(w.get("checksum"));
            assertThat(hex(o.algorithm(), ((String) w.get("content_utf8")).getBytes(StandardCharsets.UTF_8)))
                .as("checksum of %s's content", o.name()).isEqualTo(o.checksum());
          }
        }
        case "done-invalid" -> assertThatThrownBy(() -> {
          HandoffResult r = HandoffResult.fromMarker(id, m);
          r.outputs().forEach(o -> Names.checkName(id, o.name()));
        }).as(e.getKey()).satisfies(t -> ((List<String>) want.get("error_contains"))
            .forEach(s -> assertThat(t.getMessage()).contains(s)));
        default -> throw new AssertionError("unknown kind in " + e.getKey());
      }
      if (Boolean.TRUE.equals(want.get("canonical"))) {
        assertThat(m.format()).as("%s re-formatted byte for byte", e.getKey()).isEqualTo(text);
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void legacyDoneFlagsGiveTheSameExitCodes() throws Exception {
    Map<String, Object> flags = (Map<String, Object>) expected().get("legacy_done_flags");
    assertThat(flags).isNotEmpty();
    flags.forEach((file, exit) -> {
      try {
        assertThat((long) LegacyHandoff.parseExit(Files.readString(DIR.resolve(file)))).as(file).isEqualTo(exit);
      } catch (java.io.IOException ex) {
        throw new java.io.UncheckedIOException(ex);
      }
    });
  }

  @Test
  @SuppressWarnings("unchecked")
  void checksumsMatchThePythonClients() throws Exception {
    for (Map<String, Object> v : (List<Map<String, Object>>) expected().get("checksums")) {
      byte[] data;
      if (v.containsKey("utf8")) {
        data = ((String) v.get("utf8")).getBytes(StandardCharsets.UTF_8);
      } else {
        assertThat(v.get("pattern")).isEqualTo("bytes i % 251 for i in range(100000)");
        data = new byte[100_000];
        for (int k = 0; k < data.length; k++) {
          data[k] = (byte) (k % 251);
        }
      }
      for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
        assertThat(hex(a, data)).as("%s of %s", a, v).isEqualTo(v.get(a.wireName()));
      }
    }
  }

  private static String hex(ChecksumAlgorithm a, byte[] data) {
    ChecksumAlgorithm.Digest d = a.newDigest();
    d.update(ByteBuffer.wrap(data));
    return d.hex();
  }
}
