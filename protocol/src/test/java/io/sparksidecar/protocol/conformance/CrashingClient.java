package io.sparksidecar.protocol.conformance;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A client in its own JVM that starts a long request and then waits to be SIGKILLed. */
public final class CrashingClient {
  public static void main(String[] args) throws Exception {
    Volume volume = Volume.open(Path.of(args[0]));
    volume.awaitAgent(Duration.ofSeconds(30));
    Handoff h = volume.newHandoff();
    h.writeInput("mode", "sleep".getBytes(StandardCharsets.UTF_8));
    h.writeInput("seconds", "60".getBytes(StandardCharsets.UTF_8));
    h.start();
    System.out.println("started " + h.id());
    Thread.sleep(Long.MAX_VALUE);
  }

  static Process start(Path volume, Path log) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(java.toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        CrashingClient.class.getName(), volume.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
  }
}
