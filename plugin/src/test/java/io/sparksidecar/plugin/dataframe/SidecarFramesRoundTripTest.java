package io.sparksidecar.plugin.dataframe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.Period;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.YearMonthIntervalType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Spark SQL type each format carries goes to a real sidecar (the Java agent, {@code cat} of the
 * input) and comes back equal, nulls included, through Spark's own writers and readers.
 */
class SidecarFramesRoundTripTest {
  @TempDir
  static Path dir;
  static LocalSidecar sidecar;
  static SparkSession spark;

  static final StructType ATOMIC = new StructType()
      .add("id", DataTypes.IntegerType)
      .add("b", DataTypes.ByteType)
      .add("s", DataTypes.ShortType)
      .add("i", DataTypes.IntegerType)
      .add("l", DataTypes.LongType)
      .add("f", DataTypes.FloatType)
      .add("d", DataTypes.DoubleType)
      .add("dec", DataTypes.createDecimalType(38, 18))
      .add("money", DataTypes.createDecimalType(10, 2))
      .add("str", DataTypes.StringType)
      .add("ok", DataTypes.BooleanType)
      .add("bin", DataTypes.BinaryType)
      .add("day", DataTypes.DateType)
      .add("ts", DataTypes.TimestampType)
      .add("ntz", DataTypes.TimestampNTZType)
      .add("dt", DayTimeIntervalType.apply())
      .add("ym", YearMonthIntervalType.apply());

  @BeforeAll
  static void start() throws Exception {
    // the sidecar: every input copied to the output of the same extension
    sidecar = new LocalSidecar(dir, "for f in in/*; do case \"$f\" in *.csv) cat \"$f\" > out/outfile.csv ;; "
        + "*.json) cat \"$f\" > out/outfile.json ;; *.arrow) cat \"$f\" > out/outfile.arrow ;; esac; done\n");
    spark = LocalSidecar.spark();
  }

  @AfterAll
  static void stop() throws Exception {
    sidecar.close();
  }

  static Timestamp ts(String s, int nanos) {
    Timestamp t = Timestamp.valueOf(s);
    t.setNanos(nanos);
    return t;
  }

