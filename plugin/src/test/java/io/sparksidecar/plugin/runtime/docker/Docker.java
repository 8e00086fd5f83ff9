package io.sparksidecar.plugin.runtime.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The docker CLI, for tests that check what the runtime did from the outside. */
final class Docker {
  private Docker() {}

  static String run(String... args) {
    List<String> argv = new ArrayList<>(List.of("docker"));
    argv.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("docker CLI: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Ids of all containers (running or not) carrying {@code label=value}. */
  static List<String> containersWithLabel(String label, String value) {
    String out = run("ps", "-aq", "--filter", "label=" + label + "=" + value);
    return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
  }

  static String inspect(String id, String format) {
    return run("inspect", "--format", format, id);
  }
}
