package io.sparksidecar.plugin.runtime.kubernetes;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A kubelet reports only how often a container restarted over the pod's life; the failure policy
 * counts restarts within {@code spark.sidecar.restart.window}, as the supervisor does elsewhere.
 * This turns each pod's restart count, polled, into restart times (the poll that saw the count go
 * up; a pod first seen with restarts counts them as now), and says how many lie within the window.
 * Thread-safe; used by the driver's pod status poll.
 */
final class KubeletRestarts {
  private final Duration window;
  private final Map<String, Integer> counts = new HashMap<>();
  private final Map<String, Deque<Long>> times = new HashMap<>();

  KubeletRestarts(Duration window) {
    this.window = window;
  }

  Duration window() {
    return window;
  }

  /** The restarts of {@code pod} within the window ending at {@code nowMillis}, given the count the kubelet reports now. */
  synchronized int recent(String pod, int restartCount, long nowMillis) {
    int before = counts.getOrDefault(pod, 0);
    Deque<Long> t = times.computeIfAbsent(pod, p -> new ArrayDeque<>());
    if (restartCount < before) {
      t.clear(); // a new pod under an old name: start over
      before = 0;
    }
    for (int i = before; i < restartCount; i++) {
      t.addLast(nowMillis);
    }
    counts.put(pod, restartCount);
    while (!t.isEmpty() && t.peekFirst() <= nowMillis - window.toMillis()) {
      t.removeFirst();
    }
    return t.size();
  }

  /** Forgets pods that are no longer listed. */
  synchronized void retain(Set<String> pods) {
    counts.keySet().retainAll(pods);
    times.keySet().retainAll(pods);
  }
}
