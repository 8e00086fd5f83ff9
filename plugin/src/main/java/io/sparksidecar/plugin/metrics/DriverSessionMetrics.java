package io.sparksidecar.plugin.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.sparksidecar.plugin.health.SidecarRegistry;
import io.sparksidecar.plugin.runtime.Supervisor.State;

/**
 * Spark Connect session sidecars as gauges in the driver plugin's metric registry (so in every Spark
 * metrics sink, e.g. {@code PrometheusServlet}, as {@code ..._sessions_ready_Value}):
 * {@code sessions.starting}, {@code sessions.ready}, {@code sessions.unhealthy},
 * {@code sessions.restarting}, {@code sessions.failed} (session sidecars in that state now, over all
 * executors that report; one per session and executor), {@code sessions.stale} (on executors that
 * fell silent), and, cumulative over the application's life, {@code sessions.restarts},
 * {@code sessions.handoffs.count} and {@code sessions.handoffs.failed}. As fresh as the executors'
 * last reports: a session sidecar's change is reported within about 250 ms.
 */
public final class DriverSessionMetrics {
  private DriverSessionMetrics() {}

  /** Registers the gauges; called once from the driver plugin's {@code registerMetrics}. */
  public static void register(MetricRegistry m, SidecarRegistry registry) {
    for (State s : new State[] {State.STARTING, State.READY, State.UNHEALTHY, State.RESTARTING, State.FAILED}) {
      m.register("sessions." + s.name().toLowerCase(java.util.Locale.ROOT),
          (Gauge<Long>) () -> registry.sessionCount(s, System.currentTimeMillis()));
    }
    m.register("sessions.stale", (Gauge<Long>) () -> registry.sessionStale(System.currentTimeMillis()));
    m.register("sessions.restarts", (Gauge<Long>) () -> registry.sessions().restarts());
    m.register("sessions.handoffs.count", (Gauge<Long>) () -> registry.sessions().handoffs().done());
    m.register("sessions.handoffs.failed", (Gauge<Long>) () -> registry.sessions().handoffs().failed());
  }
}
