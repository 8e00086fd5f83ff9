package io.sparksidecar.plugin;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffException;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.OutputEntry;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A hand-off that counts what it did: completed hand-offs for the health report, and, once the
 * executor's metric registry is known, {@code handoffs} (timer: count and latency from start to
 * result of successful hand-offs), {@code handoffs.failed} (counter) and
 * {@code handoffs.failedLatency} (timer: start to failure), {@code handoff.bytesIn} and
 * {@code handoff.bytesOut} (histograms of input and output bytes per hand-off, whichever way the
 * inputs were written: bytes, files, streams, lines or an {@link InputWriter}); and the same in
 * mergeable form for the driver ({@link io.sparksidecar.plugin.metrics.HandoffRecorder}, carried by
 * the health reports).
 */
final class MeteredHandoff implements Handoff {

  /** The executor's hand-off metrics, registered once under the plugin's namespace. */
  record Metrics(Timer latency, Counter failed, Timer failedLatency, Histogram bytesIn, Histogram bytesOut) {
    static Metrics register(MetricRegistry registry) {
      return new Metrics(registry.timer("handoffs"), registry.counter("handoffs.failed"),
          registry.timer("handoffs.failedLatency"), registry.histogram("handoff.bytesIn"),
          registry.histogram("handoff.bytesOut"));
    }
  }

  private final Handoff delegate;
  private final Metrics metrics;
  private final java.util.concurrent.atomic.AtomicLong completed;
  private final io.sparksidecar.plugin.metrics.HandoffRecorder totals;
  private long bytesIn;
  private long startedNanos;

  /**
   * {@code metrics} may be null (not registered yet); {@code completed} counts hand-offs that returned a result;
   * {@code totals} (may be null) sums them up for the health report.
   */
  MeteredHandoff(Handoff delegate, Metrics metrics, java.util.concurrent.atomic.AtomicLong completed,
      io.sparksidecar.plugin.metrics.HandoffRecorder totals) {
    this.delegate = delegate;
    this.metrics = metrics;
    this.completed = completed;
    this.totals = totals;
  }

  MeteredHandoff(Handoff delegate, Metrics metrics, java.util.concurrent.atomic.AtomicLong completed) {
    this(delegate, metrics, completed, null);
  }

  MeteredHandoff(Handoff delegate, Metrics metrics) {
    this(delegate, metrics, new java.util.concurrent.atomic.AtomicLong());
  }

  @Override
  public String id() {
    return delegate.id();
  }

  @Override
  public Handoff writeInput(String name, byte[] data) {
    delegate.writeInput(name, data);
    bytesIn += data.length;
    return this;
  }

  @Override
  public Handoff writeInput(String name, Path source) {
    delegate.writeInput(name, source);
    bytesIn += source.toFile().length();
    return this;
  }

  @Override
  public Handoff writeInput(String name, InputStream data) {
    CountingInput counted = new CountingInput(data);
    delegate.writeInput(name, counted);
    bytesIn += counted.count;
    return this;
  }

  @Override
  public Handoff writeLines(String name, Iterable<? extends CharSequence> lines) {
    long[] n = {0};
    delegate.writeLines(name, () -> {
      java.util.Iterator<? extends CharSequence> it = lines.iterator();
      return new java.util.Iterator<CharSequence>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public CharSequence next() {
          CharSequence line = it.next();
          n[0] += utf8Length(line) + 1;
          return line;
        }
      };
    });
    bytesIn += n[0];
    return this;
  }

  @Override
  public Handoff writeInput(String name, InputWriter writer) {
    long[] n = {0};
    delegate.writeInput(name, out -> writer.writeTo(new java.io.FilterOutputStream(out) {
      @Override
      public void write(int b) throws java.io.IOException {
        out.write(b);
        n[0]++;
      }

      @Override
      public void write(byte[] b, int off, int len) throws java.io.IOException {
        out.write(b, off, len);
        n[0] += len;
      }
    }));
    bytesIn += n[0];
    return this;
  }

  /** Bytes of {@code s} in UTF-8, without encoding it. */
  static long utf8Length(CharSequence s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** Counts the bytes read through it; does not close the stream it reads (nor does writeInput). */
  private static final class CountingInput extends java.io.FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws java.io.IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws java.io.IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long transferTo(OutputStream out) throws java.io.IOException {
      long n = in.transferTo(out);
      count += n;
      return n;
    }
  }

  @Override
  public Handoff expectOutput(String name) {
    delegate.expectOutput(name);
    return this;
  }

  @Override
  public void start() {
    startedNanos = System.nanoTime();
    delegate.start();
  }

  @Override
  public HandoffResult await(Duration timeout) {
    try {
      HandoffResult r = delegate.await(timeout);
      long nanos = System.nanoTime() - startedNanos;
      long bytesOut = r.outputs().stream().mapToLong(OutputEntry::size).sum();
      completed.incrementAndGet();
      if (totals != null) {
        totals.succeeded(nanos, bytesIn, bytesOut);
      }
      if (metrics != null) {
        metrics.latency().update(nanos, TimeUnit.NANOSECONDS);
        metrics.bytesIn().update(bytesIn);
        metrics.bytesOut().update(bytesOut);
      }
      return r;
    } catch (RuntimeException e) {
      if (totals != null) {
        totals.failed(bytesIn);
      }
      if (metrics != null) {
        metrics.failed().inc();
        metrics.failedLatency().update(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        metrics.bytesIn().update(bytesIn);
      }
      throw e;
    }
  }

  @Override
  public InputStream openOutput(String name) {
    return delegate.openOutput(name);
  }

  @Override
  public byte[] readOutput(String name) {
    return delegate.readOutput(name);
  }

  @Override
  public List<String> readLines(String name) {
    return delegate.readLines(name);
  }

  @Override
  public void copyOutput(String name, Path target) {
    delegate.copyOutput(name, target);
  }

  @Override
  public List<String> outputNames() {
    return delegate.outputNames();
  }

  @Override
  public String log() {
    return delegate.log();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
