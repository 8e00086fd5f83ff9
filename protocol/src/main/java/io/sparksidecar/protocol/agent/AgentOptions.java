package io.sparksidecar.protocol.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Command line of the Java reference agent:
 * {@code Agent --volume DIR [--concurrency N] [--worker | --legacy] [--client-timeout-ms MS] [--grace-ms MS] -- COMMAND [ARGS...]}.
 * With {@code --worker} the command is a persistent worker (PROTOCOL.md section 10) started once per slot.
 */
public record AgentOptions(Path volume, int concurrency, boolean legacy, boolean worker, Duration clientTimeout,
    Duration grace, List<String> command) {

  public static final String USAGE = "usage: Agent --volume DIR [--concurrency N] [--worker | --legacy] "
      + "[--client-timeout-ms MS] [--grace-ms MS] -- COMMAND [ARGS...]";

  public AgentOptions {
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("no command given after '--'");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be >= 1, got " + concurrency);
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
    Duration clientTimeout = Duration.ofSeconds(3);
    Duration grace = Duration.ofSeconds(1);
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
