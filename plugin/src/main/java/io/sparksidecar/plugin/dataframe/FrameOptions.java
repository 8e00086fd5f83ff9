package io.sparksidecar.plugin.dataframe;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.protocol.Names;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How {@link SidecarFrames#transform} hands partitions to the sidecar: the format, the input and
 * output names in the request, whether a CSV header line goes in (and is expected back), the time
 * one hand-off may take, and extra options of Spark's CSV/JSON writer and reader (e.g.
 * {@code sep}, {@code dateFormat}) that override the defaults of {@link Format}. A value; build it
 * with {@link #builder(Format)}, whose setters refuse bad values at once.
 */
public record FrameOptions(Format format, String inputName, String outputName, boolean header, Duration timeout,
    Map<String, String> sparkOptions) implements Serializable {

  /** Options the transform sets itself: overriding them would break reading the output back. */
  static final Set<String> RESERVED = Set.of("mode", "columnnameofcorruptrecord", "multiline", "header",
      "linesep", "encoding", "charset");

  public FrameOptions {
    if (format == null) {
      throw new SidecarException("sidecar frames: the format is missing (csv or json)");
    }
    checkName("input", inputName);
    checkName("output", outputName);
    if (inputName.equals(outputName)) {
      throw new SidecarException("sidecar frames: input and output are both named '" + inputName + "'");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new SidecarException("sidecar frames: the hand-off timeout must be positive, got " + timeout);
    }
    if (header && format != Format.CSV) {
      throw new SidecarException("sidecar frames: a header line exists only in CSV, not in " + format);
    }
    sparkOptions = Map.copyOf(sparkOptions);
    if (format == Format.ARROW && !sparkOptions.isEmpty()) {
      throw new SidecarException("sidecar frames: Arrow takes no writer or reader options, got " + sparkOptions.keySet());
    }
    for (String k : sparkOptions.keySet()) {
      if (RESERVED.contains(k.toLowerCase(java.util.Locale.ROOT))) {
        throw new SidecarException("sidecar frames: the " + format + " option '" + k + "' is set by the transform itself");
      }
    }
  }

  /** {@code format} with its default names, no header, a 10-minute timeout, no extra options. */
  public static FrameOptions of(Format format) {
    return builder(format).build();
  }

  public static Builder builder(Format format) {
    return new Builder(format);
  }

  /** This value with other settings. */
  public Builder toBuilder() {
    Builder b = new Builder(format).inputName(inputName).outputName(outputName).header(header).timeout(timeout);
    sparkOptions.forEach(b::option);
    return b;
  }

  private static void checkName(String what, String name) {
    String problem = Names.problem(name);
    if (problem != null) {
      throw new SidecarException("sidecar frames: bad " + what + " name '" + name + "': " + problem);
    }
  }

  /** Builds {@link FrameOptions}; every setter validates its value. */
  public static final class Builder {
    private final Format format;
    private String inputName;
    private String outputName;
    private boolean header;
    private Duration timeout = Duration.ofMinutes(10);
    private final Map<String, String> options = new LinkedHashMap<>();

    private Builder(Format format) {
      if (format == null) {
        throw new SidecarException("sidecar frames: the format is missing (csv or json)");
      }
      this.format = format;
      this.inputName = format.defaultInputName();
      this.outputName = format.defaultOutputName();
    }

    /** The input's name in the request (default {@code infile.csv} / {@code infile.json}). */
    public Builder inputName(String name) {
      checkName("input", name);
      this.inputName = name;
      return this;
    }

    /** The output's name in the request (default {@code outfile.csv} / {@code outfile.json}). */
    public Builder outputName(String name) {
      checkName("output", name);
      this.outputName = name;
      return this;
    }

    /** CSV only: write the column names as a first line and skip the output's first line. */
    public Builder header(boolean header) {
      if (header && format != Format.CSV) {
        throw new SidecarException("sidecar frames: a header line exists only in CSV, not in " + format);
      }
      this.header = header;
      return this;
    }

    /** How long one partition's hand-off may run (default 10 minutes). */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new SidecarException("sidecar frames: the hand-off timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** {@link #timeout(Duration)} in milliseconds (for Python). */
    public Builder timeoutMillis(long millis) {
      return timeout(Duration.ofMillis(millis));
    }

    /** An option of Spark's CSV/JSON writer and reader, e.g. {@code sep} or {@code dateFormat}. */
    public Builder option(String key, String value) {
      if (key == null || key.isEmpty() || value == null) {
        throw new SidecarException("sidecar frames: option '" + key + "' needs a key and a value, got " + value);
      }
      if (RESERVED.contains(key.toLowerCase(java.util.Locale.ROOT))) {
        throw new SidecarException("sidecar frames: the " + format + " option '" + key + "' is set by the transform itself");
      }
      if (format == Format.ARROW) {
        throw new SidecarException("sidecar frames: Arrow takes no writer or reader options, got '" + key + "'");
      }
      options.put(key, value);
      return this;
    }

    public FrameOptions build() {
      return new FrameOptions(format, inputName, outputName, header, timeout, options);
    }
  }
}
