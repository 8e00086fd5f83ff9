package io.sparksidecar.plugin.dataframe;

import java.util.Base64;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The sidecar's output as rows of the output schema, parsed by Spark's own CSV or JSON parser one
 * record at a time as {@link RecordReader} splits it: nothing is collected. The row returned by
 * {@link #next()} may be reused by the following call (as Spark's scans reuse theirs). In CSV a
 * quoted empty field is the empty string, binary columns are decoded from base64 and decimals are
 * made from their text as Spark's CSV parser makes them (see {@link FrameCodec#parsed}). A record that
 * does not match the schema, or a null in a column declared not nullable, fails with
 * {@link Mismatch} (partition, row, column, value). A blank JSON line holds no row. Not thread-safe;
 * on the task's thread.
 */
final class FrameReader implements Iterator<InternalRow> {
  private static final UTF8String EMPTY = UTF8String.fromString(FrameCodec.EMPTY);

  private final FramePlan plan;
  private final RecordReader in;
  private final int partition;
  private final StructType schema;
  private final SparkInternals.Codec codec;
  private final SparkInternals.RecordParser parser;
  private final boolean csv;
  private final int[] strings;
  private final int[] binaries;
  private final int[] decimals;
  private final int[] notNull;
  private final Base64.Decoder base64 = Base64.getMimeDecoder();
  private InternalRow next;

  FrameReader(FramePlan plan, RecordReader in, int partition) {
    this.plan = plan;
    this.in = in;
    this.partition = partition;
    this.schema = plan.output();
    FrameOptions o = plan.options();
    this.csv = o.format() == Format.CSV;
    this.codec = csv ? SparkInternals.csv(FrameCodec.readOptions(o), plan.timeZone())
        : SparkInternals.json(FrameCodec.readOptions(o), plan.timeZone());
    this.parser = codec.parser(FrameCodec.parsed(o.format(), schema));
    this.strings = csv ? ordinals(schema, StringType.class) : new int[0];
    this.binaries = csv ? ordinals(schema, BinaryType.class) : new int[0];
    this.decimals = csv ? ordinals(schema, DecimalType.class) : new int[0];
    int k = 0;
    int[] nn = new int[schema.size()];
    for (int i = 0; i < schema.size(); i++) {
      if (!schema.fields()[i].nullable()) {
        nn[k++] = i;
      }
    }
    this.notNull = java.util.Arrays.copyOf(nn, k);
  }

  private static int[] ordinals(StructType schema, Class<?> type) {
    return java.util.stream.IntStream.range(0, schema.size()).filter(i -> type.isInstance(schema.fields()[i].dataType())).toArray();
  }

  @Override
  public boolean hasNext() {
    while (next == null) {
      if (!in.next()) {
        return false;
      }
      next = parse(in.record(), in.length());
    }
    return true;
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    InternalRow r = next;
    next = null;
    return r;
  }

  private InternalRow parse(byte[] buf, int len) {
    InternalRow row;
    if (csv && len == 0 && schema.size() == 1) {
      row = new GenericInternalRow(1); // the one field is null (written as an empty line)
    } else {
      try {
        row = parser.parse(buf, len);
      } catch (SparkInternals.BadRecord e) {
        throw Mismatch.of(plan, partition, in.row(), csv ? Mismatch.csv(schema, (SparkInternals.Csv) codec, buf, len, e.partial)
            : Mismatch.json(schema, (SparkInternals.Json) codec, buf, len));
      }
      if (row == null) {
        if (csv) {
          throw Mismatch.of(plan, partition, in.row(), Mismatch.csv(schema, (SparkInternals.Csv) codec, buf, len, null));
        }
        return null;
      }
    }
    for (int i : strings) {
      if (!row.isNullAt(i) && EMPTY.equals(row.getUTF8String(i))) {
        row.update(i, UTF8String.EMPTY_UTF8);
      }
    }
    for (int i : binaries) {
      if (!row.isNullAt(i)) {
        String text = row.getUTF8String(i).toString();
        try {
          row.update(i, text.equals(FrameCodec.EMPTY) ? new byte[0] : base64.decode(text));
        } catch (IllegalArgumentException e) {
          StructField f = schema.fields()[i];
          throw Mismatch.of(plan, partition, in.row(), Mismatch.notA(f, text) + " (base64)");
        }
      }
    }
    for (int i : decimals) {
      if (!row.isNullAt(i)) {
        String text = row.getUTF8String(i).toString();
        DecimalType t = (DecimalType) schema.fields()[i].dataType();
        try {
          row.update(i, Decimal.apply(new java.math.BigDecimal(text.replace(",", "")), t.precision(), t.scale()));
        } catch (RuntimeException e) { // not a number, or more digits than the precision
          throw Mismatch.of(plan, partition, in.row(), Mismatch.notA(schema.fields()[i], text.equals(FrameCodec.EMPTY) ? "\"\"" : text));
        }
      }
    }
    for (int i : notNull) {
      if (row.isNullAt(i)) {
        throw Mismatch.of(plan, partition, in.row(), Mismatch.nullInColumn(schema.fields()[i]));
      }
    }
    return row;
  }
}
