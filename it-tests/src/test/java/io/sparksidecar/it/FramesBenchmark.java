package io.sparksidecar.it;

import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.plugin.dataframe.Format;
import io.sparksidecar.plugin.dataframe.FrameOptions;
import io.sparksidecar.plugin.dataframe.SidecarFrames;
import io.sparksidecar.protocol.Handoff;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Typed DataFrames through the sidecar next to the same sidecar fed by hand-written lines, in one
 * run on the same cluster (local-cluster[2,1,1024], two dd-cli containers copying the input to
 * the output), the same cached DataFrame, alternating rounds:
 * <ul>
 *   <li>hand-written: {@code javaRDD().mapPartitions}, each Row formatted by hand
 *       ({@code fruit,n,price,weight,picked}), streamed into the input, the output read line by
 *       line and split and parsed by hand into Rows, then {@code createDataFrame(rdd, schema)};</li>
 *   <li>hand-written JSON lines: the same, each Row written as a flat JSON object by hand and read back
 *       by hand for that layout (the like-for-like baseline of the JSON format, whose records carry
 *       their field names);</li>
 *   <li>typed: {@code SidecarFrames.transform(df, CSV, schema)} (and JSON and Arrow IPC for reference).</li>
 * </ul>
 * Each round writes the result to Spark's {@code noop} sink (every column computed, nothing
 * stored). Prints the median rows/s of each and typed / hand-written (target >= 0.80), both as the
 * ratio of the medians and as the median of each round's ratio (its paths ran back to back).
 * {@code BENCH_EXECUTOR_JAVA_OPTIONS} in the environment goes to {@code spark.executor.extraJavaOptions} (e.g. a
 * flight recording). Run: {@code mvn -q -pl it-tests verify -DskipTests exec:exec@bench-frames} (after
 * {@code bash images/build.sh}); {@code -Dbench.rounds=N}, {@code -Dbench.rows=N}.
 */
public final class FramesBenchmark {
  static final StructType SCHEMA = new StructType().add("fruit", DataTypes.StringType).add("n", DataTypes.IntegerType)
      .add("price", DataTypes.createDecimalType(10, 2)).add("weight", DataTypes.DoubleType).add("picked", DataTypes.DateType);

  /** dd-cli copies infile.csv to outfile.csv, whatever is inside. */
  static final FrameOptions JSON_AS_DD_NAMES = FrameOptions.builder(Format.JSON).inputName("infile.csv")
      .outputName("outfile.csv").build();
  static final FrameOptions ARROW_AS_DD_NAMES = FrameOptions.builder(Format.ARROW).inputName("infile.csv")
      .outputName("outfile.csv").build();

  /** Rounds run and not counted: the JIT compiles the parsers and writers of every path in the first ones. */
  static final int WARMUP = 2;

