package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.dataframe.FrameOptions;
import io.sparksidecar.plugin.dataframe.Format;
import io.sparksidecar.plugin.dataframe.SidecarFrames;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Typed DataFrames through real sidecars: 4 executor JVMs, 4 dd-cli containers (the sh agent runs
 * {@code dd if=in/infile.csv of=out/outfile.csv} per request), {@link SidecarFrames} in CSV, JSON
 * and Arrow IPC, the result saved as a table and read back equal; a partition of rows through
 * {@code transformPartition} inside {@code mapPartitions} and {@code foreachPartition}; then an
 * output schema the sidecar's output does not match fails the job naming the row, the column and
 * the value.
 */
@Timeout(600) // a bound, not a measurement: under a loaded machine the first codegen in 4 cold executors takes minutes
class DataFrameIT {
  static final StructType SCHEMA = new StructType().add("fruit", DataTypes.StringType).add("n", DataTypes.IntegerType)
      .add("price", DataTypes.createDecimalType(10, 2)).add("weight", DataTypes.FloatType)
      .add("picked", DataTypes.DateType).add("seen", DataTypes.TimestampType).add("code", DataTypes.BinaryType)
      .add("grade", DataTypes.ShortType);

  @Test
  void typedRowsGoThroughFourSidecarsIntoATable(@TempDir Path warehouse) throws Exception {
    String appId;
    try (JavaSparkContext sc = LocalCluster.start("dataframe", Map.of("spark.sidecar.image", TestImages.DD_CLI,
        "spark.sidecar.protocol", "v1", "spark.sidecar.runtime", "docker",
        "spark.sql.warehouse.dir", warehouse.toString()), "local-cluster[4,1,1024]")) {
      appId = sc.sc().applicationId();
      SparkSession spark = SparkSession.builder().getOrCreate();
      Dataset<Row> in = spark.createDataFrame(rows(), SCHEMA).repartition(4);

      // CSV: every column typed as declared, nulls kept, into a table
      SidecarFrames.transform(in, Format.CSV, SCHEMA).write().saveAsTable("fruit_out");
      assertThat(LocalCluster.containersOf(appId)).as("one sidecar per executor").isEqualTo(4);
      Dataset<Row> table = spark.table("fruit_out");
      assertThat(table.schema().json()).isEqualTo(nullable(SCHEMA).json());
      assertThat(sorted(table.toJSON().collectAsList())).isEqualTo(sorted(in.toJSON().collectAsList()));

      // a partition of rows in task code (mapPartitions, foreachPartition), through each executor's sidecar
      StructType schema = SCHEMA;
      JavaRDD<Row> viaTasks = in.javaRDD().mapPartitions(rows -> SidecarFrames.transformPartition(rows, schema, Format.CSV, schema));
      assertThat(sorted(spark.createDataFrame(viaTasks, SCHEMA).toJSON().collectAsList()))
          .isEqualTo(sorted(in.toJSON().collectAsList()));
      LongAccumulator rowsBack = sc.sc().longAccumulator("rows back from the sidecars");
      LongAccumulator cherries = sc.sc().longAccumulator("cherries back");
      FrameOptions jsonAsCsvNames = FrameOptions.builder(Format.JSON).inputName("infile.csv").outputName("outfile.csv").build();
      in.javaRDD().foreachPartition(rows -> SidecarFrames.transformPartition(rows, schema, schema, jsonAsCsvNames)
          .forEachRemaining(r -> {
            rowsBack.add(1);
            if ("cherry".equals(r.getAs("fruit"))) {
              cherries.add(1);
            }
          }));
      assertThat(rowsBack.value()).isEqualTo(41L);
      assertThat(cherries.value()).isEqualTo(8L);

      // JSON, nested: the same sidecar, under the names its command knows
      StructType nested = new StructType().add("fruit", DataTypes.StringType)
          .add("batches", DataTypes.createArrayType(new StructType().add("n", DataTypes.IntegerType)
              .add("seen", DataTypes.TimestampType)))
          .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
      Dataset<Row> json = in.selectExpr("fruit", "array(named_struct('n', n, 'seen', seen), null) AS batches",
          "map('grade', cast(grade AS STRING), 'code', base64(code)) AS tags");
      Dataset<Row> back = SidecarFrames.transform(json, nested, jsonAsCsvNames);
      assertThat(back.schema().json()).isEqualTo(nullable(nested).json());
      assertThat(sorted(back.toJSON().collectAsList())).isEqualTo(sorted(json.toJSON().collectAsList()));

      // Arrow IPC, flat and nested: the same sidecar copies the stream
      FrameOptions arrowAsCsvNames = FrameOptions.builder(Format.ARROW).inputName("infile.csv").outputName("outfile.csv").build();
      assertThat(sorted(SidecarFrames.transform(in, SCHEMA, arrowAsCsvNames).toJSON().collectAsList()))
          .isEqualTo(sorted(in.toJSON().collectAsList()));
      assertThat(sorted(SidecarFrames.transform(json, nested, arrowAsCsvNames).toJSON().collectAsList()))
          .isEqualTo(sorted(json.toJSON().collectAsList()));

      // an output schema that does not match what the sidecar wrote: the job fails naming row, column and value
      StructType wrong = new StructType().add("fruit", DataTypes.IntegerType).add("n", DataTypes.IntegerType)
          .add("price", DataTypes.createDecimalType(10, 2)).add("weight", DataTypes.FloatType)
          .add("picked", DataTypes.DateType).add("seen", DataTypes.TimestampType).add("code", DataTypes.BinaryType)
          .add("grade", DataTypes.ShortType);
      assertThatThrownBy(() -> SidecarFrames.transform(in.filter("fruit = 'cherry'").coalesce(1), Format.CSV, wrong)
          .collectAsList())
          .hasStackTraceContaining("sidecar output 'outfile.csv' of partition 0 does not match the output schema: "
              + "row 1, column 'fruit' (int): value 'cherry' is not an int");
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }

  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    String[] fruits = {"apple, red", "banana \"b\"", "cherry", "date\nwith a line break", ""};
    for (int i = 0; i < 40; i++) {
      Timestamp seen = Timestamp.valueOf("2026-11-30 10:00:00");
      seen.setNanos(123_456_000 + i * 1000);
      rows.add(RowFactory.create(fruits[i % fruits.length], i, new BigDecimal(i + ".25"), i * 0.5f,
          Date.valueOf("2026-11-" + (1 + i % 28)), seen, new byte[] {(byte) i, 0, (byte) 255}, (short) (i - 20)));
    }
    rows.add(RowFactory.create(null, null, null, null, null, null, null, null));
    return rows;
  }

  static List<String> sorted(List<String> l) {
    List<String> s = new ArrayList<>(l);
    Collections.sort(s);
    return s;
  }

  static StructType nullable(StructType s) {
    StructType out = new StructType();
    for (var f : s.fields()) {
      out = out.add(f.name(), f.dataType(), true, f.metadata());
    }
    return out;
  }
}
