package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Splits a sidecar's output into records as it reads it, one buffer at a time: at {@code \n}
 * (a {@code \r} before it dropped), and for CSV only outside quotes, so that a quoted field may
 * span lines. Yields the bytes of each record; a header, when there is one, is skipped.
 * Closes the stream at its end or on {@link #close()}, and then runs {@code onEnd}. Not thread-safe.
 */
final class RecordReader implements Iterator<byte[]>, AutoCloseable {
  private final InputStream in;
  private final String name;
  private final boolean csv;
  private final byte quote;
  private final Runnable onEnd;
  private byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;
  private boolean closed;
  private long row;
  private byte[] next;
  private byte[] record = new byte[256];

  RecordReader(InputStream in, String name, boolean csv, byte quote, boolean skipHeader, Runnable onEnd) {
    this.in = in;
    this.name = name;
    this.csv = csv;
    this.quote = quote;
    this.onEnd = onEnd;
    if (skipHeader) {
      advance();
      next = null;
    }
  }

  @Override
  public boolean hasNext() {
    if (next == null && !closed) {
      advance();
    }
    return next != null;
  }

  @Override
  public byte[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    byte[] r = next;
    next = null;
    row++;
    return r;
  }

  private void advance() {
    int len = 0;
    boolean quoted = false;
    boolean any = false;
    try {
      while (true) {
        if (pos == limit) {
          if (!fill()) {
            if (!any) {
              close();
              return;
            }
            if (quoted) {
              throw new SidecarException("sidecar output '" + name + "' ends inside a quoted field: row " + (row + 1)
                  + " opens a quote that is never closed");
            }
            break;
          }
        }
        any = true;
        // scan the buffer for the end of the record
        int start = pos;
        int end = -1;
        for (int i = pos; i < limit; i++) {
          byte b = buf[i];
          if (csv && b == quote) {
            quoted = !quoted;
          } else if (b == '\n' && !quoted) {
            end = i;
            break;
          }
        }
        int stop = end < 0 ? limit : end;
        len = append(start, stop - start, len);
        pos = end < 0 ? limit : end + 1;
        if (end >= 0) {
          break;
        }
      }
    } catch (IOException e) {
      throw new SidecarException("cannot read sidecar output '" + name + "' at row " + (row + 1) + ": " + e.getMessage(), e);
    }
    if (len > 0 && record[len - 1] == '\r') {
      len--;
    }
    next = Arrays.copyOf(record, len);
  }

  private int append(int from, int n, int len) {
    if (len + n > record.length) {
      record = Arrays.copyOf(record, Math.max(record.length * 2, len + n));
    }
    System.arraycopy(buf, from, record, len, n);
    return len + n;
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buf, 0, buf.length);
    if (n < 0) {
      eof = true;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    buf = null;
    try {
      in.close();
    } catch (IOException e) {
      // the output was read to its end or is abandoned: nothing left to lose
    } finally {
      onEnd.run();
    }
  }
}
