package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import java.util.Iterator;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * Typed DataFrames through this executor's sidecar: each partition of the input is handed to the
 * sidecar as one file (CSV or JSON Lines, written by Spark's own CSV and JSON writers, the ones
 * behind {@code to_csv}/{@code to_json} and {@code DataFrameWriter}), the sidecar's output file is
 * parsed by Spark's own CSV and JSON parsers (behind {@code from_csv}/{@code from_json}) into the
 * columns of the output schema, row by row on Spark's internal rows (no per-row expression, no
 * String round trip in JSON). One hand-off per non-empty partition; rows stream into the input
 * file and out of the output file, nothing of a partition is collected in memory.
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
 * declared not nullable are checked (a null fails the task). Every record is parsed and checked,
 * whichever columns the action reads. For task code holding rows already, see
 * {@link #transformPartition(Iterator, StructType, StructType, FrameOptions)}.
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
    FramePlan plan = plan(df.schema(), outputSchema, options, df.sparkSession().conf().get("spark.sql.session.timeZone"));
    JavaRDD<InternalRow> rows = SparkInternals.internalRows(df).toJavaRDD();
    JavaRDD<InternalRow> back = rows.mapPartitions(new PartitionHandoff(plan, source));
    return SparkInternals.dataFrame(df.sparkSession(), back.rdd(), FrameCodec.nullable(outputSchema));
  }

  /**
   * One partition of rows through this executor's sidecar, for task code that holds rows already
   * (inside {@code mapPartitions}, {@code foreachPartition}):
   * <pre>{@code
   * JavaRDD<Row> out = df.javaRDD().mapPartitions(
   *     rows -> SidecarFrames.transformPartition(rows, df.schema(), outputSchema, options));
   * }</pre>
   * {@code rows} have {@code inputSchema}; the result's rows have {@code outputSchema} (Rows with
   * that schema). Called on a task's thread of an executor with the plugin; blocks while the rows
   * are written and the sidecar runs (one hand-off, none for an empty iterator), then returns an
   * iterator that parses the output as it is read. The hand-off is closed at the output's end or
   * when the task ends. Failures as for {@link #transform(Dataset, StructType, FrameOptions)}: a
   * schema the format cannot carry throws {@link SidecarException} before any hand-off, a record
   * that does not match {@code outputSchema} throws it from the iterator naming the partition, the
   * row, the column and the value. Dates and timestamps are in the session time zone of the job
   * ({@code spark.sql.session.timeZone}), the JVM's when the job has none.
   */
  public static Iterator<Row> transformPartition(Iterator<Row> rows, StructType inputSchema, StructType outputSchema,
      FrameOptions options) {
    return transformPartition(rows, inputSchema, outputSchema, options, PartitionHandoff.EXECUTOR_SIDECAR);
  }

  /** {@link #transformPartition(Iterator, StructType, StructType, FrameOptions)} with {@link FrameOptions#of(Format)}. */
  public static Iterator<Row> transformPartition(Iterator<Row> rows, StructType inputSchema, Format format,
      StructType outputSchema) {
    return transformPartition(rows, inputSchema, outputSchema, FrameOptions.of(format));
  }

  static Iterator<Row> transformPartition(Iterator<Row> rows, StructType inputSchema, StructType outputSchema,
      FrameOptions options, PartitionHandoff.Source source) {
    if (rows == null || inputSchema == null || outputSchema == null || options == null) {
      throw new SidecarException("sidecar frames: the rows, both schemas and the options are all required");
    }
    FramePlan plan = plan(inputSchema, outputSchema, options, SparkInternals.sessionTimeZone());
    Function<Row, InternalRow> in = SparkInternals.toInternal(inputSchema);
    Function<InternalRow, Row> out = SparkInternals.toRow(FrameCodec.nullable(outputSchema));
    Iterator<InternalRow> internal = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public InternalRow next() {
        return in.apply(rows.next());
      }
    };
    Iterator<InternalRow> back = new PartitionHandoff(plan, source).call(internal);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return back.hasNext();
      }

      @Override
      public Row next() {
        return out.apply(back.next());
      }
    };
  }

  private static FramePlan plan(StructType input, StructType output, FrameOptions options, String timeZone) {
    FrameTypes.check(options.format(), input, "input");
    FrameTypes.check(options.format(), output, "output");
    return new FramePlan(options, input, output, timeZone);
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
