package io.sparksidecar.plugin.config;

/** Renders {@link SidecarKeys#ALL} as the README's Markdown key table. */
public final class ConfigTable {
  private ConfigTable() {}

  public static final String BEGIN = "<!-- config-table:begin (generated from SidecarKeys; ConfigTableTest checks it) -->";
  public static final String END = "<!-- config-table:end -->";

  public static String markdown() {
    StringBuilder sb = new StringBuilder(BEGIN).append('\n');
    sb.append("| key | default | meaning |\n|---|---|---|\n");
    for (ConfigKey<?> k : SidecarKeys.ALL) {
      sb.append("| `").append(k.name()).append("` | ")
          .append(k.defaultValue().isEmpty() ? "" : "`" + k.defaultValue() + "`").append(" | ")
          .append(k.doc().replace("|", "\\|")).append(" |\n");
    }
    sb.append("| `").append(SidecarKeys.ENV_PREFIX).append("<NAME>` |  | Environment variable NAME of the sidecar. |\n");
    return sb.append(END).toString();
  }

  /** conf/spark-defaults.conf: every key with its default (commented out) and its documentation. */
  public static String sparkDefaults() {
    StringBuilder sb = new StringBuilder();
    sb.append("# spark-sidecar: every spark.sidecar.* key with its default. Generated from SidecarKeys\n")
        .append("# (ConfigTableTest checks it); uncomment and set what you need.\n#\n")
        .append("# spark.plugins                      io.sparksidecar.plugin.SidecarPlugin\n")
        .append("# spark.jars                         /path/to/spark-sidecar-plugin-<version>-shaded.jar\n");
    for (ConfigKey<?> k : SidecarKeys.ALL) {
      sb.append("\n# ").append(k.doc().replace("`", "")).append('\n')
          .append("# ").append(String.format("%-34s %s", k.name(), k.defaultValue())).append('\n');
    }
    sb.append("\n# Environment variable NAME of the sidecar (any number of these).\n")
        .append("# ").append(SidecarKeys.ENV_PREFIX).append("NAME                 value\n");
    return sb.toString();
  }

  /**
   * Prints the README table, or with "spark-defaults" the example conf; with "--write &lt;repo dir&gt;"
   * rewrites both in place (README.md between the markers, conf/spark-defaults.conf whole).
   */
  public static void main(String[] args) throws java.io.IOException {
    if (args.length == 2 && args[0].equals("--write")) {
      java.nio.file.Path root = java.nio.file.Path.of(args[1]);
      java.nio.file.Path readme = root.resolve("README.md");
      String text = java.nio.file.Files.readString(readme);
      int b = text.indexOf(BEGIN);
      int e = text.lastIndexOf(END);
      if (b < 0 || e < b) {
        throw new IllegalStateException(readme + " has no " + BEGIN + " ... " + END + " section");
      }
      java.nio.file.Files.writeString(readme, text.substring(0, b) + markdown() + text.substring(e + END.length()));
      java.nio.file.Files.writeString(root.resolve("conf").resolve("spark-defaults.conf"), sparkDefaults());
      return;
    }
    System.out.println(args.length > 0 && args[0].equals("spark-defaults") ? sparkDefaults() : markdown());
  }
}
