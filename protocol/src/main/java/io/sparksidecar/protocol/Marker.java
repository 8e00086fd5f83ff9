package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A marker file: ordered {@code key=value} lines (PROTOCOL.md section 4). Immutable; built with
 * {@link #builder()}, which flattens CR/LF inside values so a marker is always line-safe.
 */
public record Marker(List<Map.Entry<String, String>> entries) {

  public Marker {
    entries = List.copyOf(entries);
  }

  /** The first value of {@code key}, or {@code null}. */
  public String get(String key) {
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey().equals(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The value of {@code key}, or throws naming the key and {@code where}. */
  public String require(String key, String where) {
    String value = get(key);
    if (value == null) {
      throw new HandoffException(where + ": marker has no '" + key + "' line");
    }
    return value;
  }

  /** Every value of a repeated key, in order. */
  public List<String> all(String key) {
    List<String> values = new ArrayList<>();
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey().equals(key)) {
        values.add(e.getValue());
      }
    }
    return values;
  }

  public long getLong(String key, long fallback) {
    String value = get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  public String format() {
    StringBuilder sb = new StringBuilder(64 * entries.size());
    for (Map.Entry<String, String> e : entries) {
      sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    return sb.toString();
  }

  public static Marker parse(String text) {
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        String value = line.substring(eq + 1);
        if (value.endsWith("\r")) {
          value = value.substring(0, value.length() - 1);
        }
        entries.add(Map.entry(line.substring(0, eq).trim(), value));
      }
    }
    return new Marker(entries);
  }

  public static Marker read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Writes this marker to {@code target} under a temporary name, then renames it into place. */
  public void writeAtomically(Path target) throws IOException {
    AtomicFiles.write(target, format().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes this marker to {@code temp} (a hidden name on the same file system, e.g. in another
   * directory of the volume), then renames it onto {@code target}.
   */
  public void writeAtomically(Path target, Path temp) throws IOException {
    AtomicFiles.write(target, temp, format().getBytes(StandardCharsets.UTF_8));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects entries; values are flattened to one line. */
  public static final class Builder {
    private final List<Map.Entry<String, String>> entries = new ArrayList<>();

    public Builder put(String key, Object value) {
      String text = value == null ? "" : value.toString().replace('\r', ' ').replace('\n', ' ');
      entries.add(Map.entry(key, text));
      return this;
    }

    public Marker build() {
      return new Marker(entries);
    }
  }
}
