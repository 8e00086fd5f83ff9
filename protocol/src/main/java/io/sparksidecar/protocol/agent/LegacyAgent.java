package io.sparksidecar.protocol.agent;

import io.sparksidecar.protocol.AtomicFiles;
import io.sparksidecar.protocol.DirectoryWatcher;
import io.sparksidecar.protocol.Protocol;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Java agent in legacy flag mode (PROTOCOL.md section 8): one hand-off per life. Waits for
 * {@code start_flag}, runs the command in the volume root, writes {@code done_flag} ({@code exit=N}),
 * waits for {@code close_flag}, exits.
 */
final class LegacyAgent {
  private final AgentOptions options;

  LegacyAgent(AgentOptions options) {
    this.options = options;
  }

  int run() {
    Path root = options.volume();
    try (DirectoryWatcher watcher = new DirectoryWatcher(root)) {
      awaitFile(watcher, root.resolve(Protocol.START_FLAG));
      ProcessBuilder pb = new ProcessBuilder(options.command()).directory(root.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve(Protocol.LEGACY_LOG).toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Map<String, String> env = pb.environment();
      options.applyEnvironment(env);
      env.put("SIDECAR_IN", root.toString());
      env.put("SIDECAR_OUT", root.toString());
      int exit;
      try {
        exit = pb.start().waitFor();
      } catch (IOException e) {
        Files.writeString(root.resolve(Protocol.LEGACY_LOG), "sidecar-agent: cannot run " + options.command() + ": "
            + e.getMessage() + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
        exit = 127;
      }
      AtomicFiles.write(root.resolve(Protocol.DONE_FLAG), ("exit=" + exit + "\n").getBytes(StandardCharsets.US_ASCII));
      awaitFile(watcher, root.resolve(Protocol.CLOSE_FLAG));
      return 0;
    } catch (IOException e) {
      System.err.println("sidecar-agent (legacy): " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private static void awaitFile(DirectoryWatcher watcher, Path file) throws InterruptedException {
    while (!Files.exists(file)) {
      watcher.await(50);
    }
  }
}
