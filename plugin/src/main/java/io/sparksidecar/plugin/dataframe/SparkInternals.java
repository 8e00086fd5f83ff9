package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.csv.CSVOptions;
import org.apache.spark.sql.catalyst.csv.UnivocityGenerator;
import org.apache.spark.sql.catalyst.csv.UnivocityParser;
import org.apache.spark.sql.catalyst.json.JSONOptions;
import org.apache.spark.sql.catalyst.json.JacksonGenerator;
import org.apache.spark.sql.catalyst.json.JacksonParser;
import org.apache.spark.sql.catalyst.util.BadRecordException;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.util.ArrowUtils;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Function1;
import scala.Function2;
import scala.Option;

/**
 * Every use of Spark internals by the typed DataFrame path, and nothing else: Spark's own CSV
 * (univocity) and JSON (Jackson) writers and parsers on {@link InternalRow}s, a DataFrame's
 * {@code RDD<InternalRow>} and a DataFrame made from one, the Row/InternalRow converters, and
 * Spark's Arrow writer and schema mapping ({@code ArrowWriter}, {@code ArrowUtils}).
 * {@link InternalRow} and {@link UTF8String} themselves are used elsewhere in this package as
 * Spark's DataSource V2 connectors use them.
 *
 * <p>The same bytes run on Spark 3.5 (Scala 2.12) and 4.x (Scala 2.13): what is called directly has
 * the same descriptor on both lines (checked with {@code javap} on 3.5.8 and 4.1.1); what differs
 * (the classic {@code Dataset}/{@code SparkSession} classes of 4.x, Scala's {@code Seq} and
 * {@code Map} builders, Jackson types, which the shaded jar relocates) goes through reflection,
 * looked up once. Methods are called on the thread of their caller; none blocks beyond the work it
 * does. A failure to reach an internal raises {@link SidecarException} naming it.
 */
final class SparkInternals {
  private SparkInternals() {}

  /** Writes rows as CSV or JSON Lines records to the writer it was made with. */
  interface RecordWriter {
    void header();

    void write(InternalRow row);

    void flush();
  }

  /** Parses one record; a record that does not match the schema throws {@link BadRecord}. */
  interface RecordParser {
    /** The row (possibly reused by the next call), or null when the record holds no row (a blank JSON line). */
    InternalRow parse(byte[] buf, int len) throws BadRecord;
  }

  /** A record Spark's parser refused, with the fields it could read (null where it could not). */
  static final class BadRecord extends Exception {
    private static final long serialVersionUID = 1L;
    final transient InternalRow partial;

    BadRecord(InternalRow partial, Throwable cause) {
      super(cause == null ? "bad record" : cause.getMessage(), cause, false, false);
      this.partial = partial;
    }
  }

  // ---- DataFrame <-> RDD<InternalRow> --------------------------------------------------------

  /** The rows of {@code df} as Spark computes them (its {@code queryExecution().toRdd()}). */
  @SuppressWarnings("unchecked")
  static RDD<InternalRow> internalRows(Dataset<Row> df) {
    Object qe = invoke(df, "queryExecution");
    return (RDD<InternalRow>) invoke(qe, "toRdd");
  }

  /** A DataFrame of {@code schema} over {@code rows} (Spark's {@code internalCreateDataFrame}). */
  @SuppressWarnings("unchecked")
  static Dataset<Row> dataFrame(SparkSession spark, RDD<InternalRow> rows, StructType schema) {
    try {
      Method m = spark.getClass().getMethod("internalCreateDataFrame", RDD.class, StructType.class, boolean.class);
      return (Dataset<Row>) m.invoke(spark, rows, schema, false);
    } catch (ReflectiveOperationException e) {
      throw unreachable("SparkSession.internalCreateDataFrame", e);
    }
  }

  /** The session time zone as this thread's SQL conf has it (inside a task: the job's). */
  static String sessionTimeZone() {
    return SQLConf.get().sessionLocalTimeZone();
  }

  /** Row to InternalRow for {@code schema} (Spark's CatalystTypeConverters). */
  static java.util.function.Function<Row, InternalRow> toInternal(StructType schema) {
    Function1<Object, Object> f = CatalystTypeConverters.createToCatalystConverter(schema);
    return r -> (InternalRow) f.apply(r);
  }

  /** InternalRow to Row for {@code schema} (Spark's CatalystTypeConverters; a new Row per call). */
  static java.util.function.Function<InternalRow, Row> toRow(StructType schema) {
    Function1<Object, Object> f = CatalystTypeConverters.createToScalaConverter(schema);
    return r -> (Row) f.apply(r);
  }

