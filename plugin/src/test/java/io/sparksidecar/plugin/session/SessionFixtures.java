package io.sparksidecar.plugin.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** What the session sidecar tests set up alike: a session with an unpacked archive, and its wish. */
final class SessionFixtures {
  private SessionFixtures() {}

  /**
   * A new session whose archive is unpacked under {@code work} as the executor has it
   * ({@code <work>/<uuid>/env}), holding {@code bin/tool}: a script that sleeps.
   */
  static SessionRef session(Path work) throws IOException {
    SessionRef ref = new SessionRef(UUID.randomUUID().toString(), UUID.randomUUID().toString());
    Path bin = Files.createDirectories(work.resolve(ref.uuid()).resolve("env").resolve("bin"));
    Path tool = bin.resolve("tool");
    Files.writeString(tool, "#!/bin/sh\nexec sleep 600\n");
    tool.toFile().setExecutable(true);
    return ref;
  }

  /**
   * A session's wish from {@code spark.sidecar.session.<key>} pairs; the server's own keys a task
   * also sees are there too, and must be ignored.
   */
  static SessionWish wish(String... kv) {
    Map<String, String> props = new HashMap<>();
    props.put("spark.sidecar.command", "sleep 600"); // the server's own keys reach tasks too: ignored
    props.put("spark.sidecar.session.maxPerExecutor", "99"); // a session cannot change the server's bound
    for (int i = 0; i < kv.length; i += 2) {
      props.put("spark.sidecar.session." + kv[i], kv[i + 1]);
    }
    return SessionWish.from(props);
  }

  /** The archive's tool as a process sidecar. */
  static SessionWish tool(String command) {
    return wish("runtime", "process", "process.archive", "env", "command", command);
  }
}
