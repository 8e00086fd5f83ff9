package io.sparksidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksumAlgorithmTest {
  private static String digest(ChecksumAlgorithm a, byte[] data) {
    ChecksumAlgorithm.Digest d = a.newDigest();
    d.update(ByteBuffer.wrap(data));
    return d.hex();
  }

  @Test
  void knownVectors() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(digest(ChecksumAlgorithm.CRC32C, check)).isEqualTo("e3069283");
    assertThat(digest(ChecksumAlgorithm.SHA256, "abc\n".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb");
    // `printf '123456789' | cksum` prints 930766865
    assertThat(Long.parseLong(digest(ChecksumAlgorithm.CKSUM, check), 16)).isEqualTo(930766865L);
  }

  @Test
  void posixCksumMatchesTheCksumProgramOnRandomData(@TempDir Path dir) throws Exception {
    Random random = new Random(42);
    for (int size : new int[] {0, 1, 255, 256, 65537, 1 << 20}) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      Path file = Files.write(dir.resolve("f" + size), data);
      Process p = new ProcessBuilder("cksum", file.toString()).start();
      String crc = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).split(" ")[0];
      assertThat(p.waitFor()).isZero();
      assertThat(Long.parseLong(digest(ChecksumAlgorithm.CKSUM, data), 16)).as("size %d", size)
          .isEqualTo(Long.parseLong(crc));
    }
  }

  @Test
  void wireNamesRoundTrip() {
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      assertThat(ChecksumAlgorithm.fromWire(a.wireName())).isEqualTo(a);
    }
  }
}
