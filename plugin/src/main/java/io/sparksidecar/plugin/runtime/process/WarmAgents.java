package io.sparksidecar.plugin.runtime.process;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warm agent JVM per executor JVM, kept ready for the next process sidecar that speaks protocol
 * v1 (a Spark Connect session's, whose first task waits for it): a cold agent spends most of a session
 * sidecar's first use starting its JVM; a warm one ({@link AgentLauncher}) has started and loaded the
 * agent's classes and only needs its configuration. Off until {@link #keep} is called (the session
 * sidecars do, at the first Spark Connect task on the executor); after each {@link #take} the next
 * one starts in the background.
 *
 * <p>A warm agent is a child of the executor like any process sidecar: listed for the watchdog when it
 * starts (an executor SIGKILL removes it, and it also exits by itself at the end of its stdin, which
 * the executor's death closes), stopped by {@link #close}. All methods are thread-safe and return at
 * once (starting a JVM happens on a daemon thread); none throws.
 */
final class WarmAgents {
  private static final Logger LOG = LoggerFactory.getLogger(WarmAgents.class);
  private static final Object LOCK = new Object();
  private static Place place; // where warm agents start: null until keep()
  private static Process spare;
  private static boolean starting;

  private record Place(String appId, String executorId, Path workDir) {
  }

  private WarmAgents() {
  }

  /** From now on keeps one warm agent for this executor; idempotent. */
  static void keep(String appId, String executorId, Path workDir) {
    synchronized (LOCK) {
      if (place != null) {
        return;
      }
      place = new Place(appId, executorId, workDir.toAbsolutePath());
    }
    refill();
  }

  /**
   * A warm agent configured with {@code log} and {@code agentArgs} (the agent's own arguments, as for a
   * cold start), or null when none is ready (then the caller starts a cold one). The next one starts in
   * the background.
   */
  static Process take(Path log, List<String> agentArgs) {
    Process p;
    synchronized (LOCK) {
      p = spare;
      spare = null;
    }
    if (p == null) {
      return null;
    }
    refill();
    if (!p.isAlive()) {
      LOG.warn("spark-sidecar: the warm agent {} exited with {} before it was needed; starting a cold one", p.pid(),
          p.exitValue());
      return null;
    }
    List<String> words = new ArrayList<>();
    words.add(log.toAbsolutePath().toString());
    words.addAll(agentArgs);
    try (DataOutputStream out = new DataOutputStream(p.getOutputStream())) {
      out.writeInt(words.size());
      for (String w : words) {
        out.writeUTF(w);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("spark-sidecar: cannot configure the warm agent {} ({}); starting a cold one", p.pid(), e.toString());
      p.destroyForcibly();
      return null;
    }
    return p;
  }

  private static void refill() {
    Place at;
    synchronized (LOCK) {
      if (place == null || spare != null || starting) {
        return;
      }
      starting = true;
      at = place;
    }
    Thread t = new Thread(() -> {
      Process p = null;
      try {
        p = start(at);
      } catch (IOException | RuntimeException e) {
        LOG.warn("spark-sidecar: cannot start a warm agent in {}: {}", at.workDir(), e.toString());
      } finally {
        boolean keepIt;
        synchronized (LOCK) {
          starting = false;
          keepIt = p != null && place == at;
          if (keepIt) {
            spare = p;
          }
        }
        if (p != null && !keepIt) {
          Path scratch = scratchOf(p);
          p.destroyForcibly(); // closed meanwhile
          removeRehearsal(p, scratch);
        }
      }
    }, "sidecar-warm-agent");
    t.setDaemon(true);
    t.start();
  }

  private static Process start(Place at) throws IOException {
    List<String> argv = new ArrayList<>(ProcessRuntime.agentJvm(true));
    argv.add(AgentLauncher.class.getName());
    Path scratch = at.workDir().resolve("sidecar-warm-" + System.nanoTime()); // its rehearsal's volume
    argv.add(scratch.toString());
    // the rehearsal deletes it when done; an executor SIGKILLed meanwhile leaves it to the watchdog
    io.sparksidecar.plugin.runtime.docker.Watchdog.deleteWhenGone(scratch);
    Process p = new ProcessBuilder(argv).directory(at.workDir().toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(io.sparksidecar.plugin.runtime.WorkDirFiles.warmAgentsLog(at.workDir()).toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE).start();
    ProcessRuntime.recordForWatchdog(at.workDir(), at.appId(), at.executorId(), p);
    return p;
  }

  /** Stops the spare and keeps no more (the executor stops). Idempotent. */
  static void close() {
    Process p;
    synchronized (LOCK) {
      place = null;
      p = spare;
      spare = null;
    }
    if (p != null) {
      Path scratch = scratchOf(p); // read while it runs: /proc forgets a reaped process's arguments
      p.destroyForcibly(); // idle (or rehearsing: then its scratch volume is removed below)
      removeRehearsal(p, scratch);
    }
  }

  /** The scratch volume a warm agent rehearses on (its last argument), or null. */
  private static Path scratchOf(Process p) {
    return p.info().arguments().filter(a -> a.length > 0 && a[a.length - 1].contains("sidecar-warm-"))
        .map(a -> Path.of(a[a.length - 1])).orElse(null);
  }

  /** After {@code p} was killed: its scratch volume, if it was still rehearsing, and its watchdog entry. */
  private static void removeRehearsal(Process p, Path scratch) {
    try {
      p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (scratch != null) {
      AgentLauncher.deleteTree(scratch);
      io.sparksidecar.plugin.runtime.docker.Watchdog.forget(scratch);
    }
  }

  /** For tests: the spare's process, or null. */
  static Process spare() {
    synchronized (LOCK) {
      return spare;
    }
  }
}
