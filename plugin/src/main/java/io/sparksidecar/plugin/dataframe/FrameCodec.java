package io.sparksidecar.plugin.dataframe;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The options of Spark's CSV and JSON writers and parsers for a transform, and the schema a record
 * has on the wire. Writing: nulls kept ({@code null} in JSON, an empty field in CSV), the empty
 * string as {@code ""} in CSV, timestamps ISO 8601 with microseconds and offset, {@code \n} after
 * each record. Reading: Spark's default date and timestamp parsers (ISO 8601, any fraction and
 * offset) unless the user gives a pattern, and in CSV a quoted empty field told apart from null.
 */
final class FrameCodec {
  /** The parser's column for records that do not match; never an output column. */
  static final String CORRUPT = "__sidecar_frames_corrupt_record";
  /**
   * CSV: what the reader yields for a quoted empty field ({@code ""}), turned back into the empty
   * string. Spark's CSV reader would otherwise read it as {@code null} (it equals the null value).
   */
  static final String EMPTY = "\u0000sidecar-frames-empty\u0000";

  private FrameCodec() {}

  /** Spark's writer options for {@code o}: the format's defaults, then the user's. */
  static Map<String, String> writeOptions(FrameOptions o) {
    Map<String, String> m = common(o);
    if (o.format() == Format.CSV) {
      m.put("emptyValue", "\"\""); // the empty string as ""
    } else {
      m.put("ignoreNullFields", "false"); // nulls are written, as null
    }
    m.put("lineSep", "\n");
    // microseconds and the offset: Spark's default pattern has milliseconds only
    m.put("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");
    m.put("timestampNTZFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS");
    m.putAll(o.sparkOptions());
    return m;
  }

  /**
   * Spark's reader options for {@code o}. No date or timestamp pattern unless the user gives one:
   * Spark's default parsers read ISO 8601 with any fraction and offset, and are several times
   * faster than a pattern.
   */
  static Map<String, String> readOptions(FrameOptions o) {
    Map<String, String> m = common(o);
    if (o.format() == Format.CSV) {
      m.put("emptyValue", EMPTY); // a quoted empty field, told apart from null (see EMPTY)
    }
    m.putAll(o.sparkOptions());
    m.put("mode", "PERMISSIVE");
    m.put("columnNameOfCorruptRecord", CORRUPT);
    return m;
  }

  private static Map<String, String> common(FrameOptions o) {
    Map<String, String> m = new HashMap<>();
    if (o.format() == Format.CSV) {
      m.put("quote", "\"");
      m.put("escape", "\""); // RFC 4180: a quote inside a quoted field is doubled
      m.put("ignoreLeadingWhiteSpace", "false");
      m.put("ignoreTrailingWhiteSpace", "false");
      m.put("nullValue", "");
    }
    return m;
  }

  /** The schema of a record, every column nullable: in CSV binary travels as its base64 text. */
  static StructType wire(Format format, StructType schema) {
    StructType out = new StructType();
    for (StructField f : schema.fields()) {
      boolean base64 = format == Format.CSV && f.dataType() instanceof BinaryType;
      out = out.add(f.name(), base64 ? DataTypes.StringType : f.dataType(), true, f.metadata());
    }
    return out;
  }

  /**
   * The schema a CSV record is parsed with: {@link #wire}, and decimals as their text, turned into
   * decimals by {@link FrameReader} exactly as Spark's CSV parser does ({@code Decimal(new
   * BigDecimal(text without ','), precision, scale)}) but without its regular expression per value
   * (Spark 3.5 and 4.1 compile one per decimal field: {@code replaceAll(",", "")}).
   */
  static StructType parsed(Format format, StructType schema) {
    StructType wire = wire(format, schema);
    if (format != Format.CSV) {
      return wire;
    }
    StructType out = new StructType();
    for (StructField f : wire.fields()) {
      out = out.add(f.name(), f.dataType() instanceof DecimalType ? DataTypes.StringType : f.dataType(), true, f.metadata());
    }
    return out;
  }

  /** {@code schema} with every column nullable (the result's schema: nullability is checked, not declared). */
  static StructType nullable(StructType schema) {
    StructType out = new StructType();
    for (StructField f : schema.fields()) {
      out = out.add(f.name(), f.dataType(), true, f.metadata());
    }
    return out;
  }
}
