package io.sparksidecar.plugin.ui;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Escaping and human formats for the Sidecars pages. */
final class Format {
  private Format() {}

  /** Text safe inside HTML elements and double-quoted attributes. */
  static String html(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  static String url(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A JSON string literal. */
  static void json(StringBuilder sb, String s) {
    io.sparksidecar.plugin.internal.JsonText.quote(sb, s, true); // also safe inside a <script> element
  }

  /** 1023 B, 1.5 KiB, 12.0 MiB, ... */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** Latency in ms, with a dash when there is none. */
  static String millis(double ms, long count) {
    if (count == 0) {
      return "–";
    }
    return ms < 10 ? String.format(Locale.ROOT, "%.2f ms", ms) : ms < 1000 ? String.format(Locale.ROOT, "%.0f ms", ms)
        : String.format(Locale.ROOT, "%.1f s", ms / 1000);
  }

  /** A duration such as 0.8 s, 12 s, 5 min, 3.2 h. */
  static String age(long ms) {
    if (ms < 10_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    } else if (ms < 120_000) {
      return ms / 1000 + " s";
    } else if (ms < 2 * 3_600_000) {
      return ms / 60_000 + " min";
    }
    return String.format(Locale.ROOT, "%.1f h", ms / 3_600_000.0);
  }
}
