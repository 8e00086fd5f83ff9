package io.sparksidecar.protocol.agent;

import io.sparksidecar.protocol.AtomicFiles;
import io.sparksidecar.protocol.DirectoryWatcher;
import io.sparksidecar.protocol.HandoffException;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.Heartbeat;
import io.sparksidecar.protocol.Marker;
import io.sparksidecar.protocol.Names;
import io.sparksidecar.protocol.Protocol;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java reference agent (PROTOCOL.md): watches {@code queue/}, claims up to N requests at a
 * time, runs the command once per request, publishes done markers, beats {@code agent/heartbeat}
 * and stops (cleaning up) when the client is gone. {@link #main} is the process entry point.
 */
public final class Agent implements AutoCloseable {
  static final Duration HEARTBEAT_PERIOD = Duration.ofMillis(200);
  private static final long POLL_MILLIS = 50;

  private final Protocol protocol;
  private final AgentOptions options;
  private final Semaphore slots;
  private final ExecutorService workers;
  private final Set<String> claimed = ConcurrentHashMap.newKeySet();
  private final RequestRunner runner;
  private final ClientWatch clientWatch;
  private volatile boolean stopping;
  private volatile boolean backlog;
  private volatile String stopReason;
  private Heartbeat heartbeat;

  public Agent(AgentOptions options) {
    this.options = options;
    this.protocol = new Protocol(options.volume());
    this.slots = new Semaphore(options.concurrency());
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(options.concurrency(), r -> {
      Thread t = new Thread(r, "sidecar-agent-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.runner = new RequestRunner(protocol, options, () -> stopping);
    this.clientWatch = new ClientWatch(protocol, options.clientTimeout().toMillis());
  }

  public static void main(String[] args) {
    AgentOptions options;
    try {
      options = AgentOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sidecar-agent: " + e.getMessage());
      System.err.println(AgentOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.legacy()) {
      System.exit(new LegacyAgent(options).run());
    }
    if (System.getProperty("jdk.lang.Process.launchMechanism") == null && Runtime.version().feature() <= 21) {
      // about 30 % cheaper per request than the default posix_spawn + jspawnhelper on Linux
      System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
    }
    try (Agent agent = new Agent(options)) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> agent.stop("the agent was terminated by a signal")));
      String reason = agent.run();
      System.err.println("sidecar-agent: stopped: " + reason);
    } catch (IOException | RuntimeException e) {
      System.err.println("sidecar-agent: failed on volume " + options.volume() + ": " + e);
      System.exit(1);
    }
    System.exit(0);
  }

  /** Runs until the client is gone or {@link #stop} is called; returns why it stopped. */
  public String run() throws IOException {
    protocol.init();
    Files.deleteIfExists(protocol.agentStopped());
    recoverOrphans();
    Marker.builder().put("protocol", Protocol.VERSION).put("agent", "java")
        .put("pid", ProcessHandle.current().pid()).put("concurrency", options.concurrency())
        .put("mode", options.worker() ? "workers" : "requests")
        .put("grace_ms", options.grace().toMillis())
        .put("client_timeout_ms", options.clientTimeout().toMillis()).build().writeAtomically(protocol.agentInfo());
    heartbeat = Heartbeat.start(protocol.agentHeartbeat(), HEARTBEAT_PERIOD, "sidecar-agent-heartbeat");
    try (DirectoryWatcher watcher = new DirectoryWatcher(protocol.queueDir())) {
      schedule(); // re-check after registering the watch
      while (!stopping) {
        Set<String> names;
        try {
          names = watcher.await(POLL_MILLIS);
        } catch (InterruptedException e) {
          stop("the agent was interrupted");
          break;
        }
        Optional<String> gone = clientWatch.goneReason();
        if (gone.isPresent()) {
          stop(gone.get());
          break;
        }
        if (names == null || backlog) {
          schedule();
        } else if (!names.isEmpty()) {
          schedule(names);
        }
      }
    }
    return stopReason;
  }

  /** Lists {@code queue/} and claims what it can. Used on start, on a poll timeout or overflow, and when a backlog waits. */
  private synchronized void schedule() {
    if (stopping) {
      return;
    }
    backlog = false;
    List<String> ids = new java.util.ArrayList<>();
    try (DirectoryStream<Path> queue = Files.newDirectoryStream(protocol.queueDir())) {
      queue.forEach(entry -> ids.add(entry.getFileName().toString()));
    } catch (IOException e) {
      System.err.println("sidecar-agent: cannot list " + protocol.queueDir() + ": " + e);
      return;
    }
    schedule(ids);
  }

  /**
   * Claims the given queue entries while slots are free; what does not fit leaves a backlog that
   * the next finishing request picks up with a full listing. Called by the main loop with the names
   * a watch event reported (no directory listing on the hot path) and by {@link #schedule()}.
   */
  private synchronized void schedule(Iterable<String> ids) {
    for (String id : ids) {
      if (stopping || id.startsWith(".") || claimed.contains(id)) {
        continue;
      }
      if (!slots.tryAcquire()) {
        backlog = true;
        return;
      }
      if (!claim(id)) {
        slots.release();
        continue;
      }
      workers.execute(() -> {
        try {
          runner.run(id);
        } finally {
          claimed.remove(id);
          slots.release();
          if (backlog) {
            schedule();
          }
        }
      });
    }
  }

  /** PROTOCOL.md section 5 step 4: the rename is the claim; duplicates are dropped, never run twice. */
  private boolean claim(String id) {
    Path queued = protocol.queued(id);
    try {
      Names.checkId(id);
    } catch (HandoffException e) {
      System.err.println("sidecar-agent: dropping queue entry with invalid id '" + id + "'");
      AtomicFiles.deleteQuietly(queued);
      return false;
    }
    Path dir = protocol.requestDir(id);
    // running duplicates are caught by the claimed set; finished ones by their done marker
    if (Files.exists(protocol.done(id))) {
      boolean duplicate;
      try {
        duplicate = Files.deleteIfExists(queued); // gone: a listing taken before this request was claimed and ran
      } catch (IOException e) {
        duplicate = true;
        AtomicFiles.deleteQuietly(queued);
      }
      if (duplicate) {
        System.err.println("sidecar-agent: request " + id + " was started twice; the duplicate start is dropped");
      }
      return false;
    }
    try {
      Files.move(queued, dir.resolve("claimed"), StandardCopyOption.ATOMIC_MOVE);
      claimed.add(id);
      return true;
    } catch (NoSuchFileException e) {
      if (!Files.isDirectory(dir)) {
        AtomicFiles.deleteQuietly(queued); // a start marker without its request directory
      }
      return false;
    } catch (IOException e) {
      System.err.println("sidecar-agent: cannot claim request " + id + ": " + e);
      return false;
    }
  }

  /** PROTOCOL.md section 6 "Restart": claimed requests of an earlier life never look complete. */
  private void recoverOrphans() throws IOException {
    try (DirectoryStream<Path> requests = Files.newDirectoryStream(protocol.requestsDir())) {
      for (Path dir : requests) {
        String id = dir.getFileName().toString();
        if (!id.startsWith(".") && Files.exists(dir.resolve("claimed")) && !Files.exists(protocol.done(id))) {
          long now = System.currentTimeMillis();
          new HandoffResult(id, HandoffResult.FAILED, HandoffException.NO_EXIT_CODE, now, now,
              "agent restarted while the request was running", 0, List.of()).toMarker().writeAtomically(protocol.done(id));
        }
      }
    }
  }

  /**
   * Stops the agent: kills running commands, removes the requests it holds and the queued ones,
   * writes {@code agent/stopped}. Idempotent; safe from a shutdown hook.
   */
  public void stop(String reason) {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
      stopReason = reason;
    }
    List<String> held = List.copyOf(claimed);
    runner.killAll();
    workers.shutdown();
    try {
      workers.awaitTermination(options.grace().toMillis() + 2000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boolean clientGone = clientWatch.goneReason().isPresent();
    if (clientGone) {
      cleanUpAfterClient(held);
    }
    try {
      Marker.builder().put("reason", reason).build().writeAtomically(protocol.agentStopped());
    } catch (IOException ignored) {
      // the volume is gone
    }
    if (heartbeat != null) {
      heartbeat.close();
    }
  }

  private void cleanUpAfterClient(List<String> held) {
    for (String id : held) {
      AtomicFiles.deleteQuietly(protocol.requestDir(id));
      AtomicFiles.deleteQuietly(protocol.done(id));
    }
    try (DirectoryStream<Path> queue = Files.newDirectoryStream(protocol.queueDir())) {
      for (Path entry : queue) {
        AtomicFiles.deleteQuietly(protocol.requestDir(entry.getFileName().toString()));
        AtomicFiles.deleteQuietly(entry);
      }
    } catch (IOException ignored) {
      // the volume is gone
    }
  }

  @Override
  public void close() {
    stop(stopReason == null ? "the agent was closed" : stopReason);
  }
}
