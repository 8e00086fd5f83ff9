package io.sparksidecar.plugin.config;

import io.sparksidecar.plugin.SidecarException;
import java.util.Map;

/**
 * One {@code spark.sidecar.*} key: its name, default, documentation and parser. The parser is the
 * validator: it throws {@link IllegalArgumentException} saying what is wrong with a value, and
 * {@link #get} turns that into a {@link SidecarException} naming the key and the value.
 */
public record ConfigKey<T>(String name, String defaultValue, String doc, Parser<T> parser) {

  /** Parses a raw value; throws {@link IllegalArgumentException} with the reason on bad input. */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(String raw);
  }

  /** The typed value of this key in {@code conf}, or its default; fails naming the key. */
  public T get(Map<String, String> conf) {
    String raw = conf.getOrDefault(name, defaultValue);
    try {
      return parser.parse(raw == null ? "" : raw.trim());
    } catch (IllegalArgumentException e) {
      throw new SidecarException("invalid value '" + raw + "' for " + name + ": " + e.getMessage());
    }
  }
}
