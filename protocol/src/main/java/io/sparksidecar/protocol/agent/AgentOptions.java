package io.sparksidecar.protocol.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

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
 */
public record AgentOptions(Path volume, int concurrency, boolean legacy, boolean worker, Duration clientTimeout,
    Duration grace, List<String> command) {

  public static final int DEFAULT_CLIENT_TIMEOUT_MS = 120_000;
  public static final int DEFAULT_GRACE_MS = 1000;

  public static final String USAGE = "usage: Agent --volume DIR [--concurrency N] [--worker | --legacy] "
      + "[--client-timeout-ms MS (default " + DEFAULT_CLIENT_TIMEOUT_MS + ")] [--grace-ms MS (default "
      + DEFAULT_GRACE_MS + ")] -- COMMAND [ARGS...]";

  public AgentOptions {
    command = List.copyOf(command);
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
    int i = 0;
    for (; i < args.length && !args[i].equals("--"); i++) {
      switch (args[i]) {
        case "--volume" -> volume = Path.of(value(args, ++i, "--volume"));
        case "--concurrency" -> concurrency = number(args, ++i, "--concurrency");
        case "--legacy" -> legacy = true;
        case "--worker" -> worker = true;
        case "--client-timeout-ms" -> clientTimeout = Duration.ofMillis(number(args, ++i, "--client-timeout-ms"));
        case "--grace-ms" -> grace = Duration.ofMillis(number(args, ++i, "--grace-ms"));
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
      }
    }
    if (volume == null) {
      throw new IllegalArgumentException("--volume is required");
    }
    List<String> command = i < args.length ? Arrays.asList(args).subList(i + 1, args.length) : List.of();
    return new AgentOptions(volume.toAbsolutePath(), concurrency, legacy, worker, clientTimeout, grace, command);
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