  /** Spark's writer and parser of one format, with its options. */
  interface Codec {
    RecordWriter writer(StructType schema, java.io.Writer out);

    RecordParser parser(StructType schema);
  }

  static Csv csv(Map<String, String> options, String timeZone) {
    return new Csv(new CSVOptions(scalaMap(options), false, timeZone, FrameCodec.CORRUPT));
  }

  static Json json(Map<String, String> options, String timeZone) {
    return new Json(new JSONOptions(scalaMap(options), timeZone, FrameCodec.CORRUPT));
  }

  private static RecordWriter recordWriter(Runnable header, java.util.function.Consumer<InternalRow> write, Runnable flush) {
    return new RecordWriter() {
      @Override
      public void header() {
        header.run();
      }

      @Override
      public void write(InternalRow row) {
        write.accept(row);
      }

      @Override
      public void flush() {
        flush.run();
      }
    };
  }

  // ---- CSV ----------------------------------------------------------------------------------

  /** Spark's univocity-based CSV writer ({@code UnivocityGenerator}) and parser ({@code UnivocityParser}). */
  static final class Csv implements Codec {
    private final CSVOptions options;

    private Csv(CSVOptions options) {
      this.options = options;
    }

    @Override
    public RecordWriter writer(StructType schema, java.io.Writer out) {
      UnivocityGenerator g = new UnivocityGenerator(schema, out, options);
      return recordWriter(g::writeHeaders, row -> g.write(row), g::flush);
    }

    @Override
    public RecordParser parser(StructType schema) {
      UnivocityParser p = new UnivocityParser(schema, schema, options);
      Function1<String, Option<InternalRow>> parse = p.parse();
      return (buf, len) -> {
        try {
          Option<InternalRow> row = parse.apply(new String(buf, 0, len, java.nio.charset.StandardCharsets.UTF_8));
          return row.isDefined() ? row.get() : null;
        } catch (Exception e) { // Scala throws BadRecordException unchecked
          throw badRecord(e);
        }
      };
    }

    /** The raw fields of one record as Spark's tokenizer splits it, or null for none. */
    String[] fields(String record) {
      StructType one = new StructType().add("_", org.apache.spark.sql.types.DataTypes.StringType);
      return new UnivocityParser(one, one, options).tokenizer().parseLine(record);
    }

    /** The text of a null field. */
    String nullValue() {
      return options.nullValue();
    }
  }

  // ---- JSON ---------------------------------------------------------------------------------

  /** Spark's Jackson-based JSON writer ({@code JacksonGenerator}) and parser ({@code JacksonParser}). */
  static final class Json implements Codec {
    private final JSONOptions options;

    private Json(JSONOptions options) {
      this.options = options;
    }

    @Override
    public RecordWriter writer(StructType schema, java.io.Writer out) {
      JacksonGenerator g = new JacksonGenerator(schema, out, options);
      return recordWriter(() -> {
        throw new SidecarException("sidecar frames: a header line exists only in CSV");
      }, row -> {
        g.write(row);
        g.writeLineEnding();
      }, g::flush);
    }

    @Override
    public RecordParser parser(StructType schema) {
      return jsonParser(schema, options);
    }
  }

  /** Spark's JSON parser for {@code schema} over records of bytes (a Jackson parser on the bytes, no decoding). */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static RecordParser jsonParser(StructType schema, JSONOptions options) {
    JacksonParser p = newJacksonParser(schema, options);
    Slice slice = new Slice();
    Function1 literal = s -> UTF8String.fromBytes(((Slice) s).buf, 0, ((Slice) s).len);
    return (buf, len) -> {
      slice.buf = buf;
      slice.len = len;
      try {
        scala.collection.Iterator<InternalRow> rows =
            ((scala.collection.Iterable<InternalRow>) p.parse(slice, (Function2) BYTES_PARSER, literal)).iterator();
        return rows.hasNext() ? rows.next() : null;
      } catch (Exception e) {
        throw badRecord(e);
      }
    };
  }

  private static final class Slice {
    byte[] buf;
    int len;
  }

