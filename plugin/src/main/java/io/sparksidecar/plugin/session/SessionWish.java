package io.sparksidecar.plugin.session;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.config.SidecarKeys;
import io.sparksidecar.plugin.config.SidecarSettings;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The sidecar a session asks for: the {@code spark.sidecar.session.<key>} entries it set with
 * {@code spark.conf.set} (Spark hands a session's SQL confs to its tasks as local properties). Each
 * names what to run, with the key of the executor-wide sidecar it stands for
 * ({@code spark.sidecar.session.command} for {@code spark.sidecar.command}, ...); everything else
 * (engine, user, restart policy, timeouts, volume host directory) stays the server's, except that a
 * session may shorten {@code spark.sidecar.session.idleTimeout} for its own sidecar. A session asks
 * for a sidecar by setting {@code command} or {@code image}; changing any of its keys replaces it.
 *
 * @param keys session key without the {@code spark.sidecar.session.} prefix → value, sorted
 */
public record SessionWish(Map<String, String> keys) {
  /** What a session may set (the rest of the settings are the server's). */
  public static final Set<String> SETTABLE = Set.of("runtime", "image", "command", "protocol", "volumes", "ports", "readiness",
      "readiness.port", "readiness.path", "readiness.logPattern", "readiness.timeout", "process.archive",
      "agent.concurrency", "resourceProfile", "cpus", "memory");
  private static final Set<String> SERVER_ONLY = Set.of(
      SidecarKeys.SESSION_MAX_PER_EXECUTOR.name().substring(SidecarKeys.SESSION_PREFIX.length()),
      SidecarKeys.SESSION_WARM_AGENT.name().substring(SidecarKeys.SESSION_PREFIX.length()));
  /** The one server key a session may also set, to shorten it: {@link #idleTimeout}. */
  static final String IDLE_TIMEOUT = SidecarKeys.SESSION_IDLE_TIMEOUT.name().substring(SidecarKeys.SESSION_PREFIX.length());
  private static final Pattern FRAGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  public SessionWish {
    keys = Map.copyOf(new TreeMap<>(keys));
  }

  /** The session's wish among a task's local properties, or null when it asks for no sidecar. */
  public static SessionWish from(Map<String, String> localProperties) {
    Map<String, String> keys = new TreeMap<>();
    for (Map.Entry<String, String> e : localProperties.entrySet()) {
      if (e.getKey().startsWith(SidecarKeys.SESSION_PREFIX) && e.getValue() != null) {
        String k = e.getKey().substring(SidecarKeys.SESSION_PREFIX.length());
        if (!SERVER_ONLY.contains(k)) { // the server's own conf reaches tasks as local properties too
          keys.put(k, e.getValue());
        }
      }
    }
    boolean wanted = !keys.getOrDefault("command", "").isBlank() || !keys.getOrDefault("image", "").isBlank();
    return wanted ? new SessionWish(keys) : null;
  }

  /**
   * Validates the wish against the server's {@code spark.sidecar.*} entries and the session's
   * unpacked archives; returns the settings of the session's sidecar. Throws
   * {@link SidecarException} naming the session, the key and the value.
   *
   * @param appConf    the server's resolved {@code spark.sidecar.*} entries (what executors got at init)
   * @param sessionDir {@code <executor cwd>/<session uuid>}, where the session's archives are unpacked
   */
  public SidecarSettings settings(SessionRef session, Map<String, String> appConf, Path sessionDir) {
    Map<String, String> conf = new TreeMap<>();
    for (Map.Entry<String, String> e : appConf.entrySet()) {
      String k = e.getKey();
      if (!k.startsWith(SidecarKeys.PREFIX)) {
        continue;
      }
      String bare = k.substring(SidecarKeys.PREFIX.length());
      if (!SETTABLE.contains(bare) && !k.startsWith(SidecarKeys.ENV_PREFIX)) {
        conf.put(k, e.getValue()); // the server's: engine, user, restarts, timeouts, ...
      }
    }
    for (Map.Entry<String, String> e : keys.entrySet()) {
      String k = e.getKey();
      if (k.equals(IDLE_TIMEOUT)) {
        continue; // not a setting of the sidecar: idleTimeout(...) reads it
      }
      if (k.startsWith("env.")) {
        conf.put(SidecarKeys.PREFIX + k, e.getValue());
      } else if (SETTABLE.contains(k)) {
        conf.put(SidecarKeys.PREFIX + k, e.getValue());
      } else {
        throw new SidecarException("session " + session.uuid() + ": " + SidecarKeys.SESSION_PREFIX + k + "=" + e.getValue()
            + " is not a key a session can set; it can set " + SidecarKeys.SESSION_PREFIX + "{" + String.join(",",
            new TreeSet<>(SETTABLE)) + "}, " + SidecarKeys.SESSION_PREFIX + "env.NAME and (shorter than the server's) "
            + SidecarKeys.SESSION_IDLE_TIMEOUT.name());
      }
    }
    String archive = keys.getOrDefault("process.archive", "");
    Path archiveDir = null;
    if (!archive.isEmpty()) {
      if (!FRAGMENT.matcher(archive).matches() || archive.contains("..")) {
        throw bad(session, "process.archive", "must be the name the archive was added under (its #fragment), e.g. env"
            + " for addArtifacts('env.tar.gz#env', archive=True)");
      }
      archiveDir = sessionDir.resolve(archive);
      if (!Files.isDirectory(archiveDir)) {
        throw bad(session, "process.archive", "the session added no archive unpacked as '" + archive + "' (it has "
            + unpacked(sessionDir) + "); add it with spark.addArtifacts('<file>#" + archive + "', archive=True)");
      }
      // the process runtime resolves the archive under its work dir, the executor's: <session uuid>/<fragment>
      conf.put(SidecarKeys.PROCESS_ARCHIVE.name(), sessionDir.getFileName() + "/" + archive);
    }
    SidecarSettings s;
    try {
      s = SidecarSettings.from(conf);
    } catch (SidecarException e) {
      throw new SidecarException("session " + session.uuid() + ": " + sessionKeys(e.getMessage()), e);
    }
    if (!s.command().isEmpty() && (s.runtime().equals("process") || s.image().isEmpty())) {
      checkProgram(session, s.command().get(0), archiveDir);
    }
    return s;
  }

  /**
   * How long the session's sidecar may stay idle: the session's {@code spark.sidecar.session.idleTimeout}
   * when it set one shorter than the server's, else the server's (a session can shorten it, never
   * lengthen it: the server bounds what idle sessions hold). Throws {@link SidecarException} naming
   * the session, the key and the value when the value is not a duration of at least 1 s.
   */
  public Duration idleTimeout(SessionRef session, Duration server) {
    String raw = keys.get(IDLE_TIMEOUT);
    if (raw == null || raw.isBlank()) {
      return server;
    }
    Duration asked;
    try {
      asked = SidecarKeys.SESSION_IDLE_TIMEOUT.get(Map.of(SidecarKeys.SESSION_IDLE_TIMEOUT.name(), raw));
    } catch (SidecarException e) {
      throw new SidecarException("session " + session.uuid() + ": " + e.getMessage(), e);
    }
    return asked.compareTo(server) < 0 ? asked : server;
  }

  private SidecarException bad(SessionRef session, String key, String why) {
    return new SidecarException("session " + session.uuid() + ": " + SidecarKeys.SESSION_PREFIX + key + "="
        + keys.get(key) + ": " + why);
  }

  /** A bare program name must be in the archive's bin/ or on PATH, an absolute one must exist: fail before starting. */
  private void checkProgram(SessionRef session, String program, Path archiveDir) {
    if (program.startsWith("/")) {
      if (!Files.isExecutable(Path.of(program))) {
        throw bad(session, "command", "no executable " + program);
      }
      return;
    }
    if (program.contains("/")) {
      return; // relative to the sidecar's working directory: found (or not) when it starts
    }
    String path = (archiveDir == null ? "" : archiveDir.resolve("bin") + File.pathSeparator)
        + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return;
      }
    }
    throw bad(session, "command", "no program '" + program + "' "
        + (archiveDir == null ? "" : "in " + archiveDir.resolve("bin") + " (the archive's bin/) or ") + "on PATH");
  }

  private static String unpacked(Path sessionDir) {
    try (Stream<Path> s = Files.list(sessionDir)) {
      String names = String.join(", ", s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".")).sorted().toList());
      return names.isEmpty() ? "none unpacked" : "unpacked: " + names;
    } catch (IOException e) {
      return "no artifacts on this executor";
    }
  }

  /** {@code spark.sidecar.command} → {@code spark.sidecar.session.command} for the keys the session set. */
  private String sessionKeys(String message) {
    String out = message;
    for (String k : keys.keySet()) {
      Matcher m = Pattern.compile(Pattern.quote(SidecarKeys.PREFIX + k) + "(?![\\w.])").matcher(out);
      out = m.replaceAll(Matcher.quoteReplacement(SidecarKeys.SESSION_PREFIX + k));
    }
    return out;
  }
}
