package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"data", "infile.csv", "a/b/c.txt", "x-1_2.parquet", "UPPER"})
  void acceptsPlainRelativeNames(String name) {
    assertThat(Names.problem(name)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/etc/passwd", "..", "../x", "a/../../x", "a//b", "a/", ".hidden", "a/.tmp",
      "back\\slash", "new\nline", "cr\rx"})
  void refusesNamesThatLeaveOrAreReserved(String name) {
    assertThat(Names.problem(name)).isNotNull();
    assertThatThrownBy(() -> Names.checkName("req-7", name))
        .isInstanceOf(HandoffException.class)
        .hasMessageContaining("req-7")
        .hasMessageContaining("'" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ok", "r-1.2_3", "A"})
  void acceptsIds(String id) {
    assertThat(Names.checkId(id)).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".x", "-x", "a/b", "a b", "../x"})
  void refusesIds(String id) {
    assertThatThrownBy(() -> Names.checkId(id)).hasMessageContaining("'" + id + "'");
  }

  @Test
  void resolveInsideRefusesASymlinkedDirectoryOnTheWay(@TempDir Path dir) throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.createSymbolicLink(in.resolve("sub"), outside);
    assertThatThrownBy(() -> Names.resolveInside(in, "r1", "sub/file"))
        .hasMessageContaining("r1").hasMessageContaining("'sub/file'").hasMessageContaining("symbolic link");
    assertThat(Names.resolveInside(in, "r1", "plain/file")).isEqualTo(in.resolve("plain/file"));
  }
}
