package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * Typed DataFrames through this executor's sidecar: each partition of the input is handed to the
 * sidecar as one file (CSV or JSON Lines, written by Spark's own {@code to_csv}/{@code to_json}),
 * the sidecar's output file is read back by Spark's own {@code from_csv}/{@code from_json} into
 * the columns of the output schema. One hand-off per non-empty partition; rows stream into the
 * input file and out of the output file, nothing of a partition is collected in memory.
 * <pre>{@code
 * Dataset<Row> out = SidecarFrames.transform(df, Format.CSV, outputSchema);
 * }</pre>
 *
 * <p>Called on the driver; it only builds the plan and returns at once (lazy, like any
 * transformation). The hand-offs run in the tasks of whatever action follows, on the task threads
 * of executors started with {@code spark.plugins=io.sparksidecar.plugin.SidecarPlugin} and
 * {@code spark.sidecar.protocol=v1} (or {@code legacy}), through the sidecar's first volume.
 *
 * <p>Failures: a schema or option the format cannot carry throws {@link SidecarException} here,
 * naming the column. In the tasks, a sidecar that fails raises the hand-off's exception (exit code
 * and log tail); an output record that does not match {@code outputSchema} fails the task with the
 * partition, the row number (records counted from 1, header excluded), the column and the value.
 * Spark retries a failed task as usual ({@code spark.task.maxFailures}).
 *
 * <p>The result has the names and types of {@code outputSchema}, every column nullable; columns
 * declared not nullable are checked (a null fails the task). The check runs where the columns are
 * read: an action that reads no column (e.g. {@code count()}) checks nothing.
 */
public final class SidecarFrames {
  private SidecarFrames() {}

  /** {@link #transform(Dataset, StructType, FrameOptions)} with {@link FrameOptions#of(Format)}. */
  public static Dataset<Row> transform(Dataset<Row> df, Format format, StructType outputSchema) {
    return transform(df, outputSchema, FrameOptions.of(format));
  }

  /** The output schema as a DDL string ({@code "name STRING, n INT"}) or as Spark's JSON form of a struct. */
  public static Dataset<Row> transform(Dataset<Row> df, String outputSchema, FrameOptions options) {
    return transform(df, parseSchema(outputSchema), options);
  }

  /** Hands every partition of {@code df} to this executor's sidecar; see the class comment. */
  public static Dataset<Row> transform(Dataset<Row> df, StructType outputSchema, FrameOptions options) {
    return transform(df, outputSchema, options, PartitionHandoff.EXECUTOR_SIDECAR);
  }

  static Dataset<Row> transform(Dataset<Row> df, StructType outputSchema, FrameOptions options,
      PartitionHandoff.Source source) {
    if (df == null || outputSchema == null || options == null) {
      throw new SidecarException("sidecar frames: the DataFrame, the output schema and the options are all required");
    }
    FrameTypes.check(options.format(), df.schema(), "input");
    FrameTypes.check(options.format(), outputSchema, "output");
    byte[] header = options.header() ? FrameCodec.header(df.schema(), options) : null;
    Dataset<byte[]> records = df.select(FrameCodec.encode(df, options)).as(Encoders.BINARY());
    Dataset<Row> back = records.mapPartitions(new PartitionHandoff(options, header, source), Encoders.BINARY()).toDF();
    return FrameCodec.decode(back, outputSchema, options);
  }

  /** A struct schema from DDL ({@code "a INT, b STRING"}) or from Spark's JSON form. */
  static StructType parseSchema(String schema) {
    if (schema == null || schema.isBlank()) {
      throw new SidecarException("sidecar frames: the output schema is empty");
    }
    try {
      if (schema.trim().startsWith("{")) {
        DataType t = DataType.fromJson(schema);
        if (t instanceof StructType s) {
          return s;
        }
        throw new SidecarException("sidecar frames: the output schema must be a struct, got " + t.simpleString());
      }
      return StructType.fromDDL(schema);
    } catch (SidecarException e) {
      throw e;
    } catch (Exception e) { // Spark's ParseException is a checked AnalysisException to Java
      throw new SidecarException("sidecar frames: cannot parse the output schema '" + schema + "': " + e.getMessage(), e);
    }
  }
}
