package io.sparksidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.RowsCsv;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.nio.file.Path;
import java.time.Duration;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Spark rows through sidecars with RowsCsv, 4 executors, 4 sidecars, the result saved as a table. */
@Timeout(300)
class DataFrameIT {
  static final StructType SCHEMA = new StructType().add("fruit", DataTypes.StringType).add("n", DataTypes.IntegerType);

  @Test
  void rowsGoThroughFourSidecarsIntoATable(@TempDir Path warehouse) throws Exception {
    String appId;
    try (JavaSparkContext sc = LocalCluster.start("dataframe", Map.of("spark.sidecar.image", TestImages.DD_CLI,
        "spark.sidecar.protocol", "v1", "spark.sidecar.runtime", "docker",
        "spark.sql.warehouse.dir", warehouse.toString()), "local-cluster[4,1,1024]")) {
      appId = sc.sc().applicationId();
      SparkSession spark = SparkSession.builder().getOrCreate();
      Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("apple, red", 1), RowFactory.create("banana \"b\"", 2),
          RowFactory.create("cherry", 3), RowFactory.create("date", null)), SCHEMA).repartition(4);
      JavaRDD<Row> out = in.javaRDD().mapPartitions(rows -> {
        try (Handoff h = Sidecars.get().newHandoff()) {
          RowsCsv.writeRows(h, "infile.csv", rows, null).expectOutput("outfile.csv");
          h.run(Duration.ofSeconds(60));
          return RowsCsv.readRows(h, "outfile.csv", SCHEMA, false).iterator();
        }
      });
      spark.createDataFrame(out, SCHEMA).write().saveAsTable("fruit_out");
      assertThat(LocalCluster.containersOf(appId)).as("one sidecar per executor").isEqualTo(4);
      List<Row> table = spark.table("fruit_out").collectAsList();
      assertThat(table).containsExactlyInAnyOrder(RowFactory.create("apple, red", 1), RowFactory.create("banana \"b\"", 2),
          RowFactory.create("cherry", 3), RowFactory.create("date", null));
    }
    LocalCluster.awaitNoContainers(appId, 30_000);
  }
}
