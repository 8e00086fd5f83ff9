package io.sparksidecar.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Passes an output's bytes through while checksumming them; at end of stream it compares size and
 * checksum with the manifest and throws (naming request and output) on any mismatch, so a caller
 * that reads to the end has never consumed unverified data as complete.
 */
final class VerifyingInputStream extends InputStream {
  private final InputStream in;
  private final String requestId;
  private final OutputEntry expected;
  private final ChecksumAlgorithm.Digest digest;
  private long count;
  private boolean verified;

  VerifyingInputStream(InputStream in, String requestId, OutputEntry expected) {
    this.in = in;
    this.requestId = requestId;
    this.expected = expected;
    this.digest = expected.algorithm().newDigest();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n < 0) {
      verify();
      return -1;
    }
    count += n;
    if (count > expected.size()) {
      throw mismatch("is longer than the " + expected.size() + " bytes in the manifest");
    }
    digest.update(ByteBuffer.wrap(b, off, n));
    return n;
  }

  private void verify() {
    if (verified) {
      return;
    }
    if (count != expected.size()) {
      throw mismatch("has " + count + " bytes, the manifest says " + expected.size());
    }
    String actual = digest.hex();
    if (!actual.equals(expected.checksum())) {
      throw mismatch("has " + expected.algorithm().wireName() + " " + actual + ", the manifest says " + expected.checksum());
    }
    verified = true;
  }

  private HandoffException mismatch(String what) {
    return new HandoffException("request " + requestId + ": output '" + expected.name() + "' " + what
        + " (changed or truncated after the agent finished)", requestId, HandoffException.NO_EXIT_CODE, "", null);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
