package io.sparksidecar.plugin.dataframe;

/**
 * How a partition travels to the sidecar and back: one record per row, written and read by Spark's
 * own CSV or JSON machinery ({@code to_csv}/{@code from_csv}, {@code to_json}/{@code from_json}).
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
  JSON("json");

  private final String extension;

  Format(String extension) {
    this.extension = extension;
  }

  /** The default input name: {@code infile.csv} or {@code infile.json}. */
  public String defaultInputName() {
    return "infile." + extension;
  }

  /** The default output name: {@code outfile.csv} or {@code outfile.json}. */
  public String defaultOutputName() {
    return "outfile." + extension;
  }

  /** {@code csv} or {@code json}, any case. */
  public static Format of(String name) {
    for (Format f : values()) {
      if (f.name().equalsIgnoreCase(name) || f.extension.equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new io.sparksidecar.plugin.SidecarException("unknown sidecar frame format '" + name + "': csv or json");
  }
}
