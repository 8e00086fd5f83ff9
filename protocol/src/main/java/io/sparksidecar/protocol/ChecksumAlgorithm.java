package io.sparksidecar.protocol;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/** The output checksum algorithms of PROTOCOL.md section 5 step 7. */
public enum ChecksumAlgorithm {
  CRC32C("crc32c"),
  SHA256("sha256"),
  CKSUM("cksum");

  private final String wireName;

  ChecksumAlgorithm(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static ChecksumAlgorithm fromWire(String name) {
    for (ChecksumAlgorithm a : values()) {
      if (a.wireName.equals(name)) {
        return a;
      }
    }
    throw new HandoffException("unknown checksum algorithm '" + name + "' (known: crc32c, sha256, cksum)");
  }

  /** A fresh running digest. */
  public Digest newDigest() {
    switch (this) {
      case CRC32C:
        CRC32C crc = new CRC32C();
        return new Digest() {
          @Override
          public void update(ByteBuffer data) {
            crc.update(data);
          }

          @Override
          public String hex() {
            return String.format("%08x", crc.getValue());
          }
        };
      case SHA256:
        MessageDigest sha = sha256();
        return new Digest() {
          @Override
          public void update(ByteBuffer data) {
            sha.update(data);
          }

          @Override
          public String hex() {
            return HexFormat.of().formatHex(sha.digest());
          }
        };
      default:
        return new PosixCksum();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
  }

  /** A running checksum over a stream of bytes. */
  public interface Digest {
    /** Consumes the remaining bytes of {@code data}. */
    void update(ByteBuffer data);

    /** The checksum as lowercase hex, in the wire format of its algorithm. */
    String hex();
  }
}
