package io.sparksidecar.plugin.session;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver side of session sidecars: learns from the listener bus which Spark Connect sessions closed
 * ({@code org.apache.spark.sql.connect.service.SparkListenerConnectSessionClosed}, matched by class
 * name and read by reflection, so the plugin needs no spark-connect dependency and works on servers
 * without it), and answers executors' {@link SessionMessages#query queries} with the closed ones.
 * It also logs every change of a session sidecar's state that executors report.
 *
 * <p>{@link #answer} runs on Spark's RPC threads and never blocks; the listener on the listener bus
 * thread. Thread-safe.
 */
public final class SessionEnds {
  private static final Logger LOG = LoggerFactory.getLogger(SessionEnds.class);
  /** The event the Connect server posts when a session is closed (released by its client, or expired). */
  public static final String CLOSED_EVENT = "org.apache.spark.sql.connect.service.SparkListenerConnectSessionClosed";
  private static final int REMEMBERED = 10_000;

  private final Map<String, Long> closed = java.util.Collections.synchronizedMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > REMEMBERED;
    }
  });
  private final Map<String, String> states = new ConcurrentHashMap<>(); // "<executor> <session>" -> state line

  /** The listener to add with {@code SparkContext.addSparkListener}. */
  public SparkListener listener() {
    return new SparkListener() {
      @Override
      public void onOtherEvent(SparkListenerEvent event) {
        if (event != null && event.getClass().getName().equals(CLOSED_EVENT)) {
          String id = sessionId(event);
          if (id != null) {
            sessionClosed(id, System.currentTimeMillis());
          }
        }
      }
    };
  }

  /** Records that Connect session {@code id} closed. */
  public void sessionClosed(String id, long nowMillis) {
    closed.put(id, nowMillis);
    LOG.info("spark-sidecar: Spark Connect session {} closed: its session sidecars stop on every executor", id);
  }

  private static String sessionId(Object event) {
    try {
      return String.valueOf(event.getClass().getMethod("sessionId").invoke(event));
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("spark-sidecar: cannot read the session id of {}: {}", event.getClass().getName(), e.toString());
      return null;
    }
  }

  /** The reply to an executor's query, or null when {@code message} is not one. */
  public Object answer(Object message) {
    if (!SessionMessages.isQuery(message)) {
      return null;
    }
    Map<?, ?> q = (Map<?, ?>) message;
    String executor = String.valueOf(q.get("executor"));
    Set<String> answer = new LinkedHashSet<>();
    for (String id : SessionMessages.asked(q)) {
      if (closed.containsKey(id)) {
        answer.add(id);
      }
      Object state = q.get("state." + id);
      if (state != null) {
        String key = executor + " " + id;
        String before = states.put(key, state.toString());
        if (!state.toString().equals(before)) {
          LOG.info("spark-sidecar: executor {} sidecar of Connect session {}: {}", executor, id, state);
        }
      }
    }
    return SessionMessages.reply(answer);
  }

  /** Reporting hook: true when the driver saw Connect session {@code connectId} close (the last 10,000 remembered). */
  public boolean isClosed(String connectId) {
    return closed.containsKey(connectId);
  }

  /** The last state each executor reported for each session's sidecar: {@code "<executor> <connect id>" → line}. */
  public Map<String, String> states() {
    return Map.copyOf(states);
  }
}
