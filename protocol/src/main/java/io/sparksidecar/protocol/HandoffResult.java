package io.sparksidecar.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a finished request reported in its done marker: status, exit code, timing, error and the
 * manifest of its outputs.
 */
public record HandoffResult(
    String requestId,
    String status,
    int exitCode,
    long startedMillis,
    long finishedMillis,
    String error,
    long logBytes,
    List<OutputEntry> outputs) {

  public static final String OK = "ok";
  public static final String FAILED = "failed";
  public static final String REJECTED = "rejected";
  public static final String CANCELLED = "cancelled";

  public HandoffResult {
    outputs = List.copyOf(outputs);
    error = error == null ? "" : error;
  }

  public boolean ok() {
    return OK.equals(status);
  }

  /** How long the command ran, as the agent measured it. */
  public Duration duration() {
    return Duration.ofMillis(Math.max(0, finishedMillis - startedMillis));
  }

  public Optional<OutputEntry> output(String name) {
    return outputs.stream().filter(o -> o.name().equals(name)).findFirst();
  }

  /** Reads a done marker (PROTOCOL.md section 5 step 7). */
  public static HandoffResult fromMarker(String requestId, Marker marker) {
    String protocol = marker.get("protocol");
    if (protocol != null && !Protocol.VERSION.equals(protocol.trim())) {
      throw new HandoffException("request " + requestId + ": done marker speaks protocol '" + protocol
          + "', this client speaks " + Protocol.VERSION, requestId, HandoffException.NO_EXIT_CODE, "", null);
    }
    List<OutputEntry> outputs = marker.all("output").stream()
        .map(v -> OutputEntry.parse(requestId, v)).toList();
    return new HandoffResult(requestId, marker.require("status", "request " + requestId),
        (int) marker.getLong("exit", HandoffException.NO_EXIT_CODE),
        marker.getLong("started", 0), marker.getLong("finished", 0), marker.get("error"),
        marker.getLong("log_bytes", 0), outputs);
  }

  public Marker toMarker() {
    Marker.Builder b = Marker.builder()
        .put("protocol", Protocol.VERSION)
        .put("id", requestId)
        .put("status", status)
        .put("exit", exitCode)
        .put("started", startedMillis)
        .put("finished", finishedMillis)
        .put("error", error)
        .put("log_bytes", logBytes);
    for (OutputEntry o : outputs) {
      b.put("output", o.format());
    }
    return b.build();
  }
}
