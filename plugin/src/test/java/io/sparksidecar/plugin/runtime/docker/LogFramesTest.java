package io.sparksidecar.plugin.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogFramesTest {

  private static void frame(ByteArrayOutputStream out, int stream, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    out.write(stream);
    out.write(0);
    out.write(0);
    out.write(0);
    out.write(b.length >>> 24);
    out.write(b.length >>> 16);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.write(b, 0, b.length);
  }

  @Test
  void joinsStdoutAndStderrFramesInOrder() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frame(out, 1, "out1\n");
    frame(out, 2, "err é\n");
    frame(out, 1, "x".repeat(300) + "\n");
    assertThat(LogFrames.text(out.toByteArray())).isEqualTo("out1\nerr é\n" + "x".repeat(300) + "\n");
  }

  @Test
  void aTruncatedLastFrameKeepsWhatArrived() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frame(out, 1, "complete\n");
    frame(out, 2, "cut off here\n");
    byte[] b = out.toByteArray();
    assertThat(LogFrames.text(java.util.Arrays.copyOf(b, b.length - 5))).isEqualTo("complete\ncut off ");
  }

  @Test
  void plainTextFromATtyContainerIsKept() {
    assertThat(LogFrames.text("hello\nworld\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("hello\nworld\n");
    assertThat(LogFrames.text("hi".getBytes(StandardCharsets.UTF_8))).isEqualTo("hi");
    assertThat(LogFrames.text(new byte[0])).isEmpty();
  }
}
