package io.sparksidecar.protocol;

/** One line of a done marker's output manifest: {@code output=<size> <algo>:<hex> <name>}. */
public record OutputEntry(String name, long size, ChecksumAlgorithm algorithm, String checksum) {

  /** Parses a manifest value; throws naming the request and the line when it is malformed. */
  public static OutputEntry parse(String requestId, String value) {
    String[] parts = value.split(" ", 3);
    int colon = parts.length == 3 ? parts[1].indexOf(':') : -1;
    if (colon < 0) {
      throw new HandoffException("request " + requestId + ": malformed manifest line 'output=" + value + "'",
          requestId, HandoffException.NO_EXIT_CODE, "", null);
    }
    long size;
    try {
      size = Long.parseLong(parts[0]);
    } catch (NumberFormatException e) {
      throw new HandoffException("request " + requestId + ": bad size in manifest line 'output=" + value + "'",
          requestId, HandoffException.NO_EXIT_CODE, "", e);
    }
    String name = Names.checkName(requestId, parts[2]);
    return new OutputEntry(name, size, ChecksumAlgorithm.fromWire(parts[1].substring(0, colon)),
        parts[1].substring(colon + 1).toLowerCase(java.util.Locale.ROOT));
  }

  public String format() {
    return size + " " + algorithm.wireName() + ":" + checksum + " " + name;
  }
}
