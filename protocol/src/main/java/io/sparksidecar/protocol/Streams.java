package io.sparksidecar.protocol;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/** Copy and log helpers shared by the client and the agent. Internal to spark-sidecar. */
public final class Streams {
  static final int BUFFER = 1 << 20;
  private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

  private Streams() {}

  /** A per-thread 1 MiB direct buffer, cleared. */
  static ByteBuffer buffer() {
    ByteBuffer b = BUFFERS.get();
    b.clear();
    return b;
  }

  /** Copies a file in the kernel where it can (sendfile / copy_file_range); returns the bytes copied. */
  static long copyFile(Path source, Path target) throws IOException {
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
         FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
      long size = in.size();
      long position = 0;
      while (position < size) {
        long n = in.transferTo(position, size - position, out);
        if (n <= 0) {
          break;
        }
        position += n;
      }
      return position;
    }
  }

  /** Computes the checksum of a whole file without loading it; returns hex. */
  public static String checksum(Path file, ChecksumAlgorithm algorithm) throws IOException {
    ChecksumAlgorithm.Digest digest = algorithm.newDigest();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      ByteBuffer buf = buffer();
      while (in.read(buf) >= 0) {
        buf.flip();
        digest.update(buf);
        buf.clear();
      }
    }
    return digest.hex();
  }

  /** The last {@code lines} lines of a text file, reading at most its last 64 KiB. */
  public static String tail(Path file, int lines) {
    if (lines <= 0) {
      return "";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int n = (int) Math.min(length, 64 * 1024);
      byte[] bytes = new byte[n];
      raf.seek(length - n);
      raf.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8);
      Deque<String> last = new ArrayDeque<>();
      for (String line : text.split("\n")) {
        last.addLast(line);
        if (last.size() > lines) {
          last.removeFirst();
        }
      }
      return String.join("\n", last);
    } catch (IOException e) {
      return "";
    }
  }
}