  static List<Row> atomicRows() {
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(1, (byte) 1, (short) 2, 3, 4L, 1.5f, 2.25, new BigDecimal("12345678901234567890.123456789012345678"),
        new BigDecimal("12.34"), "plain", true, new byte[] {0, 1, 2, (byte) 255}, Date.valueOf("2024-02-29"),
        ts("2024-02-29 13:14:15", 123_456_000), LocalDateTime.of(2024, 2, 29, 13, 14, 15, 654_321_000),
        Duration.ofDays(3).plusHours(4).plusNanos(5_000), Period.ofYears(2).plusMonths(7)));
    rows.add(RowFactory.create(2, Byte.MIN_VALUE, Short.MIN_VALUE, Integer.MIN_VALUE, Long.MIN_VALUE, Float.MAX_VALUE,
        -Double.MAX_VALUE, new BigDecimal("-0.000000000000000001"), new BigDecimal("-99999999.99"),
        "comma, \"quotes\", and\nnew\r\nlines", false, new byte[0], Date.valueOf("1900-01-01"),
        ts("1970-01-01 00:00:00", 1_000), LocalDateTime.of(1, 1, 1, 0, 0), Duration.ofSeconds(-1), Period.ofMonths(-13)));
    rows.add(RowFactory.create(3, Byte.MAX_VALUE, Short.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, Float.NaN,
        Double.NEGATIVE_INFINITY, BigDecimal.ZERO.setScale(18), new BigDecimal("0.00"), "", true,
        "ünïcødé ✓".getBytes(StandardCharsets.UTF_8), Date.valueOf("9999-12-31"), ts("2038-01-19 03:14:08", 999_999_000),
        LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000), Duration.ZERO, Period.ZERO));
    rows.add(RowFactory.create(4, (byte) 0, (short) 0, 0, 0L, -0.0f, Double.POSITIVE_INFINITY, null, null,
        "  spaces kept  ", null, null, null, null, null, null, null));
    rows.add(RowFactory.create(5, null, null, null, null, null, Double.NaN, null, null, "ünïcødé ✓, \"", null, null, null,
        null, null, null, null));
    rows.add(RowFactory.create(6, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null));
    return rows;
  }

  static void assertRoundTrip(Dataset<Row> in, Dataset<Row> out) {
    assertThat(out.schema().fieldNames()).containsExactly(in.schema().fieldNames());
    for (int i = 0; i < in.schema().size(); i++) {
      assertThat(out.schema().fields()[i].dataType()).as(in.schema().fields()[i].name())
          .isEqualTo(in.schema().fields()[i].dataType());
    }
    // one action each (an orderBy would run the plan twice: its sampling job and the sort)
    List<Row> expected = byId(in.collectAsList());
    List<Row> got = byId(out.collectAsList());
    assertThat(got).hasSameSizeAs(expected);
    for (int r = 0; r < expected.size(); r++) {
      for (int c = 0; c < in.schema().size(); c++) {
        Object e = expected.get(r).get(c);
        Object g = got.get(r).get(c);
        String where = "row id " + expected.get(r).get(0) + ", column " + in.schema().fields()[c].name();
        if (e instanceof byte[] eb) {
          assertThat((byte[]) g).as(where).isEqualTo(eb);
        } else if (e instanceof Float ef && ef.isNaN()) {
          assertThat((Float) g).as(where).isNaN();
        } else if (e instanceof Double ed && ed.isNaN()) {
          assertThat((Double) g).as(where).isNaN();
        } else if (e instanceof Float ef) {
          assertThat(Float.floatToIntBits((Float) g)).as(where + ": " + g).isEqualTo(Float.floatToIntBits(ef));
        } else {
          assertThat(g).as(where).isEqualTo(e);
        }
      }
    }
  }

  @Test
  void csvCarriesEveryAtomicTypeAndNulls() {
    Dataset<Row> in = spark.createDataFrame(atomicRows(), ATOMIC).repartition(3);
    int before = sidecar.handoffs.get();
    Dataset<Row> out = SidecarFrames.transform(in, ATOMIC, FrameOptions.of(Format.CSV), sidecar.source());
    assertRoundTrip(in, out);
    assertThat(sidecar.handoffs.get() - before).as("one hand-off per non-empty partition").isEqualTo(3);
  }

  @Test
  void jsonCarriesEveryAtomicTypeAndNulls() {
    Dataset<Row> in = spark.createDataFrame(atomicRows(), ATOMIC).repartition(2);
    assertRoundTrip(in, SidecarFrames.transform(in, ATOMIC, FrameOptions.of(Format.JSON), sidecar.source()));
  }

  @Test
  void arrowCarriesEveryAtomicTypeAndNulls() {
    Dataset<Row> in = spark.createDataFrame(atomicRows(), ATOMIC).repartition(2);
    int before = sidecar.handoffs.get();
    assertRoundTrip(in, SidecarFrames.transform(in, ATOMIC, FrameOptions.of(Format.ARROW), sidecar.source()));
    assertThat(sidecar.handoffs.get() - before).isEqualTo(2);
  }

  @Test
  void arrowCarriesNestedTypesMapsWithAnyKeysAndManyBatches() {
    StructType schema = new StructType()
        .add("id", DataTypes.IntegerType)
        .add("ints", DataTypes.createArrayType(DataTypes.IntegerType, true))
        .add("byNumber", DataTypes.createMapType(DataTypes.IntegerType, DataTypes.StringType, true))
        .add("nested", new StructType().add("name", DataTypes.StringType).add("when", DataTypes.TimestampType));
    // more rows than one record batch, so that batches follow one another both ways
    Dataset<Row> in = spark.range(0, ArrowFrames.BATCH_ROWS * 2L + 17, 1, 2).selectExpr("cast(id AS INT) AS id",
        "IF(id % 7 = 0, NULL, array(cast(id AS INT), NULL))", "IF(id % 5 = 0, NULL, map(cast(id AS INT), cast(id AS STRING)))",
        "IF(id % 3 = 0, NULL, named_struct('name', IF(id % 2 = 0, '', 'x'), 'when', timestamp_micros(id * 1000001)))")
        .toDF(schema.fieldNames());
    Dataset<Row> out = SidecarFrames.transform(in, schema, FrameOptions.of(Format.ARROW), sidecar.source());
    assertThat(out.schema().json()).isEqualTo(nullable(schema).json());
    List<String> got = sorted(out.toJSON().collectAsList()); // maps compared by value (no set operations on maps)
    assertThat(got).hasSize(ArrowFrames.BATCH_ROWS * 2 + 17).isEqualTo(sorted(in.toJSON().collectAsList()));
  }

  @Test
  void jsonCarriesArraysMapsAndNestedStructsWithNulls() {
    StructType inner = new StructType().add("when", DataTypes.DateType).add("raw", DataTypes.BinaryType)
        .add("x", DataTypes.createDecimalType(12, 3));
    StructType schema = new StructType()
        .add("id", DataTypes.IntegerType)
        .add("ints", DataTypes.createArrayType(DataTypes.IntegerType, true))
        .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, true))
        .add("nested", new StructType().add("name", DataTypes.StringType)
            .add("items", DataTypes.createArrayType(inner, true)))
        .add("grid", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.LongType)));
    List<Row> rows = List.of(
        RowFactory.create(1, new Integer[] {1, null, 3}, Map.of("a", 1.5, "b,\"c\"", -2.0),
            RowFactory.create("n", new Row[] {RowFactory.create(Date.valueOf("2020-01-02"), new byte[] {9, 8}, new BigDecimal("1.250")),
                null, RowFactory.create(null, null, null)}),
            new Long[][] {{1L, 2L}, {}, null}),
        RowFactory.create(2, new Integer[0], Map.of(), RowFactory.create(null, new Row[0]), new Long[0][]),
        RowFactory.create(3, null, null, null, null));
    // Java arrays and maps as they are: Spark's converters take them for array and map columns
    Dataset<Row> in = spark.createDataFrame(rows, schema).repartition(2);
    Dataset<Row> out = SidecarFrames.transform(in, schema, FrameOptions.of(Format.JSON), sidecar.source());
    assertThat(out.schema().json()).isEqualTo(nullable(schema).json());
    // compare as Spark's own JSON of each row: binary, maps and nested rows compared by value
    List<String> got = sorted(out.toJSON().collectAsList());
    assertThat(got).isEqualTo(sorted(in.toJSON().collectAsList()));
    assertThat(got.get(0)).contains("\"ints\":[1,null,3]").contains("\"raw\":\"CQg=\"");
  }

  @Test
  void aCsvHeaderGoesInAndIsSkippedComingBack() throws Exception {
    try (LocalSidecar headed = new LocalSidecar(Files.createDirectories(dir.resolve("headed")),
        "head -n 1 in/infile.csv > ../../header-seen.txt; cat in/infile.csv > out/outfile.csv\n")) {
      StructType schema = new StructType().add("id", DataTypes.IntegerType).add("a,b", DataTypes.StringType);
      Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create(1, "x"), RowFactory.create(2, null)), schema).coalesce(1);
      Dataset<Row> out = SidecarFrames.transform(in, schema, FrameOptions.builder(Format.CSV).header(true).build(), headed.source());
      assertThat(out.orderBy("id").collectAsList()).containsExactly(RowFactory.create(1, "x"), RowFactory.create(2, null));
      assertThat(Files.readString(dir.resolve("headed").resolve("volume").resolve("header-seen.txt")))
          .isEqualTo("id,\"a,b\"\n");
    }
  }

  @Test
  void theSidecarMayChangeTheShapeOfTheRows() throws Exception {
    try (LocalSidecar awk = new LocalSidecar(Files.createDirectories(dir.resolve("awk")),
        "awk -F, '{ print $1 \",\" $2 * 2 \",\" ($2 > 1) }' in/infile.csv > out/outfile.csv\n")) {
      StructType in = new StructType().add("name", DataTypes.StringType).add("n", DataTypes.IntegerType);
      StructType outSchema = new StructType().add("name", DataTypes.StringType).add("twice", DataTypes.LongType)
          .add("big", DataTypes.IntegerType);
      Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create("a", 1), RowFactory.create("b", 2),
          RowFactory.create("c", 3)), in).repartition(2);
      Dataset<Row> out = SidecarFrames.transform(df, outSchema, FrameOptions.of(Format.CSV), awk.source());
      assertThat(out.collectAsList()).containsExactlyInAnyOrder(RowFactory.create("a", 2L, 0), RowFactory.create("b", 4L, 1),
          RowFactory.create("c", 6L, 1));
    }
  }

  @Test
  void aPartitionOfRowsGoesThroughTheSidecarInsideMapPartitions() {
    Dataset<Row> in = spark.createDataFrame(atomicRows(), ATOMIC).repartition(3);
    int before = sidecar.handoffs.get();
    PartitionHandoff.Source source = sidecar.source();
    org.apache.spark.api.java.JavaRDD<Row> rows = in.javaRDD().mapPartitions(
        part -> SidecarFrames.transformPartition(part, ATOMIC, ATOMIC, FrameOptions.of(Format.CSV), source));
    assertRoundTrip(in, spark.createDataFrame(rows, ATOMIC));
    assertThat(sidecar.handoffs.get() - before).as("one hand-off per non-empty partition").isEqualTo(3);
    // the rows carry the output schema; JSON and Arrow too
    Row first = in.javaRDD().mapPartitions(part -> SidecarFrames.transformPartition(part, ATOMIC, ATOMIC,
        FrameOptions.of(Format.JSON), source)).first();
    assertThat(first.schema().fieldNames()).containsExactly(ATOMIC.fieldNames());
    assertRoundTrip(in, spark.createDataFrame(in.javaRDD().mapPartitions(part -> SidecarFrames.transformPartition(part, ATOMIC,
        ATOMIC, FrameOptions.of(Format.ARROW), source)), ATOMIC));
  }

  @Test
  void anEmptyPartitionOfRowsMakesNoHandoffAndABadSchemaNoneEither() {
    int before = sidecar.handoffs.get();
    assertThat(SidecarFrames.transformPartition(java.util.Collections.emptyIterator(), ATOMIC, ATOMIC,
        FrameOptions.of(Format.CSV), sidecar.source())).isExhausted();
    StructType nested = new StructType().add("xs", DataTypes.createArrayType(DataTypes.IntegerType));
    assertThatThrownBy(() -> SidecarFrames.transformPartition(atomicRows().iterator(), ATOMIC, nested,
        FrameOptions.of(Format.CSV), sidecar.source())).isInstanceOf(SidecarException.class)
        .hasMessageContaining("CSV cannot carry the output column 'xs'");
    assertThat(sidecar.handoffs.get() - before).isZero();
  }

  @Test
  void emptyPartitionsMakeNoHandoff() {
    Dataset<Row> in = spark.createDataFrame(atomicRows(), ATOMIC).filter("id = 1").repartition(4);
    int before = sidecar.handoffs.get();
    assertThat(SidecarFrames.transform(in, ATOMIC, FrameOptions.of(Format.CSV), sidecar.source()).collectAsList()).hasSize(1);
    assertThat(sidecar.handoffs.get() - before).isEqualTo(1);
  }

  @Test
  void typesAFormatDoesNotCarryAreRefusedBeforeAnyJob() {
    StructType nested = new StructType().add("id", DataTypes.IntegerType)
        .add("xs", DataTypes.createArrayType(DataTypes.IntegerType));
    Dataset<Row> df = spark.createDataFrame(List.<Row>of(), nested);
    assertThatThrownBy(() -> SidecarFrames.transform(df, Format.CSV, nested)).isInstanceOf(SidecarException.class)
        .hasMessageContaining("CSV cannot carry the input column 'xs' (array<int>)").hasMessageContaining("Format.JSON");
    StructType intKeys = new StructType().add("m", DataTypes.createMapType(DataTypes.IntegerType, DataTypes.StringType));
    assertThatThrownBy(() -> SidecarFrames.transform(df, Format.JSON, intKeys)).isInstanceOf(SidecarException.class)
        .hasMessageContaining("output column 'm'").hasMessageContaining("string keys");
    assertThatThrownBy(() -> FrameOptions.builder(Format.CSV).option("mode", "FAILFAST"))
        .hasMessageContaining("'mode' is set by the transform itself");
    assertThatThrownBy(() -> FrameOptions.builder(Format.JSON).header(true)).hasMessageContaining("only in CSV");
    assertThatThrownBy(() -> FrameOptions.builder(Format.ARROW).option("sep", ";")).hasMessageContaining("Arrow takes no");
    StructType calendar = new StructType().add("c", DataTypes.CalendarIntervalType);
    assertThatThrownBy(() -> SidecarFrames.transform(df, Format.ARROW, calendar)).isInstanceOf(SidecarException.class)
        .hasMessageContaining("ARROW cannot carry the output column 'c' (interval)");
    assertThatThrownBy(() -> FrameOptions.builder(Format.CSV).inputName("../x")).hasMessageContaining("bad input name '../x'");
  }

  @Test
  void theOutputSchemaMayBeGivenAsDdlOrJson() {
    assertThat(SidecarFrames.parseSchema("a INT, `b c` ARRAY<STRING>")).isEqualTo(new StructType()
        .add("a", DataTypes.IntegerType).add("b c", DataTypes.createArrayType(DataTypes.StringType)));
    assertThat(SidecarFrames.parseSchema(ATOMIC.json())).isEqualTo(ATOMIC);
    assertThatThrownBy(() -> SidecarFrames.parseSchema("a NOTATYPE")).hasMessageContaining("cannot parse the output schema 'a NOTATYPE'");
  }

  private static List<String> sorted(List<String> l) {
    List<String> s = new ArrayList<>(l);
    java.util.Collections.sort(s);
    return s;
  }

  private static List<Row> byId(List<Row> rows) {
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));
    return sorted;
  }

  private static StructType nullable(StructType s) {
    StructType out = new StructType();
    for (var f : s.fields()) {
      out = out.add(f.name(), f.dataType(), true, f.metadata());
    }
    return out;
  }

}
