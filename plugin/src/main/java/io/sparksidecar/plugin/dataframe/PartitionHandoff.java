package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.util.TaskCompletionListener;

/**
 * One hand-off per partition, on the task's thread: the partition's records are streamed into the
 * input file as the iterator yields them, the sidecar runs, and the output is split into records
 * as it is read. The hand-off is closed when the output is read to its end, or when the task ends
 * (completion listener), whichever comes first. An empty partition makes no hand-off.
 */
final class PartitionHandoff implements MapPartitionsFunction<byte[], byte[]> {
  private static final long serialVersionUID = 1L;

  /** Opens hand-offs on the executor; {@link #EXECUTOR_SIDECAR} in production. */
  @FunctionalInterface
  interface Source extends Serializable {
    Handoff open();
  }

  static final Source EXECUTOR_SIDECAR = new ExecutorSidecar();

  private final FrameOptions options;
  private final byte[] header;
  private final Source source;

  PartitionHandoff(FrameOptions options, byte[] header, Source source) {
    this.options = options;
    this.header = header;
    this.source = source;
  }

  @Override
  public Iterator<byte[]> call(Iterator<byte[]> records) {
    if (!records.hasNext()) {
      return Collections.emptyIterator();
    }
    Handoff h = source.open();
    boolean handedOver = false;
    try {
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((TaskCompletionListener) ctx -> h.close());
      }
      h.writeInput(options.inputName(), out -> {
        if (header != null) {
          out.write(header);
          out.write('\n');
        }
        while (records.hasNext()) {
          out.write(records.next());
          out.write('\n');
        }
      });
      h.expectOutput(options.outputName());
      h.run(options.timeout());
      InputStream in = h.openOutput(options.outputName());
      String quote = options.sparkOptions().getOrDefault("quote", "\"");
      RecordReader reader = new RecordReader(in, options.outputName(), options.format() == Format.CSV,
          quote.isEmpty() ? 0 : (byte) quote.charAt(0), header != null, h::close);
      handedOver = true;
      return reader;
    } finally {
      if (!handedOver) {
        h.close();
      }
    }
  }

  /** This executor's sidecar ({@link Sidecars#get()}), its first volume. */
  private static final class ExecutorSidecar implements Source {
    private static final long serialVersionUID = 1L;

    @Override
    public Handoff open() {
      return Sidecars.get().newHandoff();
    }

    private Object readResolve() {
      return EXECUTOR_SIDECAR;
    }
  }
}
