package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a sidecar's output into records as it reads it, one buffer at a time: at {@code \n}
 * (a {@code \r} before it dropped), and for CSV only outside quotes, so that a quoted field may
 * span lines. A cursor: {@link #next()} moves to the next record, whose bytes are
 * {@link #record()}{@code [0, }{@link #length()}{@code )} until the next call (the buffer is
 * reused, nothing is copied per record); a header, when there is one, is skipped.
 * Closes the stream at its end or on {@link #close()}, and then runs {@code onEnd}. Not thread-safe.
 */
final class RecordReader implements AutoCloseable {
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
  private boolean ready;
  private int length;
  private byte[] record = new byte[256];

  RecordReader(InputStream in, String name, boolean csv, byte quote, boolean skipHeader, Runnable onEnd) {
    this.in = in;
    this.name = name;
    this.csv = csv;
    this.quote = quote;
    this.onEnd = onEnd;
    if (skipHeader) {
      advance();
    }
  }

  /** Moves to the next record; false (and the stream closed) at the end of the output. */
  boolean next() {
    if (closed) {
      return false;
    }
    advance();
    if (ready) {
      row++;
    }
    return ready;
  }

  /** The current record's bytes, valid up to {@link #length()} and until the next {@link #next()}. */
  byte[] record() {
    return record;
  }

  int length() {
    return length;
  }

  /** The current record's number, counted from 1 (the header excluded). */
  long row() {
    return row;
  }

  private void advance() {
    ready = false;
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
    length = len;
    ready = true;
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
