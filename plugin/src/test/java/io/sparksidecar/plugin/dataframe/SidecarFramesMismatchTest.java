package io.sparksidecar.plugin.dataframe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar whose output does not match the output schema fails the task with the partition, the
 * row number, the column and the value. The sidecar (the Java agent running sh) damages one record
 * of its input, chosen by the input's name.
 */
class SidecarFramesMismatchTest {
  @TempDir
  static Path dir;
  static LocalSidecar sidecar;
  static SparkSession spark;
  static final StructType SCHEMA = new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType)
      .add("n", DataTypes.IntegerType);

  @BeforeAll
  static void start() throws Exception {
    sidecar = new LocalSidecar(dir, String.join("\n",
        "for f in in/*; do",
        "  case \"$f\" in",
        "    in/wrong-int.csv) sed '2s/,[^,]*$/,abc/' \"$f\" > out/outfile.csv ;;",
        "    in/more.csv) sed '3s/$/,surplus/' \"$f\" > out/outfile.csv ;;",
        "    in/fewer.csv) sed '2s/,[^,]*$//' \"$f\" > out/outfile.csv ;;",
        "    in/null.csv) sed '3s/,[^,]*$/,/' \"$f\" > out/outfile.csv ;;",
        "    in/quote.csv) { cat \"$f\"; printf '4,\"open\\n'; } > out/outfile.csv ;;",
        "    in/wrong-int.json) sed '3s/\"n\":[0-9]*/\"n\":\"x7\"/' \"$f\" > out/outfile.json ;;",
        "    in/nested.json) sed '2s/\"n\":[0-9]*/\"n\":{\"deep\":[1,2]}/' \"$f\" > out/outfile.json ;;",
        "    in/broken.json) sed '1s/^.*$/not json at all/' \"$f\" > out/outfile.json ;;",
        "    in/copy.csv) cat \"$f\" > out/outfile.csv ;;",
        "    in/infile.arrow) cat \"$f\" > out/outfile.arrow ;;",
        "    in/garbage.arrow) echo 'no arrow here' > out/outfile.arrow ;;",
        "  esac",
        "done", ""));
    spark = LocalSidecar.spark();
  }

  @AfterAll
  static void stop() throws Exception {
    sidecar.close();
  }

  static Dataset<Row> input() {
    return spark.createDataFrame(List.of(RowFactory.create(1, "a", 10), RowFactory.create(2, "b, \"c\"", 20),
        RowFactory.create(3, "d", 30)), SCHEMA).coalesce(1);
  }

  static Dataset<Row> through(String input, Format format, StructType out) {
    FrameOptions o = FrameOptions.builder(format).inputName(input).build();
    return SidecarFrames.transform(input(), out, o, sidecar.source());
  }

  @Test
  void aCsvValueOfTheWrongTypeNamesRowColumnAndValue() {
    assertThatThrownBy(() -> through("wrong-int.csv", Format.CSV, SCHEMA).collectAsList())
        .hasStackTraceContaining("sidecar output 'outfile.csv' of partition 0 does not match the output schema: "
            + "row 2, column 'n' (int): value 'abc' is not an int");
  }

  @Test
  void aPartitionOfRowsReportsAMismatchAsTheDataFrameDoes() {
    PartitionHandoff.Source source = sidecar.source();
    FrameOptions o = FrameOptions.builder(Format.CSV).inputName("wrong-int.csv").build();
    assertThatThrownBy(() -> input().javaRDD().mapPartitions(rows -> SidecarFrames.transformPartition(rows, SCHEMA, SCHEMA,
        o, source)).collect())
        .hasStackTraceContaining("sidecar output 'outfile.csv' of partition 0 does not match the output schema: "
            + "row 2, column 'n' (int): value 'abc' is not an int");
  }

  @Test
  void aCsvDecimalBeyondItsPrecisionNamesRowColumnAndValue() {
    StructType small = new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType)
        .add("n", DataTypes.createDecimalType(2, 1));
    assertThatThrownBy(() -> through("copy.csv", Format.CSV, small).collectAsList())
        .hasStackTraceContaining("row 1, column 'n' (decimal(2,1)): value '10' is not a decimal(2,1)");
    StructType fits = new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType)
        .add("n", DataTypes.createDecimalType(4, 1));
    assertThat(through("copy.csv", Format.CSV, fits).collectAsList()).extracting(r -> r.getDecimal(2))
        .containsExactly(new java.math.BigDecimal("10.0"), new java.math.BigDecimal("20.0"), new java.math.BigDecimal("30.0"));
  }

  @Test
  void aJsonValueOfTheWrongTypeNamesRowColumnAndValue() {
    assertThatThrownBy(() -> through("wrong-int.json", Format.JSON, SCHEMA).collectAsList())
        .hasStackTraceContaining("sidecar output 'outfile.json' of partition 0 does not match the output schema: "
            + "row 3, column 'n' (int): value 'x7' is not an int");
    assertThatThrownBy(() -> through("nested.json", Format.JSON, SCHEMA).collectAsList())
        .hasStackTraceContaining("row 2, column 'n' (int): value '{\"deep\":[1,2]}' is not an int");
  }

  @Test
  void aRecordThatIsNoJsonObjectIsNamedWithItsRow() {
    assertThatThrownBy(() -> through("broken.json", Format.JSON, SCHEMA).collectAsList())
        .hasStackTraceContaining("row 1, column (none: not a JSON object): record 'not json at all'");
  }

  @Test
  void csvRecordsWithMoreOrFewerFieldsNameTheirRow() {
    assertThatThrownBy(() -> through("more.csv", Format.CSV, SCHEMA).collectAsList())
        .hasStackTraceContaining("row 3, column (none: more fields than the schema's 3 columns): value 'surplus'");
    assertThatThrownBy(() -> through("fewer.csv", Format.CSV, SCHEMA).collectAsList())
        .hasStackTraceContaining("row 2, column (none: fewer fields than the schema's 3 columns): record '2,\"b, \"\"c\"\"\"'");
  }

  @Test
  void aNullInAColumnThatIsNotNullableIsAMismatch() {
    StructType strict = new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType)
        .add("n", DataTypes.IntegerType, false);
    assertThatThrownBy(() -> through("null.csv", Format.CSV, strict).collectAsList())
        .hasStackTraceContaining("row 3, column 'n' (int): value null in a column that is not nullable");
    // the same output read as nullable is fine: the null is kept
    assertThat(through("null.csv", Format.CSV, SCHEMA).collectAsList()).containsExactly(RowFactory.create(1, "a", 10),
        RowFactory.create(2, "b, \"c\"", 20), RowFactory.create(3, "d", null));
  }

  @Test
  void anArrowStreamOfOtherColumnsNamesTheColumnAndItsArrowType() {
    StructType asText = new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType)
        .add("n", DataTypes.StringType);
    assertThatThrownBy(() -> SidecarFrames.transform(input(), asText, FrameOptions.of(Format.ARROW), sidecar.source()).collectAsList())
        .hasStackTraceContaining("sidecar output 'outfile.arrow' of partition 0 does not match the output schema: row 1, "
            + "column 'n' (string): the Arrow stream has column 3 'n' of Arrow type Int(32, true) (int)");
    StructType fewer = new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType);
    assertThatThrownBy(() -> SidecarFrames.transform(input(), fewer, FrameOptions.of(Format.ARROW), sidecar.source()).collectAsList())
        .hasStackTraceContaining("row 1, column (none: the Arrow stream has 3 columns, the schema 2)");
  }

  @Test
  void anArrowNullInAColumnThatIsNotNullableNamesItsRow() {
    Dataset<Row> withNull = spark.createDataFrame(List.of(RowFactory.create(1, "a", 10), RowFactory.create(2, "b", null)), SCHEMA)
        .coalesce(1);
    StructType strict = new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType)
        .add("n", DataTypes.IntegerType, false);
    assertThatThrownBy(() -> SidecarFrames.transform(withNull, strict, FrameOptions.of(Format.ARROW), sidecar.source()).collectAsList())
        .hasStackTraceContaining("row 2, column 'n' (int): value null in a column that is not nullable");
  }

  @Test
  void anOutputThatIsNoArrowStreamSaysSo() {
    FrameOptions o = FrameOptions.builder(Format.ARROW).inputName("garbage.arrow").build();
    assertThatThrownBy(() -> SidecarFrames.transform(input(), SCHEMA, o, sidecar.source()).collectAsList())
        .hasStackTraceContaining("cannot read sidecar output 'outfile.arrow' as an Arrow IPC stream");
  }

  @Test
  void anUnclosedQuoteAtTheEndNamesTheRow() {
    assertThatThrownBy(() -> through("quote.csv", Format.CSV, SCHEMA).collectAsList())
        .hasStackTraceContaining("sidecar output 'outfile.csv' ends inside a quoted field: row 4 opens a quote that is never closed");
  }

  @Test
  void anOutputTheSidecarDidNotWriteFailsTheHandoffNamingIt() {
    // an input name the sidecar does not know: it writes no output, the hand-off fails naming the output
    assertThatThrownBy(() -> through("other.csv", Format.CSV, SCHEMA).collectAsList())
        .hasStackTraceContaining("outfile.csv");
  }
}
