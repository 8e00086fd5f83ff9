package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.YearMonthIntervalType;

/** Which Spark SQL types each {@link Format} carries; refuses the others before any job runs. */
final class FrameTypes {
  private FrameTypes() {}

  /** Throws naming the side, the column and its type when {@code schema} has a type {@code format} does not carry. */
  static void check(Format format, StructType schema, String side) {
    if (schema.fields().length == 0) {
      throw new SidecarException("sidecar frames: the " + side + " schema has no columns");
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (StructField f : schema.fields()) {
      if (!seen.add(f.name().toLowerCase(java.util.Locale.ROOT))) {
        throw new SidecarException("sidecar frames: the " + side + " schema has the column '" + f.name() + "' twice");
      }
      if (f.name().equals(FrameCodec.CORRUPT)) {
        throw new SidecarException("sidecar frames: the column name '" + f.name() + "' is reserved");
      }
      String problem = problem(format, f.dataType());
      if (problem != null) {
        throw new SidecarException("sidecar frames: " + format + " cannot carry the " + side + " column '" + f.name()
            + "' (" + f.dataType().simpleString() + "): " + problem);
      }
    }
  }

  private static String problem(Format format, DataType t) {
    if (atomic(t)) {
      return null;
    }
    if (format == Format.CSV) {
      if (t instanceof ArrayType || t instanceof MapType || t instanceof StructType) {
        return "CSV has no nested values; use Format.JSON or Format.ARROW";
      }
      return "not a type CSV carries";
    }
    if (t instanceof ArrayType a) {
      return problem(format, a.elementType());
    }
    if (t instanceof MapType m) {
      if (format == Format.ARROW) {
        String k = problem(format, m.keyType());
        return k != null ? "map key: " + k : problem(format, m.valueType());
      }
      if (!(m.keyType() instanceof StringType)) {
        return "JSON object keys are strings: a map needs string keys, not " + m.keyType().simpleString();
      }
      return problem(format, m.valueType());
    }
    if (t instanceof StructType s) {
      for (StructField f : s.fields()) {
        String p = problem(format, f.dataType());
        if (p != null) {
          return "field '" + f.name() + "': " + p;
        }
      }
      return null;
    }
    return "not a type " + (format == Format.JSON ? "JSON" : "Arrow") + " carries";
  }

  static boolean atomic(DataType t) {
    return t instanceof BooleanType || t instanceof ByteType || t instanceof ShortType || t instanceof IntegerType
        || t instanceof LongType || t instanceof FloatType || t instanceof DoubleType || t instanceof DecimalType
        || t instanceof StringType || t instanceof BinaryType || t instanceof DateType || t instanceof TimestampType
        || t instanceof TimestampNTZType || t instanceof DayTimeIntervalType || t instanceof YearMonthIntervalType;
  }
}
