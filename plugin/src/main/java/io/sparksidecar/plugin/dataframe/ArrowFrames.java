package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * A partition as an Arrow IPC stream: written by Spark's own Arrow writer in record batches of
 * {@link #BATCH_ROWS} rows as the iterator yields them, read back batch by batch through Spark's
 * {@link ArrowColumnVector} (no copy of the values). The output's Arrow schema must map to the
 * output schema column by column (names and Spark types; nullability is checked per row). On the
 * task's thread; the Arrow memory comes from a child of Spark's own root allocator and is released
 * when the stream is written, or read to its end, or closed.
 */
final class ArrowFrames {
  /** Rows per record batch (Spark's own default for Arrow batches is 10,000). */
  static final int BATCH_ROWS = 8192;

  private ArrowFrames() {}

  static void write(FramePlan plan, Iterator<InternalRow> rows, OutputStream out) throws IOException {
    Schema schema = SparkInternals.arrowSchema(plan.input(), plan.timeZone());
    try (BufferAllocator allocator = SparkInternals.allocator("sidecar-frames-in");
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter stream = new ArrowStreamWriter(root, null, out)) {
      SparkInternals.BatchWriter w = SparkInternals.arrowWriter(root);
      stream.start();
      int n = 0;
      while (rows.hasNext()) {
        w.write(rows.next());
        if (++n == BATCH_ROWS) {
          w.finish();
          stream.writeBatch();
          w.reset();
          n = 0;
        }
      }
      if (n > 0) {
        w.finish();
        stream.writeBatch();
      }
      stream.end();
    }
  }

  /** The rows of the sidecar's Arrow stream; closes the stream, its memory and {@code onEnd} at the end or on {@link #close()}. */
  static final class Reader implements Iterator<InternalRow>, AutoCloseable {
    private final FramePlan plan;
    private final int partition;
    private final Runnable onEnd;
    private final BufferAllocator allocator;
    private final ArrowStreamReader stream;
    private final int[] notNull;
    private Iterator<InternalRow> batch = java.util.Collections.emptyIterator();
    private long row;
    private boolean closed;

    Reader(FramePlan plan, InputStream in, int partition, Runnable onEnd) {
      this.plan = plan;
      this.partition = partition;
      this.onEnd = onEnd;
      this.allocator = SparkInternals.allocator("sidecar-frames-out");
      this.stream = new ArrowStreamReader(in, allocator);
      this.notNull = java.util.stream.IntStream.range(0, plan.output().size())
          .filter(i -> !plan.output().fields()[i].nullable()).toArray();
    }

    @Override
    public boolean hasNext() {
      try {
        while (!closed && !batch.hasNext()) {
          if (!stream.loadNextBatch()) {
            close();
            return false;
          }
          VectorSchemaRoot root = stream.getVectorSchemaRoot();
          if (row == 0) {
            check(root.getSchema());
          }
          List<FieldVector> vectors = root.getFieldVectors();
          ColumnVector[] columns = new ColumnVector[vectors.size()];
          for (int i = 0; i < columns.length; i++) {
            columns[i] = new ArrowColumnVector(vectors.get(i));
          }
          batch = new ColumnarBatch(columns, root.getRowCount()).rowIterator();
        }
        return !closed;
      } catch (SidecarException e) {
        throw e;
      } catch (IOException | RuntimeException e) { // Arrow's reader also throws unchecked on bytes that are no stream
        throw new SidecarException("cannot read sidecar output '" + plan.options().outputName() + "' as an Arrow IPC stream after row "
            + row + ": " + e.getMessage(), e);
      }
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      InternalRow r = batch.next();
      row++;
      for (int i : notNull) {
        if (r.isNullAt(i)) {
          throw Mismatch.of(plan, partition, row, Mismatch.nullInColumn(plan.output().fields()[i]));
        }
      }
      return r;
    }

    /** The output's Arrow schema against the output schema: the same columns, each of the declared Spark type. */
    private void check(Schema arrow) {
      StructType want = plan.output();
      List<Field> got = arrow.getFields();
      if (got.size() != want.size()) {
        throw Mismatch.of(plan, partition, 1, "column (none: the Arrow stream has " + got.size() + " columns, the schema "
            + want.size() + "): " + got);
      }
      for (int i = 0; i < want.size(); i++) {
        StructField f = want.fields()[i];
        Field a = got.get(i);
        String type;
        try {
          type = SparkInternals.sparkSchema(new Schema(List.of(a))).fields()[0].dataType().catalogString();
        } catch (RuntimeException e) {
          type = null;
        }
        if (!a.getName().equals(f.name()) || !f.dataType().catalogString().equals(type)) {
          throw Mismatch.of(plan, partition, 1, "column '" + f.name() + "' (" + f.dataType().simpleString() + "): the Arrow stream has column "
              + (i + 1) + " '" + a.getName() + "' of Arrow type " + a.getType() + (type == null ? ", which Spark does not read" : " (" + type + ")"));
        }
      }
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      batch = java.util.Collections.emptyIterator();
      try {
        stream.close(); // closes the input stream too
      } catch (IOException | RuntimeException e) {
        // the output was read to its end or is abandoned: nothing left to lose
      } finally {
        try {
          allocator.close();
        } finally {
          onEnd.run();
        }
      }
    }
  }
}
