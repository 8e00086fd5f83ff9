package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.TaskCompletionListener;

/**
 * One hand-off per partition, on the task's thread: the partition's rows are written into the input
 * file by Spark's own writer as the iterator yields them ({@link FrameWriter}), the sidecar runs, and
 * the output is parsed into rows as it is read ({@link FrameReader}). The hand-off is closed when
 * the output is read to its end, or when the task ends (completion listener), whichever comes first.
 * An empty partition makes no hand-off.
 */
final class PartitionHandoff implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
  private static final long serialVersionUID = 1L;

  /** Opens hand-offs on the executor; {@link #EXECUTOR_SIDECAR} in production. */
  @FunctionalInterface
  interface Source extends Serializable {
    Handoff open();
  }

  static final Source EXECUTOR_SIDECAR = new ExecutorSidecar();

  private final FramePlan plan;
  private final Source source;

  PartitionHandoff(FramePlan plan, Source source) {
    this.plan = plan;
    this.source = source;
  }

  @Override
  public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
    if (!rows.hasNext()) {
      return Collections.emptyIterator();
    }
    FrameOptions options = plan.options();
    Handoff h = source.open();
    boolean handedOver = false;
    try {
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((TaskCompletionListener) ctx -> h.close());
      }
      boolean arrow = options.format() == Format.ARROW;
      h.writeInput(options.inputName(), out -> {
        if (arrow) {
          ArrowFrames.write(plan, rows, out);
        } else {
          FrameWriter.write(plan, rows, out);
        }
      });
      h.expectOutput(options.outputName());
      h.run(options.timeout());
      InputStream in = h.openOutput(options.outputName());
      int partition = task == null ? 0 : task.partitionId();
      if (arrow) {
        Iterator<InternalRow> result = new ArrowFrames.Reader(plan, in, partition, h::close);
        handedOver = true;
        return result;
      }
      String quote = options.sparkOptions().getOrDefault("quote", "\"");
      RecordReader reader = new RecordReader(in, options.outputName(), options.format() == Format.CSV,
          quote.isEmpty() ? 0 : (byte) quote.charAt(0), options.header(), h::close);
      FrameReader result = new FrameReader(plan, reader, partition);
      handedOver = true;
      return result;
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
