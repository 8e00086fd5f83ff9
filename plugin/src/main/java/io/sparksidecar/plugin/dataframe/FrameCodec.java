package io.sparksidecar.plugin.dataframe;

import static org.apache.spark.sql.functions.base64;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.from_csv;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.to_csv;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.unbase64;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark SQL expressions of a transform, public API only (the same bytes work on Spark 3.5 and
 * 4.x): rows to records with {@code to_csv}/{@code to_json}, records back with
 * {@code from_csv}/{@code from_json} in PERMISSIVE mode, and a check that fails the task with
 * {@code raise_error} naming the row, the column and the value of the first record that does not
 * match the output schema. The culprit is worked out only for that record: a good record is
 * parsed once.
 */
final class FrameCodec {
  /** The parser's column for records that do not match; never an output column. */
  static final String CORRUPT = "__sidecar_frames_corrupt_record";
  /** CSV: a field beyond the schema's columns. */
  private static final String EXTRA = "__sidecar_frames_extra_field";
  private static final int SHOWN = 200;
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
    // microseconds and the offset: Spark's default pattern has milliseconds only
    m.put("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");
    m.put("timestampNTZFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS");
    m.putAll(o.sparkOptions());
    return m;
  }

  /**
   * Spark's reader options for {@code o}, PERMISSIVE with the corrupt-record column. No date or
   * timestamp pattern unless the user gives one: Spark's default parsers read ISO 8601 with any
   * fraction and offset, and are several times faster than a pattern.
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

  /** One UTF-8 record per row of {@code df} (binary columns as base64 in CSV). */
  static Column encode(Dataset<Row> df, FrameOptions o) {
    List<Column> cols = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      Column c = df.col(quoted(f.name()));
      if (o.format() == Format.CSV && f.dataType() instanceof BinaryType) {
        c = base64(c);
      }
      cols.add(c.as(f.name()));
    }
    Column row = struct(cols.toArray(new Column[0]));
    Column text = o.format() == Format.CSV ? to_csv(row, writeOptions(o)) : to_json(row, writeOptions(o));
    return text.cast(DataTypes.BinaryType);
  }

  /** The CSV header line: the column names, quoted where needed, separated by {@code sep}. */
  static byte[] header(StructType schema, FrameOptions o) {
    String sep = o.sparkOptions().getOrDefault("sep", o.sparkOptions().getOrDefault("delimiter", ","));
    StringBuilder b = new StringBuilder();
    for (String name : schema.fieldNames()) {
      if (b.length() > 0) {
        b.append(sep);
      }
      boolean quote = name.isEmpty() || name.contains(sep) || name.contains("\"") || name.contains("\n") || name.contains("\r");
      b.append(quote ? '"' + name.replace("\"", "\"\"") + '"' : name);
    }
    return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * From {@code records} (one column {@code value}: the record's bytes, in the order the output
   * has them) to the columns of {@code schema}, failing the task on the first record that does not
   * match. The row number is the record's index in its partition, taken from
   * {@code monotonically_increasing_id()} right after the hand-off (its low 33 bits are the index
   * of the row within the partition), so that no counter travels with every record.
   */
  static Dataset<Row> decode(Dataset<Row> records, StructType schema, FrameOptions o) {
    Map<String, String> opts = readOptions(o);
    StructType parsed = new StructType();
    for (StructField f : schema.fields()) {
      parsed = parsed.add(f.name(), wire(o.format(), f), true, f.metadata());
    }
    parsed = parsed.add(CORRUPT, DataTypes.StringType, true);
    Column rec = col("value").cast(DataTypes.StringType);
    Column row = monotonically_increasing_id().bitwiseAND(lit((1L << 33) - 1)).plus(lit(1L));
    Column p = o.format() == Format.CSV ? from_csv(rec, lit(parsed.toDDL()), opts) : from_json(rec, parsed, opts);
    Dataset<Row> step = records.select(row.as("row"), rec.as("rec"), p.as("p"));

    Column bad = col("p").getField(CORRUPT).isNotNull();
    for (StructField f : schema.fields()) {
      if (!f.nullable()) {
        bad = bad.or(col("p").getField(f.name()).isNull());
      }
    }
    Column message = concat(lit("sidecar output '" + o.outputName() + "' of partition "), spark_partition_id().cast("string"),
        lit(" does not match the output schema: row "), col("row").cast("string"), lit(", "), culprit(schema, o));
    Dataset<Row> checked = step.select(when(bad, raise_error(message)).otherwise(col("p")).as("q"));

    List<Column> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      Column c = col("q").getField(f.name());
      if (o.format() == Format.CSV && wire(o.format(), f) instanceof StringType) {
        c = when(c.equalTo(lit(EMPTY)), lit("")).otherwise(c);
      }
      if (o.format() == Format.CSV && f.dataType() instanceof BinaryType) {
        c = unbase64(c);
      }
      out.add(c.as(f.name(), f.metadata()));
    }
    return checked.select(out.toArray(new Column[0]));
  }

  /** The type a column has in the record: CSV binary travels as its base64 text. */
  private static org.apache.spark.sql.types.DataType wire(Format format, StructField f) {
    return format == Format.CSV && f.dataType() instanceof BinaryType ? DataTypes.StringType : f.dataType();
  }

  /** "column 'c' (type): value 'v' ...", for the first culprit of a bad record; evaluated only for it. */
  private static Column culprit(StructType schema, FrameOptions o) {
    Map<String, String> opts = readOptions(o);
    opts.remove("columnNameOfCorruptRecord"); // the text of every field, no corrupt column in its schema
    StructType asText = new StructType();
    for (StructField f : schema.fields()) {
      asText = asText.add(f.name(), DataTypes.StringType, true);
    }
    Column rec = col("rec");
    Column text;
    if (o.format() == Format.CSV) {
      text = from_csv(rec, lit(asText.add(EXTRA, DataTypes.StringType, true).toDDL()), opts);
    } else {
      text = from_json(rec, asText, opts);
    }
    List<Column> reasons = new ArrayList<>();
    for (StructField f : schema.fields()) {
      Column typed = col("p").getField(f.name());
      Column raw = text.getField(f.name());
      raw = when(raw.equalTo(lit(EMPTY)), lit("\"\"")).otherwise(raw);
      String what = "column '" + f.name() + "' (" + f.dataType().simpleString() + "): ";
      Column mismatch;
      if (o.format() == Format.CSV) {
        mismatch = typed.isNull().and(raw.isNotNull()); // CSV parses every field on its own
      } else {
        Map<String, String> one = readOptions(o);
        StructType single = new StructType().add(f.name(), f.dataType(), true).add(CORRUPT, DataTypes.StringType, true);
        mismatch = from_json(rec, single, one).getField(CORRUPT).isNotNull();
      }
      reasons.add(when(mismatch, concat(lit(what + "value '"), substring(raw, 1, SHOWN),
          lit("' is not " + article(f.dataType().simpleString())))));
      if (!f.nullable()) {
        reasons.add(when(typed.isNull(), lit(what + "value null in a column that is not nullable")));
      }
    }
    if (o.format() == Format.CSV) {
      reasons.add(when(text.getField(EXTRA).isNotNull(), concat(lit("column (none: more fields than the schema's "
          + schema.size() + " columns): value '"), substring(text.getField(EXTRA), 1, SHOWN), lit("'"))));
      reasons.add(concat(lit("column (none: fewer fields than the schema's " + schema.size() + " columns): record '"),
          substring(rec, 1, SHOWN), lit("'")));
    } else {
      reasons.add(concat(lit("column (none: not a JSON object): record '"), substring(rec, 1, SHOWN), lit("'")));
    }
    return coalesce(reasons.toArray(new Column[0]));
  }

  private static String article(String type) {
    return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
  }

  /** A column name as {@code Dataset.col} takes it literally (dots and backticks included). */
  static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
