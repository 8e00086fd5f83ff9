package io.sparksidecar.plugin;

import io.sparksidecar.plugin.runtime.Supervisor;
import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * This executor's sidecar, as task code sees it; obtained with {@link Sidecars#get()}. Thread-safe:
 * many task threads may use one sidecar at once. Failures raise {@link SidecarException} (plugin)
 * or {@code HandoffException} (hand-offs, with exit code and log tail).
 */
public interface Sidecar {

  String executorId();

  /** The 127.0.0.1 address that reaches the sidecar's {@code port} (a server sidecar). */
  InetSocketAddress endpoint(int port);

  /** {@code http://127.0.0.1:<mapped port><path>}. */
  default URI url(int port, String path) {
    InetSocketAddress a = endpoint(port);
    return URI.create("http://127.0.0.1:" + a.getPort() + path);
  }

  /** The hand-off volume {@code name} ({@code spark.sidecar.protocol} v1 or legacy). */
  Volume volume(String name);

  /** A new hand-off on the first volume. Close it (try-with-resources). */
  Handoff newHandoff();

  /** The supervisor's current state. */
  Supervisor.Snapshot status();
}
