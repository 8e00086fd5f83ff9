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

  /** Prints the table, for pasting into the README. */
  public static void main(String[] args) {
    System.out.println(markdown());
  }
}
