package io.sparksidecar.it.connect;

import io.sparksidecar.plugin.Sidecar;
import io.sparksidecar.plugin.Sidecars;
import io.sparksidecar.protocol.Handoff;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.spark.sql.api.java.UDF1;

/**
 * A Java UDF that a Spark Connect client registers by class name
 * ({@code spark.udf.registerJavaFunction("session_tool", "io.sparksidecar.it.connect.SessionToolUdf", "string")}),
 * with this class on the server's classpath ({@code --jars}): it hands its argument to the sidecar
 * that {@link Sidecars#get()} gives the task — the session's own when the session asked for one —
 * as {@code name.txt}, and returns the sidecar's {@code result.txt} and the sidecar's executor id
 * ({@code <executor>.session-<uuid prefix>} for a session sidecar), {@code |}-separated.
 * Used by {@code it-tests/src/test/python/test_connect_reporting.py}.
 */
public final class SessionToolUdf implements UDF1<String, String> {
  private static final long serialVersionUID = 1L;

  @Override
  public String call(String name) {
    Sidecar sidecar = Sidecars.get();
    try (Handoff h = sidecar.newHandoff()) {
      h.writeInput("name.txt", name.getBytes(StandardCharsets.UTF_8));
      h.expectOutput("result.txt").run(Duration.ofSeconds(60));
      return new String(h.readOutput("result.txt"), StandardCharsets.UTF_8).trim() + "|" + sidecar.executorId();
    }
  }
}
