package io.sparksidecar.plugin.internal;

import java.util.Locale;

/**
 * JSON string literals, the one escaper of the plugin (engine requests, discovery files, the UI's
 * JSON). Internal: not part of the plugin's API. Pure and thread-safe.
 */
public final class JsonText {
  private JsonText() {}

  /** Appends {@code s} as a JSON string literal. */
  public static void quote(StringBuilder sb, String s) {
    quote(sb, s, false);
  }

  /**
   * Appends {@code s} as a JSON string literal; with {@code scriptSafe}, {@code < > &} and the line
   * separators U+2028/U+2029 are escaped too, so the literal is also safe inside an HTML
   * {@code <script>} element.
   */
  public static void quote(StringBuilder sb, String s, boolean scriptSafe) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || scriptSafe && (c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029)) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
