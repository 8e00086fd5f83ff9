package io.sparksidecar.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The volume layout of PROTOCOL.md section 2 for one volume root. Both the client and the Java
 * agent build every path through this class so the two can never disagree.
 */
public record Protocol(Path root) {
  public static final String VERSION = "1";

  public static final String START_FLAG = "start_flag";
  public static final String DONE_FLAG = "done_flag";
  public static final String CLOSE_FLAG = "close_flag";
  public static final String LEGACY_LOG = "logfile";
  /** Legacy mode: the file clients {@code flock} to take their turn across processes (§8). */
  public static final String LEGACY_LOCK = ".sidecar-legacy.lock";

  /**
   * Mode 2770 (rwxrws---): the umask keeps mkdir from granting group write, so the client sets it
   * after creating a directory an agent of another uid (sharing the volume's group) must write in.
   */
  public static void shareWithGroup(Path dir) throws IOException {
    Files.setAttribute(dir, "unix:mode", 02770);
  }

  public Path agentDir() {
    return root.resolve("agent");
  }

  public Path agentInfo() {
    return agentDir().resolve("info");
  }

  public Path agentHeartbeat() {
    return agentDir().resolve("heartbeat");
  }

  public Path agentStopped() {
    return agentDir().resolve("stopped");
  }

  public Path clientHeartbeat() {
    return root.resolve("client").resolve("heartbeat");
  }

  public Path clientClosed() {
    return root.resolve("client").resolve("closed");
  }

  public Path requestsDir() {
    return root.resolve("requests");
  }

  public Path queueDir() {
    return root.resolve("queue");
  }

  public Path doneDir() {
    return root.resolve("done");
  }

  public Path requestDir(String id) {
    return requestsDir().resolve(id);
  }

  public Path queued(String id) {
    return queueDir().resolve(id);
  }

  public Path done(String id) {
    return doneDir().resolve(id);
  }

  /** Creates the directories of section 2 (an existing one is fine) and the PROTOCOL file. */
  public Protocol init() throws IOException {
    return init(false);
  }

  /** As {@link #init()}; with {@code groupWritable} the directories get mode 2770 (see {@link #shareWithGroup}). */
  public Protocol init(boolean groupWritable) throws IOException {
    for (Path dir : new Path[] {agentDir(), root.resolve("client"), requestsDir(), queueDir(), doneDir()}) {
      Files.createDirectories(dir);
      if (groupWritable) {
        shareWithGroup(dir);
      }
    }
    Path version = root.resolve("PROTOCOL");
    if (!Files.exists(version)) {
      AtomicFiles.write(version, (VERSION + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return this;
  }
}
