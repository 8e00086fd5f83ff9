package io.sparksidecar.protocol.agent;

import io.sparksidecar.protocol.Protocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

/**
 * The agent's view of the client (PROTOCOL.md section 6): gone when {@code client/closed} exists,
 * or when the client heartbeat has not changed for the timeout since it was first seen (a
 * heartbeat older than the agent itself gets the full timeout from the agent's start).
 */
final class ClientWatch {
  private final Protocol protocol;
  private final long timeoutMillis;
  private final long startedMillis = System.currentTimeMillis();
  private boolean seen;

  ClientWatch(Protocol protocol, long timeoutMillis) {
    this.protocol = protocol;
    this.timeoutMillis = timeoutMillis;
  }

  Optional<String> goneReason() {
    if (!Files.isDirectory(protocol.root())) {
      return Optional.of("the volume " + protocol.root() + " vanished");
    }
    if (Files.exists(protocol.clientClosed())) {
      return Optional.of("the client closed the volume");
    }
    try {
      long mtime = Files.getLastModifiedTime(protocol.clientHeartbeat()).toMillis();
      seen = true;
      long age = System.currentTimeMillis() - Math.max(mtime, startedMillis);
      return age > timeoutMillis
          ? Optional.of("the client heartbeat is " + age + " ms old (timeout " + timeoutMillis + " ms): the client is gone")
          : Optional.empty();
    } catch (NoSuchFileException e) {
      return seen ? Optional.of("the client heartbeat vanished") : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
