package io.sparksidecar.plugin.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.sparksidecar.plugin.health.SessionReport;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an executor's health report says of its session sidecars ({@link SessionSidecars#statuses}, and
 * the reporter's watch of them, {@link SessionSidecars#watchKeys}),
 * with real child processes (the process runtime): state, runtime, restarts after a SIGKILL with the
 * failure remembered once it recovered, a session that could not get its sidecar as FAILED with the
 * reason, and a stopped one gone.
 */
class SessionStatusesTest {
  private static final Map<String, String> APP = Map.of("spark.sidecar.command", "sleep 600",
      "spark.sidecar.runtime", "process", "spark.sidecar.stopTimeout", "1s", "spark.sidecar.restart.backoff", "100ms",
      "spark.sidecar.session.maxPerExecutor", "2", "spark.sidecar.session.idleTimeout", "60s");

  @TempDir
  Path work;
  private final Set<String> closedOnDriver = new CopyOnWriteArraySet<>();
  private SessionSidecars sessions;

  @AfterEach
  void close() {
    if (sessions != null) {
      sessions.close();
    }
  }

  private SessionReport status(SessionRef ref) {
    return sessions.statuses().stream().filter(s -> s.uuid().equals(ref.uuid())).findFirst().orElse(null);
  }

  @Test
  void statusesFollowTheSessionSidecarsThroughACrashAFailureAndAStop() throws Exception {
    sessions = new SessionSidecars("app-test", "7", APP, work, q -> SessionMessages.reply(closedOnDriver),
        System::currentTimeMillis, false);
    SessionRef a = SessionFixtures.session(work);
    SessionRef b = SessionFixtures.session(work);
    SessionSidecar ea = sessions.acquire(a, SessionFixtures.tool("tool"));
    sessions.acquire(b, SessionFixtures.tool("nosuchtool"));
    SessionReport ra = status(a);
    assertThat(ra.snapshot().state()).isEqualTo(Supervisor.State.READY);
    assertThat(ra.runtime()).isEqualTo("process");
    assertThat(ra.connectId()).isEqualTo(a.connectId());
    assertThat(ra.snapshot().restarts()).isZero();
    assertThat(ra.activity().lastFailure()).isEmpty();
    SessionReport rb = status(b);
    assertThat(rb.snapshot().state()).isEqualTo(Supervisor.State.FAILED);
    assertThat(rb.snapshot().reason()).contains("session " + b.uuid()).contains("spark.sidecar.session.command=nosuchtool");
    // the reporter's 250-ms watch: what must reach the driver at once, one line a session, sorted
    List<String> watched = sessions.watchKeys();
    assertThat(watched).hasSize(2).isSorted();
    assertThat(watched).anySatisfy(k -> assertThat(k).startsWith(a.uuid() + " " + ra.startedMillis() + " READY 0 "));
    assertThat(watched).anySatisfy(k -> assertThat(k).startsWith(b.uuid() + " ").contains(" FAILED "));
    // SIGKILL a's process: the supervisor restarts it; the report counts the restart and keeps the failure
    String pid = ea.sidecar().status().instanceId().substring(4);
    ProcessHandle.of(Long.parseLong(pid)).orElseThrow().destroyForcibly();
    long deadline = System.currentTimeMillis() + 15_000;
    while (!(status(a).snapshot().state() == Supervisor.State.READY && status(a).snapshot().restarts() == 1)) {
      assertThat(System.currentTimeMillis()).as("a's sidecar restarted: %s", status(a)).isLessThan(deadline);
      Thread.sleep(50);
    }
    assertThat(status(a).activity().lastFailure()).as("the crash, remembered after the recovery").isNotEmpty();
    assertThat(status(a).activity().lastFailureMillis()).isPositive();
    assertThat(status(a).startedMillis()).isEqualTo(ra.startedMillis());
    assertThat(sessions.watchKeys()).as("the restart and the failure change what the watch sees").isNotEqualTo(watched)
        .anySatisfy(k -> assertThat(k).startsWith(a.uuid() + " " + ra.startedMillis() + " READY 1 ")
            .endsWith(" " + status(a).activity().lastFailureMillis()));
    // the driver says a's session closed: its sidecar stops and is no longer reported
    closedOnDriver.add(a.connectId());
    sessions.sweep();
    assertThat(sessions.statuses()).extracting(SessionReport::uuid).containsExactly(b.uuid());
    sessions.close();
    assertThat(sessions.statuses()).isEqualTo(List.of());
  }
}
