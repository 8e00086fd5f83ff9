package io.sparksidecar.protocol;

import java.nio.ByteBuffer;

/**
 * The CRC of POSIX {@code cksum}: polynomial 0x04C11DB7, MSB first, then the length in as few
 * bytes as needed (least significant first), then complemented. Lets a shell agent that only has
 * {@code cksum} produce a manifest the client can verify.
 */
final class PosixCksum implements ChecksumAlgorithm.Digest {
  private static final int[] TABLE = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int c = i << 24;
      for (int k = 0; k < 8; k++) {
        c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
      }
      TABLE[i] = c;
    }
  }

  private int crc;
  private long length;

  @Override
  public void update(ByteBuffer data) {
    int c = crc;
    length += data.remaining();
    while (data.hasRemaining()) {
      c = (c << 8) ^ TABLE[((c >>> 24) ^ data.get()) & 0xFF];
    }
    crc = c;
  }

  @Override
  public String hex() {
    int c = crc;
    for (long n = length; n != 0; n >>>= 8) {
      c = (c << 8) ^ TABLE[((c >>> 24) ^ (int) (n & 0xFF)) & 0xFF];
    }
    return String.format("%08x", (~c) & 0xFFFFFFFFL);
  }
}