  private FramesBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 5);
    int rows = Integer.getInteger("bench.rows", 600_000);
    double[] hand = new double[rounds];
    double[] handJson = new double[rounds];
    double[] csv = new double[rounds];
    double[] json = new double[rounds];
    double[] arrow = new double[rounds];
    Map<String, String> conf = new java.util.HashMap<>(Map.of("spark.sidecar.image", TestImages.DD_CLI,
        "spark.sidecar.protocol", "v1", "spark.sidecar.runtime", "docker"));
    if (System.getenv("BENCH_EXECUTOR_JAVA_OPTIONS") != null) { // e.g. a flight recording of the executors
      conf.put("spark.executor.extraJavaOptions", System.getenv("BENCH_EXECUTOR_JAVA_OPTIONS"));
    }
    try (JavaSparkContext sc = LocalCluster.start("frames-benchmark", conf)) {
      SparkSession spark = SparkSession.builder().getOrCreate();
      Dataset<Row> df = spark.range(0, rows, 1, 2).selectExpr(
          "element_at(array('apple','banana','cherry','date','elderberry'), cast(id % 5 + 1 AS INT)) AS fruit",
          "cast(id AS INT) AS n", "cast(id % 100000 / 100.0 AS DECIMAL(10,2)) AS price", "cast(id * 0.25 AS DOUBLE) AS weight",
          "date_add(DATE'2026-01-01', cast(id % 365 AS INT)) AS picked").cache();
      System.out.printf("%d rows in %d partitions (cached: %d)%n", rows, df.rdd().getNumPartitions(), df.count());
      for (int r = -WARMUP; r < rounds; r++) { // the first rounds warm every path up (codegen, JIT, sidecars)
        double h = rate(rows, () -> spark.createDataFrame(handWritten(df.javaRDD()), SCHEMA).write().format("noop").mode("overwrite").save());
        double hj = rate(rows, () -> spark.createDataFrame(handWrittenJson(df.javaRDD()), SCHEMA).write().format("noop").mode("overwrite").save());
        double c = rate(rows, () -> SidecarFrames.transform(df, Format.CSV, SCHEMA).write().format("noop").mode("overwrite").save());
        double j = rate(rows, () -> SidecarFrames.transform(df, SCHEMA, JSON_AS_DD_NAMES).write().format("noop").mode("overwrite").save());
        double a = rate(rows, () -> SidecarFrames.transform(df, SCHEMA, ARROW_AS_DD_NAMES).write().format("noop").mode("overwrite").save());
        if (r >= 0) {
          hand[r] = h;
          handJson[r] = hj;
          csv[r] = c;
          json[r] = j;
          arrow[r] = a;
        }
        System.out.printf(Locale.ROOT, "round %d: hand-written %.0f rows/s (JSON lines %.0f), typed CSV %.0f rows/s, typed JSON %.0f "
            + "rows/s, typed Arrow %.0f rows/s%n", r, h, hj, c, j, a);
      }
      check(spark, df);
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "| %-52s | %14s |%n", "path (" + rows + " rows, 2 executors, dd-cli sidecars)", "median rows/s");
    System.out.printf(Locale.ROOT, "| %-52s | %14.0f |%n", "hand-written lines (RDD mapPartitions, split/parse)", median(hand));
    System.out.printf(Locale.ROOT, "| %-52s | %14.0f |%n", "hand-written JSON lines (the same, as JSON objects)", median(handJson));
    System.out.printf(Locale.ROOT, "| %-52s | %14.0f |%n", "SidecarFrames CSV (Spark's univocity writer/parser)", median(csv));
    System.out.printf(Locale.ROOT, "| %-52s | %14.0f |%n", "SidecarFrames JSON (Spark's Jackson writer/parser)", median(json));
    System.out.printf(Locale.ROOT, "| %-52s | %14.0f |%n", "SidecarFrames Arrow IPC (Spark's ArrowWriter)", median(arrow));
    System.out.printf(Locale.ROOT, "| %-52s | %14s |%n", "vs hand-written: ratio of medians, median ratio", "");
    System.out.printf(Locale.ROOT, "| %-52s | %6.2f  %6.2f |%n", "typed CSV / hand-written (target >= 0.80)", median(csv) / median(hand),
        median(ratios(csv, hand)));
    System.out.printf(Locale.ROOT, "| %-52s | %6.2f  %6.2f |%n", "typed JSON / hand-written", median(json) / median(hand),
        median(ratios(json, hand)));
    System.out.printf(Locale.ROOT, "| %-52s | %6.2f  %6.2f |%n", "typed Arrow / hand-written", median(arrow) / median(hand),
        median(ratios(arrow, hand)));
    System.out.printf(Locale.ROOT, "| %-52s | %6.2f  %6.2f |%n", "typed JSON / hand-written JSON lines", median(json) / median(handJson),
        median(ratios(json, handJson)));
    System.out.println("rounds: hand  " + Arrays.toString(hand) + "\n        hand json " + Arrays.toString(handJson)
        + "\n        csv   " + Arrays.toString(csv) + "\n        json  "
        + Arrays.toString(json) + "\n        arrow " + Arrays.toString(arrow));
  }

  /** Every path gives the same rows (so none is measured doing less). */
  private static void check(SparkSession spark, Dataset<Row> df) {
    Dataset<Row> a = spark.createDataFrame(handWritten(df.javaRDD()), SCHEMA);
    Dataset<Row> aj = spark.createDataFrame(handWrittenJson(df.javaRDD()), SCHEMA);
    if (a.exceptAll(aj).count() + aj.exceptAll(a).count() != 0) {
      throw new IllegalStateException("the hand-written CSV and JSON lines paths differ");
    }
    for (FrameOptions o : List.of(FrameOptions.of(Format.CSV), JSON_AS_DD_NAMES, ARROW_AS_DD_NAMES)) {
      Dataset<Row> b = SidecarFrames.transform(df, SCHEMA, o);
      long differ = a.exceptAll(b).count() + b.exceptAll(a).count();
      if (differ != 0) {
        throw new IllegalStateException("hand-written and typed " + o.format() + " paths differ in " + differ + " rows");
      }
    }
  }

  private static double rate(int rows, Runnable job) {
    long t = System.nanoTime();
    job.run();
    return rows / ((System.nanoTime() - t) / 1e9);
  }

  /** The hand-written path: one hand-off per partition, lines formatted and parsed by hand. */
  static JavaRDD<Row> handWritten(JavaRDD<Row> rows) {
    return rows.mapPartitions(r -> byHand(r, CSV_LINES));
  }

  /** How the hand-written paths write a Row as one line and read one back. */
  private interface Lines extends java.io.Serializable {
    void write(Writer w, Row r) throws java.io.IOException;

    Row parse(String line);
  }

  private static final Lines CSV_LINES = new Lines() {
    @Override
    public void write(Writer w, Row r) throws java.io.IOException {
      w.write(r.getString(0));
      w.write(',');
      w.write(Integer.toString(r.getInt(1)));
      w.write(',');
      w.write(r.getDecimal(2).toPlainString());
      w.write(',');
      w.write(Double.toString(r.getDouble(3)));
      w.write(',');
      w.write(r.getDate(4).toString());
      w.write('\n');
    }

    @Override
    public Row parse(String line) {
      String[] f = line.split(",", -1);
      return RowFactory.create(f[0], Integer.parseInt(f[1]), new BigDecimal(f[2]), Double.parseDouble(f[3]), Date.valueOf(f[4]));
    }
  };

  /** One hand-off per partition: every row written as a line, the output read back line by line. */
  private static Iterator<Row> byHand(Iterator<Row> rows, Lines lines) throws Exception {
    List<Row> out = new ArrayList<>();
    try (Handoff h = Sidecars.get().newHandoff()) {
      h.writeInput("infile.csv", o -> {
        Writer w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8), 1 << 16);
        while (rows.hasNext()) {
          lines.write(w, rows.next());
        }
        w.flush();
      });
      h.expectOutput("outfile.csv").run(Duration.ofMinutes(5));
      try (BufferedReader in = new BufferedReader(new InputStreamReader(h.openOutput("outfile.csv"), StandardCharsets.UTF_8), 1 << 16)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          out.add(lines.parse(line));
        }
      }
    }
    return out.iterator();
  }

  /** Each round's a / b: the paths of one round ran back to back, under the same load. */
  private static double[] ratios(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] / b[i];
    }
    return r;
  }

  /** The hand-written path with JSON lines ({@code {"fruit":"apple","n":1,...}}), written and read by hand for this layout. */
  static JavaRDD<Row> handWrittenJson(JavaRDD<Row> rows) {
    return rows.mapPartitions(r -> byHand(r, JSON_LINES));
  }

  private static final Lines JSON_LINES = new Lines() {
    @Override
    public void write(Writer w, Row r) throws java.io.IOException {
      w.write("{\"fruit\":\"");
      w.write(r.getString(0)); // plain names: nothing to escape
      w.write("\",\"n\":");
      w.write(Integer.toString(r.getInt(1)));
      w.write(",\"price\":");
      w.write(r.getDecimal(2).toPlainString());
      w.write(",\"weight\":");
      w.write(Double.toString(r.getDouble(3)));
      w.write(",\"picked\":\"");
      w.write(r.getDate(4).toString());
      w.write("\"}\n");
    }

    @Override
    public Row parse(String line) {
      return RowFactory.create(jsonValue(line, "fruit", true), Integer.parseInt(jsonValue(line, "n", false)),
          new BigDecimal(jsonValue(line, "price", false)), Double.parseDouble(jsonValue(line, "weight", false)),
          Date.valueOf(jsonValue(line, "picked", true)));
    }
  };

  /** The value of {@code "key":} in a flat JSON object of this layout (no escapes, no nesting). */
  private static String jsonValue(String line, String key, boolean quoted) {
    int k = line.indexOf("\"" + key + "\":");
    if (k < 0) {
      throw new IllegalStateException("no " + key + " in " + line);
    }
    int from = k + key.length() + 3;
    if (quoted) {
      return line.substring(from + 1, line.indexOf('"', from + 1));
    }
    int end = from;
    while (end < line.length() && line.charAt(end) != ',' && line.charAt(end) != '}') {
      end++;
    }
    return line.substring(from, end);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
