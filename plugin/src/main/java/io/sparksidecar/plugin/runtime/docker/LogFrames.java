package io.sparksidecar.plugin.runtime.docker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Container logs as the engine sends them for a container without a TTY: frames of an 8-byte
 * header (stream 0/1/2, three zero bytes, big-endian size) and a payload. A body that does not
 * start like a frame (a TTY container) is taken as plain text.
 */
final class LogFrames {
  private LogFrames() {}

  static String text(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    int p = 0;
    while (p + 8 <= b.length) {
      if (b[p] < 0 || b[p] > 2 || b[p + 1] != 0 || b[p + 2] != 0 || b[p + 3] != 0) {
        return p == 0 ? new String(b, StandardCharsets.UTF_8) : out.toString(StandardCharsets.UTF_8);
      }
      int size = ((b[p + 4] & 0xff) << 24) | ((b[p + 5] & 0xff) << 16) | ((b[p + 6] & 0xff) << 8) | (b[p + 7] & 0xff);
      int n = Math.min(size, b.length - p - 8);
      out.write(b, p + 8, n);
      p += 8 + n;
    }
    return p == 0 && b.length > 0 ? new String(b, StandardCharsets.UTF_8) : out.toString(StandardCharsets.UTF_8);
  }
}
