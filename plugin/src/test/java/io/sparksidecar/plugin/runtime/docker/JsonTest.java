package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parsesWhatTheEngineSends() {
    Object v = Json.parse(" {\"Id\":\"abc\",\"State\":{\"Running\":true,\"ExitCode\":137,\"OOMKilled\":false,"
        + "\"Health\":null},\"Ports\":{\"1234/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"49153\"}]},"
        + "\"Size\":-1.5e3,\"Big\":12345678901234567890,\"Empty\":{},\"None\":[]}\n");
    assertThat(Json.at(v, "Id")).isEqualTo("abc");
    assertThat(Json.at(v, "State", "Running")).isEqualTo(true);
    assertThat(Json.at(v, "State", "ExitCode")).isEqualTo(137L);
    assertThat(Json.at(v, "State", "Health")).isNull();
    assertThat(Json.at(v, "State", "Health", "Status")).as("through a null").isNull();
    assertThat(Json.at(v, "Id", "x")).as("through a string").isNull();
    assertThat(Json.at(v, "Size")).isEqualTo(-1500.0);
    assertThat(Json.at(v, "Big")).isEqualTo(1.2345678901234567e19);
    assertThat(Json.at(v, "Empty")).isEqualTo(Map.of());
    assertThat(Json.at(v, "None")).isEqualTo(List.of());
    assertThat((List<?>) Json.at(v, "Ports", "1234/tcp")).hasSize(1);
  }

  @Test
  void decodesEscapes() {
    assertThat(Json.parse("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u2603 end\"")).isEqualTo("a\"b\\c/d\n\té☃ end");
  }

  @Test
  void roundTripsWhatItWrites() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "quote \" backslash \\ newline \n tab \t bell \u0007 é");
    m.put("n", 42L);
    m.put("d", 0.5);
    m.put("b", false);
    m.put("z", null);
    m.put("l", List.of("x", List.of(), Map.of()));
    String text = Json.write(m);
    assertThat(text).startsWith("{\"s\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 é\"");
    assertThat(Json.parse(text)).isEqualTo(m);
  }

  @Test
  void badInputNamesTheOffset() {
    assertThatThrownBy(() -> Json.parse("{\"a\":1,}")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset 7");
    assertThatThrownBy(() -> Json.parse("{\"a\":tru}")).hasMessageContaining("offset 5");
    assertThatThrownBy(() -> Json.parse("\"open")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> Json.parse("[1 2]")).hasMessageContaining("expected ',' or ']'");
    assertThatThrownBy(() -> Json.parse("{} x")).hasMessageContaining("trailing");
    assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("unexpected end");
    assertThatThrownBy(() -> Json.parse("\"\\x\"")).hasMessageContaining("bad escape");
    assertThatThrownBy(() -> Json.write(Map.of("k", new Object()))).hasMessageContaining("cannot write");
  }
}
