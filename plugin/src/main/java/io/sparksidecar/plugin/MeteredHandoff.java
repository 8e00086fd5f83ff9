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
 * A hand-off that reports to the executor's metric registry: {@code handoffs} (timer: count and
 * latency from start to result), {@code handoffs.failed}, {@code handoff.bytesIn} and
 * {@code handoff.bytesOut} (histograms of input and output sizes per hand-off).
 */
final class MeteredHandoff implements Handoff {

  /** The executor's hand-off metrics, registered once under the plugin's namespace. */
  record Metrics(Timer latency, Counter failed, Histogram bytesIn, Histogram bytesOut) {
    static Metrics register(MetricRegistry registry) {
      return new Metrics(registry.timer("handoffs"), registry.counter("handoffs.failed"),
          registry.histogram("handoff.bytesIn"), registry.histogram("handoff.bytesOut"));
    }
  }

  private final Handoff delegate;
  private final Metrics metrics;
  private long bytesIn;
  private long startedNanos;

  MeteredHandoff(Handoff delegate, Metrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
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
    delegate.writeInput(name, data);
    return this;
  }

  @Override
  public Handoff writeLines(String name, Iterable<? extends CharSequence> lines) {
    delegate.writeLines(name, lines);
    return this;
  }

  @Override
  public OutputStream openInput(String name) {
    return delegate.openInput(name);
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
      metrics.latency().update(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
      metrics.bytesIn().update(bytesIn);
      metrics.bytesOut().update(r.outputs().stream().mapToLong(OutputEntry::size).sum());
      return r;
    } catch (HandoffException e) {
      metrics.failed().inc();
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
