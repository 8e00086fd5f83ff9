package io.sparksidecar.protocol.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line of the Java reference agent:
 * {@code Agent --volume DIR [--concurrency N] [--worker | --legacy] [--client-timeout-ms MS] [--grace-ms MS] -- COMMAND [ARGS...]}.
 * With {@code --worker} the command is a persistent worker (PROTOCOL.md section 10) started once per slot.
 *
 * <p>{@code --client-timeout-ms} (default {@value #DEFAULT_CLIENT_TIMEOUT_MS}, Spark's
 * {@code spark.network.timeout} default): how long the client heartbeat may stand still before the
 * agent counts the client as gone (PROTOCOL.md section 6). It must be well above any pause the
 * executor JVM survives (GC, SIGSTOP); the plugin derives it from {@code spark.network.timeout}.
 * {@code client/closed} stops the agent at once whatever this value is.
 * {@code --grace-ms} (default {@value #DEFAULT_GRACE_MS}): how long a cancelled or stopped command
 * gets between SIGTERM and SIGKILL; announced in {@code agent/info} as {@code grace_ms}.
 * {@code --env NAME=VALUE} and {@code --unset-env NAME} (repeatable, applied in order): what the
 * command's environment changes from the agent's own, for an agent JVM started before its sidecar's
 * environment was known (the plugin's warm agent); {@code environment} maps a name to its value, or
 * to null for a name removed.
 */
public record AgentOptions(Path volume, int concurrency, boolean legacy, boolean worker, Duration clientTimeout,
    Duration grace, Map<String, String> environment, List<String> command) {

  public static final int DEFAULT_CLIENT_TIMEOUT_MS = 120_000;
  public static final int DEFAULT_GRACE_MS = 1000;

  public static final String USAGE = "usage: Agent --volume DIR [--concurrency N] [--worker | --legacy] "
      + "[--client-timeout-ms MS (default " + DEFAULT_CLIENT_TIMEOUT_MS + ")] [--grace-ms MS (default "
      + DEFAULT_GRACE_MS + ")] [--env NAME=VALUE]... [--unset-env NAME]... -- COMMAND [ARGS...]";

  /** Options with no change to the command's environment. */
  public AgentOptions(Path volume, int concurrency, boolean legacy, boolean worker, Duration clientTimeout,
      Duration grace, List<String> command) {
    this(volume, concurrency, legacy, worker, clientTimeout, grace, Map.of(), command);
  }

  /** Applies {@link #environment()} to a child's environment (a {@code ProcessBuilder}'s). */
  public void applyEnvironment(Map<String, String> env) {
    environment.forEach((k, v) -> {
      if (v == null) {
        env.remove(k);
      } else {
        env.put(k, v);
      }
    });
  }

  public AgentOptions {
    command = List.copyOf(command);
    environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    for (String name : environment.keySet()) {
      if (name == null || name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("--env/--unset-env: bad variable name '" + name + "'");
      }
    }
    if (command.isEmpty()) {
      throw new IllegalArgumentException("no command given after '--'");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be >= 1, got " + concurrency);
    }
    if (clientTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("--client-timeout-ms must be >= 1, got " + clientTimeout.toMillis());
    }
    if (legacy && worker) {
      throw new IllegalArgumentException("--worker cannot be combined with --legacy");
    }
  }

  /** Parses {@code args}; throws {@link IllegalArgumentException} naming the bad flag or value. */
  public static AgentOptions parse(String[] args) {
    Path volume = null;
    int concurrency = Runtime.getRuntime().availableProcessors();
    boolean legacy = false;
    boolean worker = false;
    Duration clientTimeout = Duration.ofMillis(DEFAULT_CLIENT_TIMEOUT_MS);
    Duration grace = Duration.ofMillis(DEFAULT_GRACE_MS);
    Map<String, String> environment = new LinkedHashMap<>();
    int i = 0;
    for (; i < args.length && !args[i].equals("--"); i++) {
      switch (args[i]) {
        case "--volume" -> volume = Path.of(value(args, ++i, "--volume"));
        case "--concurrency" -> concurrency = number(args, ++i, "--concurrency");
        case "--legacy" -> legacy = true;
        case "--worker" -> worker = true;
        case "--client-timeout-ms" -> clientTimeout = Duration.ofMillis(number(args, ++i, "--client-timeout-ms"));
        case "--grace-ms" -> grace = Duration.ofMillis(number(args, ++i, "--grace-ms"));
        case "--env" -> {
          String assignment = value(args, ++i, "--env");
          int eq = assignment.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--env needs NAME=VALUE, got '" + assignment + "'");
          }
          String name = assignment.substring(0, eq);
          environment.remove(name); // the last one for a name wins
          environment.put(name, assignment.substring(eq + 1));
        }
        case "--unset-env" -> {
          String name = value(args, ++i, "--unset-env");
          environment.remove(name);
          environment.put(name, null);
        }
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
      }
    }
    if (volume == null) {
      throw new IllegalArgumentException("--volume is required");
    }
    List<String> command = i < args.length ? Arrays.asList(args).subList(i + 1, args.length) : List.of();
    return new AgentOptions(volume.toAbsolutePath(), concurrency, legacy, worker, clientTimeout, grace, environment, command);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length || args[i].equals("--")) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static int number(String[] args, int i, String flag) {
    String v = value(args, i, flag);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a whole number, got '" + v + "'");
    }
  }
}
