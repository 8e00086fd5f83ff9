package io.sparksidecar.plugin;

import io.sparksidecar.protocol.Handoff;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Spark rows in and out of a hand-off as CSV (RFC 4180: fields with a comma, quote, CR or LF are
 * quoted, quotes doubled). {@code null} is written as an empty field; reading, an empty unquoted
 * field is {@code null} and {@code ""} is the empty string. Types read back: string, int, long,
 * double, boolean; anything else as its string. Streams both ways: nothing is collected but the
 * rows read back.
 */
public final class RowsCsv {
  private RowsCsv() {}

  /** Writes {@code rows} as the input {@code name}, with a header line when {@code schema} is given. */
  public static Handoff writeRows(Handoff handoff, String name, Iterator<Row> rows, StructType schema) {
    // published only when every row was written: an iterator that throws leaves no partial input
    return handoff.writeInput(name, out -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      write(rows, schema, w);
      w.flush();
    });
  }

  /** Reads the output {@code name} (verified against the manifest) as rows of {@code schema}. */
  public static List<Row> readRows(Handoff handoff, String name, StructType schema, boolean header) {
    try (Reader r = new BufferedReader(new InputStreamReader(handoff.openOutput(name), StandardCharsets.UTF_8), 1 << 16)) {
      return read(r, schema, header);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read rows from output '" + name + "' of request " + handoff.id(), e);
    }
  }

  static void write(Iterator<Row> rows, StructType schema, Writer w) throws IOException {
    if (schema != null) {
      String[] names = schema.fieldNames();
      for (int i = 0; i < names.length; i++) {
        if (i > 0) {
          w.write(',');
        }
        field(names[i], w);
      }
      w.write('\n');
    }
    while (rows.hasNext()) {
      Row row = rows.next();
      for (int i = 0; i < row.length(); i++) {
        if (i > 0) {
          w.write(',');
        }
        if (!row.isNullAt(i)) {
          field(String.valueOf(row.get(i)), w);
        }
      }
      w.write('\n');
    }
  }

  private static void field(String s, Writer w) throws IOException {
    boolean quote = s.isEmpty() || s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
    if (!quote) {
      w.write(s);
      return;
    }
    w.write('"');
    w.write(s.replace("\"", "\"\""));
    w.write('"');
  }

  static List<Row> read(Reader r, StructType schema, boolean header) throws IOException {
    List<Row> rows = new ArrayList<>();
    StructField[] fields = schema.fields();
    List<String> record = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    boolean first = true;
    int line = 1;
    int c;
    while (true) {
      c = r.read();
      if (quoted) {
        if (c < 0) {
          throw new IllegalArgumentException("CSV line " + line + ": unclosed quote");
        }
        if (c == '"') {
          r.mark(1);
          int next = r.read();
          if (next == '"') {
            cur.append('"');
          } else {
            quoted = false;
            if (next >= 0) {
              r.reset();
            }
          }
        } else {
          cur.append((char) c);
        }
        continue;
      }
      if (c == '"' && cur.length() == 0) {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',') {
        record.add(wasQuoted || cur.length() > 0 ? cur.toString() : null);
        cur.setLength(0);
        wasQuoted = false;
      } else if (c == '\n' || c < 0) {
        if (c < 0 && record.isEmpty() && cur.length() == 0 && !wasQuoted) {
          break;
        }
        record.add(wasQuoted || cur.length() > 0 ? cur.toString() : null);
        cur.setLength(0);
        wasQuoted = false;
        if (!(first && header)) {
          rows.add(toRow(record, fields, line));
        }
        first = false;
        record.clear();
        line++;
        if (c < 0) {
          break;
        }
      } else if (c != '\r') {
        cur.append((char) c);
      }
    }
    return rows;
  }

  private static Row toRow(List<String> record, StructField[] fields, int line) {
    if (record.size() != fields.length) {
      throw new IllegalArgumentException("CSV line " + line + ": " + record.size() + " fields, the schema has " + fields.length);
    }
    Object[] values = new Object[fields.length];
    for (int i = 0; i < fields.length; i++) {
      values[i] = convert(record.get(i), fields[i].dataType(), line, fields[i].name());
    }
    return RowFactory.create(values);
  }

  private static Object convert(String s, DataType type, int line, String name) {
    if (s == null) {
      return null;
    }
    try {
      if (type.equals(DataTypes.IntegerType)) {
        return Integer.parseInt(s.trim());
      } else if (type.equals(DataTypes.LongType)) {
        return Long.parseLong(s.trim());
      } else if (type.equals(DataTypes.DoubleType)) {
        return Double.parseDouble(s.trim());
      } else if (type.equals(DataTypes.BooleanType)) {
        return Boolean.parseBoolean(s.trim());
      }
      return s;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("CSV line " + line + ", field '" + name + "': '" + s + "' is not " + type.simpleString(), e);
    }
  }
}
