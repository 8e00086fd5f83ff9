package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The error of a record that does not match the output schema: the output, the partition, the row
 * and its first culprit (the column, its type and the value as the sidecar wrote it). Worked out
 * only for that record, by Spark's own tokenizer and parsers; a good record costs nothing here.
 */
final class Mismatch {
  private static final int SHOWN = 200;

  private Mismatch() {}

  static SidecarException of(FramePlan plan, int partition, long row, String culprit) {
    return new SidecarException("sidecar output '" + plan.options().outputName() + "' of partition " + partition
        + " does not match the output schema: row " + row + ", " + culprit);
  }

  static String nullInColumn(StructField f) {
    return what(f) + "value null in a column that is not nullable";
  }

  static String notA(StructField f, String value) {
    return what(f) + "value '" + shown(value) + "' is not " + article(f.dataType().simpleString());
  }

  /** A CSV record Spark's parser refused; {@code partial}: its fields as far as they parsed (null where not). */
  static String csv(StructType schema, SparkInternals.Csv csv, byte[] buf, int len, InternalRow partial) {
    String record = new String(buf, 0, len, StandardCharsets.UTF_8);
    String[] fields = len == 0 ? null : csv.fields(record);
    int n = fields == null ? 0 : fields.length;
    if (n > schema.size()) {
      return "column (none: more fields than the schema's " + schema.size() + " columns): value '" + shown(fields[schema.size()]) + "'";
    }
    if (n < schema.size()) {
      return "column (none: fewer fields than the schema's " + schema.size() + " columns): record '" + shown(record) + "'";
    }
    for (int i = 0; i < n; i++) {
      String raw = fields[i] == null || fields[i].equals(csv.nullValue()) ? null : fields[i];
      if (raw != null && (partial == null || partial.isNullAt(i))) {
        return notA(schema.fields()[i], raw.equals(FrameCodec.EMPTY) ? "\"\"" : raw);
      }
    }
    return "record '" + shown(record) + "'";
  }

  /** A JSON Lines record Spark's parser refused. */
  static String json(StructType schema, SparkInternals.Json json, byte[] buf, int len) {
    String record = new String(buf, 0, len, StandardCharsets.UTF_8);
    StructType asText = new StructType();
    for (StructField f : schema.fields()) {
      asText = asText.add(f.name(), DataTypes.StringType, true);
    }
    InternalRow text;
    try {
      text = json.parser(asText).parse(buf, len);
    } catch (SparkInternals.BadRecord e) {
      text = null;
    }
    if (text != null) {
      for (int i = 0; i < schema.size(); i++) {
        StructField f = schema.fields()[i];
        try {
          json.parser(new StructType().add(f.name(), f.dataType(), true)).parse(buf, len);
        } catch (SparkInternals.BadRecord e) {
          return notA(f, text.isNullAt(i) ? "null" : text.getUTF8String(i).toString());
        }
      }
    }
    return "column (none: not a JSON object): record '" + shown(record) + "'";
  }

  private static String what(StructField f) {
    return "column '" + f.name() + "' (" + f.dataType().simpleString() + "): ";
  }

  private static String shown(String s) {
    return s.length() <= SHOWN ? s : s.substring(0, SHOWN);
  }

  private static String article(String type) {
    return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
  }
}