  /** {@code (jsonFactory, slice) -> jsonFactory.createParser(slice.buf, 0, slice.len)}, Jackson reached reflectively. */
  private static final Function2<Object, Object, Object> BYTES_PARSER = new Function2<>() {
    private volatile MethodHandle create;

    @Override
    public Object apply(Object factory, Object s) {
      MethodHandle h = create;
      if (h == null) {
        try {
          Method m = factory.getClass().getMethod("createParser", byte[].class, int.class, int.class);
          h = MethodHandles.publicLookup().unreflect(m)
              .asType(MethodType.methodType(Object.class, Object.class, byte[].class, int.class, int.class));
          create = h;
        } catch (ReflectiveOperationException e) {
          throw unreachable("JsonFactory.createParser(byte[], int, int)", e);
        }
      }
      Slice slice = (Slice) s;
      try {
        return h.invokeExact(factory, slice.buf, 0, slice.len);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) { // Jackson's IOException: Spark's parser turns it into a bad record
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
  };

  private static JacksonParser newJacksonParser(StructType schema, JSONOptions options) {
    try {
      // (schema, options, allowArrayAsStructs, filters): filters is a scala.collection.Seq on 2.12 and an
      // immutable.Seq on 2.13; Nil is both
      Object nil = Class.forName("scala.collection.immutable.Nil$").getField("MODULE$").get(null);
      for (Constructor<?> c : JacksonParser.class.getConstructors()) {
        if (c.getParameterCount() == 4) {
          return (JacksonParser) c.newInstance(schema, options, false, nil);
        }
      }
      throw new NoSuchMethodException("JacksonParser(DataType, JSONOptions, boolean, Seq)");
    } catch (InvocationTargetException e) {
      throw new SidecarException("sidecar frames: Spark's JSON parser refused the schema " + schema.simpleString() + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw unreachable("JacksonParser(DataType, JSONOptions, boolean, Seq)", e);
    }
  }

  // ---- Arrow --------------------------------------------------------------------------------

  /** Spark's Arrow schema of {@code schema} (timestamps in {@code timeZone}, no large var types). */
  static org.apache.arrow.vector.types.pojo.Schema arrowSchema(StructType schema, String timeZone) {
    return ArrowUtils.toArrowSchema(schema, timeZone, true, false);
  }

  /** The Spark schema of an Arrow schema; a type Spark does not read throws Spark's own error. */
  static StructType sparkSchema(org.apache.arrow.vector.types.pojo.Schema schema) {
    return ArrowUtils.fromArrowSchema(schema);
  }

  /** A child of Spark's own Arrow root allocator; close it when done. */
  static org.apache.arrow.memory.BufferAllocator allocator(String name) {
    return ArrowUtils.rootAllocator().newChildAllocator(name, 0, Long.MAX_VALUE);
  }

  /** Spark's Arrow writer ({@code ArrowWriter}) filling {@code root} row by row. */
  interface BatchWriter {
    void write(InternalRow row);

    /** Sets the row count of the root's vectors: a batch is complete. */
    void finish();

    /** Empties the vectors for the next batch. */
    void reset();
  }

  static BatchWriter arrowWriter(org.apache.arrow.vector.VectorSchemaRoot root) {
    ArrowWriter w = ArrowWriter.create(root);
    return new BatchWriter() {
      @Override
      public void write(InternalRow row) {
        w.write(row);
      }

      @Override
      public void finish() {
        w.finish();
      }

      @Override
      public void reset() {
        w.reset();
      }
    };
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static BadRecord badRecord(Exception e) {
    if (e instanceof BadRecordException b) {
      InternalRow[] partial = b.partialResults().apply();
      return new BadRecord(partial != null && partial.length > 0 ? partial[0] : null, b.cause());
    }
    if (e instanceof RuntimeException r) {
      throw r;
    }
    throw new SidecarException("sidecar frames: Spark's parser failed: " + e, e);
  }

  /** A Scala immutable Map of {@code m} (the builders' descriptors differ between Scala 2.12 and 2.13). */
  private static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> m) {
    try {
      Object map = Class.forName("scala.collection.immutable.Map$").getField("MODULE$").get(null);
      Object out = map.getClass().getMethod("empty").invoke(map);
      for (Map.Entry<String, String> e : m.entrySet()) {
        out = out.getClass().getMethod("updated", Object.class, Object.class).invoke(out, e.getKey(), e.getValue());
      }
      @SuppressWarnings("unchecked")
      scala.collection.immutable.Map<String, String> result = (scala.collection.immutable.Map<String, String>) out;
      return result;
    } catch (ReflectiveOperationException e) {
      throw unreachable("scala.collection.immutable.Map.updated", e);
    }
  }

  private static Object invoke(Object target, String method) {
    try {
      return target.getClass().getMethod(method).invoke(target);
    } catch (InvocationTargetException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new SidecarException("sidecar frames: " + target.getClass().getSimpleName() + "." + method + " failed: " + c, c);
    } catch (ReflectiveOperationException e) {
      throw unreachable(target.getClass().getName() + "." + method + "()", e);
    }
  }

  private static SidecarException unreachable(String what, Throwable e) {
    return new SidecarException("sidecar frames: this Spark version has no " + what + " (typed DataFrames need Spark 3.5 or 4.x): "
        + e, e);
  }
}
