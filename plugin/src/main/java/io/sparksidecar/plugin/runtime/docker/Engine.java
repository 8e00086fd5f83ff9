package io.sparksidecar.plugin.runtime.docker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Docker engine calls the runtime makes, on one connection endpoint. Two implementations pass
 * the same contract ({@code EngineContract}): {@link SocketEngine}, the JDK-only client used for
 * UNIX sockets and plain TCP because it starts a sidecar in a cold executor JVM about a second
 * faster, and {@link DockerJavaEngine} (docker-java), used for TLS endpoints or when asked for
 * with {@code spark.sidecar.docker.client=docker-java}. Get one with {@link Engines#connect}.
 *
 * <p>Every call blocks the calling thread, is bounded by a timeout, and throws
 * {@link io.sparksidecar.plugin.SidecarException} on failure; "not found" is an answer
 * ({@code Optional.empty()} or {@code false}), not a failure. Thread-safe.
 */
interface Engine extends AutoCloseable {

  /** "builtin" or "docker-java". */
  String client();

  /** Answers when the engine does; throws otherwise. */
  void ping();

  /** The image's configured user ("" for none, i.e. root), or empty when the image is not on this engine. */
  Optional<String> imageUser(String image);

  /** Creates (not starts) a container; returns its id. */
  String create(ContainerSpec spec);

  void start(String id);

  /** The container's state, or empty when no such container exists. */
  Optional<ContainerState> inspect(String id);

  /** The last {@code lines} lines of stdout and stderr; "" when there are none or the container is gone. */
  String logTail(String id, int lines);

  /** SIGTERM, {@code grace}, SIGKILL; false when no such container exists. Already stopped is fine. */
  boolean stop(String id, Duration grace);

  /** Force-removes the container and its anonymous volumes; false when no such container exists. */
  boolean remove(String id);

  /** Ids and labels of all containers (running or not) that carry label {@code key=value}. */
  List<Listed> list(String key, String value);

  @Override
  void close();

  /** A container as {@link #list} sees it. */
  record Listed(String id, Map<String, String> labels) {}
}
