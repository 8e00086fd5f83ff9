package io.sparksidecar.protocol.conformance;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.Volume;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client in its own JVM, so that the suite can SIGKILL or SIGSTOP it. {@code <volume>}: starts a
 * long request and waits to be killed. {@code <volume> <seconds> <copy-to>}: runs a request whose
 * command sleeps that long, copies its verified output to {@code copy-to}, prints
 * {@code result <status>}, closes the volume and exits 0.
 */
public final class CrashingClient {
  public static void main(String[] args) throws Exception {
    Volume volume = Volume.open(Path.of(args[0]));
    volume.awaitAgent(Duration.ofSeconds(30));
    Handoff h = volume.newHandoff();
    h.writeInput("mode", "sleep".getBytes(StandardCharsets.UTF_8));
    h.writeInput("seconds", (args.length > 1 ? args[1] : "60").getBytes(StandardCharsets.UTF_8));
    h.start();
    System.out.println("started " + h.id());
    if (args.length == 1) {
      Thread.sleep(Long.MAX_VALUE);
    }
    HandoffResult r = h.await(Duration.ofSeconds(60));
    h.copyOutput("result", Path.of(args[2]));
    System.out.println("result " + r.status());
    h.close();
    volume.close();
  }

  static Process start(Path volume, Path log, String... more) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> argv = new ArrayList<>(List.of(java.toString(), "-Xmx64m", "-cp",
        System.getProperty("java.class.path"), CrashingClient.class.getName(), volume.toString()));
    argv.addAll(List.of(more));
    return new ProcessBuilder(argv)
        .redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
  }
}
