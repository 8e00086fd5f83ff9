package io.sparksidecar.plugin.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.network.util.JavaUtils;

/**
 * Small parsers for config values; each error says what a valid value looks like. Durations and sizes
 * are read by Spark's own parsers (spark-network-common's {@code JavaUtils}, present on every Spark line
 * the plugin supports), so they accept what {@code spark.*} keys accept.
 */
final class Parsers {
  private Parsers() {}

  static ConfigKey.Parser<String> string() {
    return raw -> raw;
  }

  static ConfigKey.Parser<Integer> integer(int min, int max) {
    return raw -> {
      int v;
      try {
        v = Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a whole number");
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException("must be between " + min + " and " + max);
      }
      return v;
    };
  }

  static ConfigKey.Parser<Double> decimal(double min, double max) {
    return raw -> {
      double v;
      try {
        v = Double.parseDouble(raw);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a number");
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException("must be between " + min + " and " + max);
      }
      return v;
    };
  }

  static ConfigKey.Parser<Boolean> bool() {
    return raw -> switch (raw.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    };
  }

  /** A {@link #duration()} of at least {@code min}: zero or negative values that would spin or never wait are refused. */
  static ConfigKey.Parser<Duration> duration(Duration min) {
    ConfigKey.Parser<Duration> any = duration();
    return raw -> {
      Duration d = any.parse(raw);
      if (d.compareTo(min) < 0) {
        throw new IllegalArgumentException(min.isZero() ? "must not be negative" : "must be at least " + human(min));
      }
      return d;
    };
  }

  /** {@code 1500 ms}, {@code 30 s}, {@code 5 min}: for messages. */
  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 60_000 == 0 && ms > 0 ? ms / 60_000 + " min" : ms % 1000 == 0 && ms > 0 ? ms / 1000 + " s" : ms + " ms";
  }

  /**
   * Spark's own time strings ({@code JavaUtils.timeStringAsMs}: {@code us}, {@code ms}, {@code s}, {@code m} or
   * {@code min}, {@code h}, {@code d}, case-insensitive), except that a bare number is seconds, as this key set
   * always read it (Spark's default unit is the key's own).
   */
  static ConfigKey.Parser<Duration> duration() {
    return raw -> {
      String s = raw.trim();
      try {
        return Duration.ofMillis(JavaUtils.timeStringAsMs(s.matches("-?\\d+") ? s + "s" : s));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a duration (e.g. 500ms, 30s, 5m)");
      }
    };
  }

  /**
   * Spark's own size strings ({@code JavaUtils.byteStringAsBytes}: a bare number is bytes; {@code k}, {@code m},
   * {@code g}, {@code t}, {@code p}, each with an optional {@code b}, binary multiples, case-insensitive); empty
   * means unset (0).
   */
  static ConfigKey.Parser<Long> bytes() {
    return raw -> {
      String s = raw.trim();
      if (s.isEmpty()) {
        return 0L;
      }
      if (s.startsWith("-")) {
        throw new IllegalArgumentException("must not be negative");
      }
      try {
        return JavaUtils.byteStringAsBytes(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a size (e.g. 512m, 3g)");
      }
    };
  }

  static ConfigKey.Parser<String> oneOf(String... allowed) {
    return raw -> {
      for (String a : allowed) {
        if (a.equalsIgnoreCase(raw)) {
          return a;
        }
      }
      throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
    };
  }

  /** Comma-separated, trimmed, empty entries dropped. */
  static ConfigKey.Parser<List<String>> list() {
    return raw -> raw.isEmpty() ? List.of()
        : Arrays.stream(raw.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  static ConfigKey.Parser<List<Integer>> ports() {
    return raw -> {
      List<Integer> ports = new ArrayList<>();
      for (String p : list().parse(raw)) {
        ports.add(integer(1, 65535).parse(p));
      }
      return List.copyOf(ports);
    };
  }

  /** A command line split on blanks; single or double quotes group words. */
  static ConfigKey.Parser<List<String>> commandLine() {
    return raw -> {
      List<String> words = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      char quote = 0;
      boolean inWord = false;
      for (char c : raw.toCharArray()) {
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          } else {
            cur.append(c);
          }
        } else if (c == '\'' || c == '"') {
          quote = c;
          inWord = true;
        } else if (Character.isWhitespace(c)) {
          if (inWord) {
            words.add(cur.toString());
            cur.setLength(0);
            inWord = false;
          }
        } else {
          cur.append(c);
          inWord = true;
        }
      }
      if (quote != 0) {
        throw new IllegalArgumentException("unclosed " + quote + " quote");
      }
      if (inWord) {
        words.add(cur.toString());
      }
      return List.copyOf(words);
    };
  }
}
