package io.sparksidecar.plugin.dataframe;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Writes a partition's rows into the sidecar's input with Spark's own CSV or JSON writer, one record
 * per row as the iterator yields them (nothing collected). CSV binary columns go as base64 text.
 * Runs on the task's thread inside {@code Handoff.writeInput}.
 */
final class FrameWriter {
  private FrameWriter() {}

  static void write(FramePlan plan, Iterator<InternalRow> rows, OutputStream out) throws IOException {
    FrameOptions o = plan.options();
    Writer text = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    StructType wire = FrameCodec.wire(o.format(), plan.input());
    SparkInternals.Codec codec = o.format() == Format.CSV ? SparkInternals.csv(FrameCodec.writeOptions(o), plan.timeZone())
        : SparkInternals.json(FrameCodec.writeOptions(o), plan.timeZone());
    SparkInternals.RecordWriter w = codec.writer(wire, text);
    if (o.header()) {
      w.header();
    }
    DataType[] types = new DataType[plan.input().size()];
    boolean anyBinary = false;
    for (int i = 0; i < types.length; i++) {
      types[i] = plan.input().fields()[i].dataType();
      anyBinary |= o.format() == Format.CSV && types[i] instanceof BinaryType;
    }
    if (!anyBinary) {
      while (rows.hasNext()) {
        w.write(rows.next());
      }
    } else {
      Base64.Encoder base64 = Base64.getEncoder();
      GenericInternalRow copy = new GenericInternalRow(types.length);
      while (rows.hasNext()) {
        InternalRow r = rows.next();
        for (int i = 0; i < types.length; i++) {
          if (r.isNullAt(i)) {
            copy.setNullAt(i);
          } else if (types[i] instanceof BinaryType) {
            copy.update(i, UTF8String.fromBytes(base64.encode(r.getBinary(i))));
          } else {
            copy.update(i, r.get(i, types[i]));
          }
        }
        w.write(copy);
      }
    }
    w.flush();
    text.flush();
  }
}
