package io.sparksidecar.protocol.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A persistent worker (PROTOCOL.md section 10) that copies {@code in/data} to {@code out/data}: the
 * shape of a real long-lived sidecar (a model server, an interpreter with its libraries loaded).
 */
public final class CopyWorker {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      Path dir = Path.of(line.substring(line.indexOf(' ') + 1));
      int exit = 0;
      try {
        Files.copy(dir.resolve("in/data"), dir.resolve("out/data"));
      } catch (Exception e) {
        out.println("copy failed: " + e);
        exit = 1;
      }
      out.println("#sidecar:done " + exit);
      out.flush();
    }
  }

  private CopyWorker() {}
}
