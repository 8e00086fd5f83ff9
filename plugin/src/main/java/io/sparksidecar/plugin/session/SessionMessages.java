package io.sparksidecar.plugin.session;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The plugin RPC between an executor's session sidecars and the driver. Spark's plugin RPC goes only
 * executor → driver, so an executor that runs session sidecars {@code ask}s about once a second:
 * "these are my sessions (and their sidecars' states); which have closed?", and the driver answers
 * with the closed ones. Only JDK types cross (a {@code HashMap<String, String>}), as for
 * {@link io.sparksidecar.plugin.health.HealthReport}.
 */
public final class SessionMessages {
  public static final String KIND = "spark-sidecar.sessions.v1";
  public static final String REPLY_KIND = "spark-sidecar.sessions.closed.v1";

  private SessionMessages() {}

  /**
   * The executor's question.
   *
   * @param sessions Connect session id → the state line of its sidecar on this executor
   *                 ({@code <session uuid> <state> <reason>})
   */
  public static HashMap<String, String> query(String executorId, Map<String, String> sessions) {
    HashMap<String, String> m = new HashMap<>();
    m.put("kind", KIND);
    m.put("executor", executorId);
    m.put("sessions", String.join(",", sessions.keySet()));
    sessions.forEach((id, state) -> m.put("state." + id, state));
    return m;
  }

  public static boolean isQuery(Object message) {
    return message instanceof Map<?, ?> m && KIND.equals(m.get("kind"));
  }

  /** The Connect session ids a query asks about. */
  public static Set<String> asked(Map<?, ?> query) {
    return split(String.valueOf(query.get("sessions")));
  }

  public static HashMap<String, String> reply(Set<String> closed) {
    HashMap<String, String> m = new HashMap<>();
    m.put("kind", REPLY_KIND);
    m.put("closed", String.join(",", closed));
    return m;
  }

  /** The closed session ids in the driver's reply (empty for anything else). */
  public static Set<String> closed(Object reply) {
    if (reply instanceof Map<?, ?> m && REPLY_KIND.equals(m.get("kind"))) {
      return split(String.valueOf(m.get("closed")));
    }
    return Set.of();
  }

  private static Set<String> split(String s) {
    Set<String> out = new LinkedHashSet<>();
    for (String part : s.split(",")) {
      if (!part.isBlank() && !part.equals("null")) {
        out.add(part.trim());
      }
    }
    return out;
  }
}
