package io.sparksidecar.plugin.dataframe;

/**
 * How a partition travels to the sidecar and back, written and read by Spark's own machinery: one
 * record per row in CSV or JSON Lines (the writers and parsers behind {@code to_csv}/{@code from_csv}
 * and {@code to_json}/{@code from_json}), or Arrow IPC record batches.
 */
public enum Format {
  /**
   * RFC 4180 CSV, UTF-8, {@code \n} between records: quoted when needed, quotes doubled, {@code null}
   * as an empty field, the empty string as {@code ""}, binary as base64, timestamps ISO 8601 with
   * microseconds and offset. No array, map or struct columns (CSV has no nested values).
   */
  CSV("csv"),
  /**
   * JSON Lines, UTF-8: one object per row, nulls written as {@code null}, binary as base64, every
   * Spark SQL type JSON carries (arrays, maps with string keys, structs nested at any depth).
   */
  JSON("json"),
  /**
   * The Arrow IPC stream format (schema, record batches, end of stream), written by Spark's own
   * Arrow writer (the one behind {@code toPandas} and {@code mapInArrow}) and read through Spark's
   * {@code ArrowColumnVector}: every type Spark maps to Arrow (arrays, maps with any key type,
   * structs, intervals); timestamps are microseconds in the session time zone. No options.
   */
  ARROW("arrow");

  private final String extension;

  Format(String extension) {
    this.extension = extension;
  }

  /** The default input name: {@code infile.csv}, {@code infile.json} or {@code infile.arrow}. */
  public String defaultInputName() {
    return "infile." + extension;
  }

  /** The default output name: {@code outfile.csv}, {@code outfile.json} or {@code outfile.arrow}. */
  public String defaultOutputName() {
    return "outfile." + extension;
  }

  /** {@code csv}, {@code json} or {@code arrow}, any case. */
  public static Format of(String name) {
    for (Format f : values()) {
      if (f.name().equalsIgnoreCase(name) || f.extension.equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new io.sparksidecar.plugin.SidecarException("unknown sidecar frame format '" + name + "': csv or json");
  }
}
