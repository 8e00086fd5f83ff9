package io.sparksidecar.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class RowsCsvTest {
  private static final StructType SCHEMA = new StructType()
      .add("name", DataTypes.StringType)
      .add("n", DataTypes.IntegerType)
      .add("big", DataTypes.LongType)
      .add("x", DataTypes.DoubleType)
      .add("ok", DataTypes.BooleanType);

  @Test
  void roundTripsTrickyValuesNullsAndTypes() throws Exception {
    List<Row> rows = List.of(
        RowFactory.create("plain", 1, 10_000_000_000L, 1.5, true),
        RowFactory.create("comma, and \"quotes\"", -2, 0L, -0.25, false),
        RowFactory.create("multi\nline\r\nvalue", 3, 7L, 3.0, true),
        RowFactory.create("", null, null, null, null),
        RowFactory.create(null, 0, 1L, 2.0, false),
        RowFactory.create("ünïcødé ✓", 4, 4L, 4.0, true));
    StringWriter out = new StringWriter();
    RowsCsv.write(rows.iterator(), SCHEMA, out);
    assertThat(out.toString()).startsWith("name,n,big,x,ok\nplain,1,10000000000,1.5,true\n\"comma, and \"\"quotes\"\"\",");
    List<Row> back = RowsCsv.read(new StringReader(out.toString()), SCHEMA, true);
    assertThat(back).isEqualTo(rows);
  }

  @Test
  void badInputNamesLineAndField() {
    assertThatThrownBy(() -> RowsCsv.read(new StringReader("a,x,1,1.0,true\n"), SCHEMA, false))
        .hasMessageContaining("CSV line 1, field 'n': 'x' is not int");
    assertThatThrownBy(() -> RowsCsv.read(new StringReader("a,1\n"), SCHEMA, false))
        .hasMessageContaining("CSV line 1: 2 fields, the schema has 5");
    assertThatThrownBy(() -> RowsCsv.read(new StringReader("\"open,1,1,1,true\n"), SCHEMA, false))
        .hasMessageContaining("unclosed quote");
  }
}
