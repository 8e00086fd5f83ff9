package io.sparksidecar.plugin.runtime.docker;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;

/**
 * Who owns a container: the executor JVM, named by host, pid and process start time (a pid alone
 * may be reused). Written into every container's labels; the watchdog and the start-up sweep use it
 * to remove containers whose owner is gone.
 */
record Owner(String host, long pid, long startMillis) {
  static final String LABEL_APP = "io.sparksidecar.app";
  static final String LABEL_EXECUTOR = "io.sparksidecar.executor";
  static final String LABEL_OWNER = "io.sparksidecar.owner";
  static final String LABEL_HOST = "io.sparksidecar.owner-host";
  static final String LABEL_VERSION = "io.sparksidecar.version";
  static final String LABEL_MANAGED = "io.sparksidecar.managed";

  static Owner self() {
    ProcessHandle me = ProcessHandle.current();
    return new Owner(hostName(), me.pid(), me.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L));
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "localhost";
    }
  }

  /** "host/pid/start": the value of the owner label. */
  String id() {
    return host + "/" + pid + "/" + startMillis;
  }

  static Optional<Owner> parse(String id) {
    String[] p = id == null ? new String[0] : id.split("/");
    try {
      return p.length == 3 ? Optional.of(new Owner(p[0], Long.parseLong(p[1]), Long.parseLong(p[2]))) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** True while this owner's process runs on this host (same pid and the same start time). */
  boolean alive() {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .map(h -> h.info().startInstant().map(i -> Math.abs(i.toEpochMilli() - startMillis) < 2000).orElse(true))
        .orElse(false);
  }

  Map<String, String> labels(String appId, String executorId, String version) {
    return Map.of(LABEL_MANAGED, "true", LABEL_APP, appId, LABEL_EXECUTOR, executorId, LABEL_OWNER, id(),
        LABEL_HOST, host, LABEL_VERSION, version);
  }
}
