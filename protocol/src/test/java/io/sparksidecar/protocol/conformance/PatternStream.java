package io.sparksidecar.protocol.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** A deterministic pseudo-random stream of a given length: big inputs that never sit in the heap. */
public final class PatternStream extends InputStream {
  private final long size;
  private long position;
  private long state;

  public PatternStream(long size, long seed) {
    this.size = size;
    this.state = seed * 0x9E3779B97F4A7C15L + 1;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (position >= size) {
      return -1;
    }
    int n = (int) Math.min(len, size - position);
    for (int i = 0; i < n; i++) {
      if (((position + i) & 7) == 0) {
        state ^= state << 13;
        state ^= state >>> 7;
        state ^= state << 17;
      }
      b[off + i] = (byte) (state >>> (((position + i) & 7) * 8));
    }
    position += n;
    return n;
  }

  /** True when both streams hold the same bytes; reads both to the end in 64 KiB steps. */
  public static boolean sameContent(InputStream a, InputStream b) throws IOException {
    byte[] x = new byte[65536];
    byte[] y = new byte[65536];
    while (true) {
      int n = a.readNBytes(x, 0, x.length);
      int m = b.readNBytes(y, 0, y.length);
      if (n != m || !Arrays.equals(x, 0, n, y, 0, m)) {
        return false;
      }
      if (n == 0) {
        return true;
      }
    }
  }
}
