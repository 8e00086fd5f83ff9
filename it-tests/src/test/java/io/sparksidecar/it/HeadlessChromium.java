package io.sparksidecar.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real browser: Debian's {@code chromium} in headless mode (installed by {@code .ci/test}), one
 * process per call with a throw-away profile directory that is deleted afterwards. It runs as root
 * here, hence {@code --no-sandbox}.
 */
final class HeadlessChromium {
  private HeadlessChromium() {}

  /** The DOM of {@code url} after its scripts ran, as Chromium serialises it. */
  static String dumpDom(String url) throws Exception {
    return run(List.of("--dump-dom", url), 60);
  }

  /** Saves a PNG screenshot of {@code url} at {@code width}×{@code height} to {@code png}. */
  static void screenshot(String url, Path png, int width, int height) throws Exception {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    run(List.of("--hide-scrollbars", "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(), url), 60);
    if (!Files.isRegularFile(png)) {
      throw new AssertionError("chromium wrote no screenshot to " + png);
    }
  }

  private static String run(List<String> args, int timeoutSeconds) throws Exception {
    String exe = Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser").filter(p -> Files.isExecutable(Path.of(p)))
        .findFirst().orElseThrow(() -> new AssertionError(
            "no chromium here: install Debian's chromium package (apt-get install -y chromium; .ci/test does)"));
    Path profile = Files.createTempDirectory("sidecar-chromium-");
    List<String> argv = new ArrayList<>(List.of(exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile));
    argv.addAll(args);
    Path err = profile.resolveSibling(profile.getFileName() + ".log");
    Process p = new ProcessBuilder(argv).redirectError(err.toFile()).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        throw new AssertionError("chromium did not finish within " + timeoutSeconds + " s: " + argv);
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("chromium exited with " + p.exitValue() + ": " + argv + "\n" + tail(err));
      }
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      deleteTree(profile);
      Files.deleteIfExists(err);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(f);
      }
    }
  }
}
