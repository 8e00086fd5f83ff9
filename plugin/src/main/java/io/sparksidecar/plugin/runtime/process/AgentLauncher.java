package io.sparksidecar.plugin.runtime.process;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.agent.Agent;
import io.sparksidecar.protocol.agent.AgentOptions;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The main class of a warm agent JVM ({@link WarmAgents}): started before any sidecar needs it, it
 * loads the Java protocol agent's classes, rehearses (runs the agent once on a scratch volume given
 * as its argument, with three hand-offs, then deletes it) and waits; when its executor hands it a sidecar's
 * configuration on stdin it becomes that sidecar's agent ({@link Agent#main}), logging to the
 * sidecar's log file. End of input before a configuration (its executor stopped it, or died) ends it.
 *
 * <p>Stdin: a big-endian int {@code n}, then {@code n} modified-UTF-8 strings
 * ({@link java.io.DataOutputStream#writeUTF}): the sidecar's log file, then the agent's arguments.
 */
public final class AgentLauncher {
  private static final String LAUNCH = "jdk.lang.Process.launchMechanism";

  private AgentLauncher() {
  }

  public static void main(String[] args) {
    if (System.getProperty(LAUNCH) == null && Runtime.version().feature() <= 21) {
      System.setProperty(LAUNCH, "VFORK"); // what Agent.main sets: before the rehearsal fixes it for this JVM
    }
    warm();
    rehearse(Path.of(args.length > 0 ? args[0] : "sidecar-warm-" + ProcessHandle.current().pid()));
    List<String> words;
    try {
      words = read(new DataInputStream(new BufferedInputStream(System.in)));
    } catch (EOFException e) {
      System.exit(0); // not needed: the executor closed our stdin (or is gone)
      return;
    } catch (IOException | RuntimeException e) {
      System.err.println("sidecar-agent launcher: bad configuration on stdin: " + e);
      System.exit(2);
      return;
    }
    try {
      PrintStream log = new PrintStream(new FileOutputStream(words.get(0), true), true);
      System.setOut(log);
      System.setErr(log);
    } catch (IOException e) {
      System.err.println("sidecar-agent launcher: cannot open the log " + words.get(0) + ": " + e);
      System.exit(1);
    }
    Agent.main(words.subList(1, words.size()).toArray(new String[0]));
  }

  /**
   * Runs the agent once on a scratch volume, with the protocol's own Java client and three hand-offs
   * of {@code true}, so that the agent's code paths (and the JDK's it uses) are loaded and compiled
   * before a sidecar needs them; then removes the volume. Best effort.
   */
  private static void rehearse(Path scratch) {
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(scratch);
      AgentOptions options = AgentOptions.parse(new String[] {"--volume", scratch.toString(), "--", "true"});
      Agent agent;
      Thread runs;
      try (Volume v = Volume.open(scratch)) { // the client's heartbeat first, as the executor does
        agent = new Agent(options);
        runs = new Thread(() -> {
          try {
            agent.run();
          } catch (IOException | RuntimeException e) {
            // a rehearsal
          }
        }, "sidecar-agent-rehearsal");
        runs.setDaemon(true);
        runs.start();
        v.awaitAgent(Duration.ofSeconds(30));
        for (int i = 0; i < 3; i++) {
          try (Handoff h = v.newHandoff()) {
            h.writeInput("in.txt", new byte[] {'x'});
            h.run(Duration.ofSeconds(30));
          }
        }
      }
      agent.stop("rehearsal over");
      runs.join(5_000);
      agent.close();
      System.err.println("sidecar-agent launcher: rehearsed in " + (System.nanoTime() - t0) / 1_000_000 + " ms; waiting for a sidecar");
    } catch (Exception | LinkageError e) {
      System.err.println("sidecar-agent launcher: rehearsal on " + scratch + " failed (the agent starts cold): " + e);
    } finally {
      deleteTree(scratch);
    }
  }

  static void deleteTree(Path top) {
    try (java.util.stream.Stream<Path> s = Files.walk(top)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // already gone
    }
  }

  static List<String> read(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 2 || n > 10_000) {
      throw new IOException("expected 2..10000 words, got " + n);
    }
    List<String> words = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      words.add(in.readUTF());
    }
    return words;
  }

  /** Loads (without initialising) every class of the agent's package tree, and the JDK's file watching: what a cold agent spends its start on. */
  private static void warm() {
    try {
      Path jar = Path.of(URI.create(Agent.class.getProtectionDomain().getCodeSource().getLocation().toString()));
      ClassLoader loader = AgentLauncher.class.getClassLoader();
      if (jar.toString().endsWith(".jar")) {
        try (JarFile f = new JarFile(jar.toFile())) {
          for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            if (name.startsWith("io/sparksidecar/protocol/") && name.endsWith(".class")) {
              Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
            }
          }
        }
      }
      java.nio.file.FileSystems.getDefault().newWatchService().close();
    } catch (Exception | LinkageError e) {
      // only a warm-up: the agent loads what it needs anyway
    }
  }
}
