package io.sparksidecar.plugin.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.plugin.SidecarException;
import io.sparksidecar.plugin.runtime.Supervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session sidecars on one executor, with real child processes (the process runtime) and real files;
 * the task side ({@code TaskContext}) and the driver are left out: {@link SessionSidecars#acquire} is
 * what {@code onTaskStart} calls, and the driver is a function answering the query.
 */
class SessionSidecarsTest {
  private static final Map<String, String> APP = Map.of("spark.sidecar.command", "sleep 600",
      "spark.sidecar.runtime", "process", "spark.sidecar.stopTimeout", "1s",
      "spark.sidecar.session.maxPerExecutor", "2", "spark.sidecar.session.idleTimeout", "60s");

  @TempDir
  Path work;
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final AtomicReference<Object> lastQuery = new AtomicReference<>();
  private final java.util.Set<String> closedOnDriver = new java.util.concurrent.CopyOnWriteArraySet<>();
  private SessionSidecars sessions;

  private SessionSidecars sessions(Map<String, String> app) {
    sessions = new SessionSidecars("app-test", "7", app, work, q -> {
      lastQuery.set(q);
      return SessionMessages.reply(closedOnDriver);
    }, now::get, false);
    return sessions;
  }

  @AfterEach
  void close() {
    if (sessions != null) {
      sessions.close();
    }
  }

  private SessionRef session() throws Exception {
    return SessionFixtures.session(work);
  }

  private static SessionWish wish(String... kv) {
    return SessionFixtures.wish(kv);
  }

  private static SessionWish tool() {
    return SessionFixtures.tool("tool");
  }

  private static ProcessHandle process(SessionSidecar e) {
    String id = e.sidecar().status().instanceId(); // "pid N"
    return ProcessHandle.of(Long.parseLong(id.substring(4))).orElseThrow();
  }

  private Path discovery(SessionRef ref) {
    return work.resolve(".spark-sidecar").resolve("executor.session-" + ref.uuid() + ".json");
  }

  @Test
  void aSessionThatAsksForNothingGetsNoSessionSidecar() {
    assertThat(SessionWish.from(Map.of("spark.sidecar.command", "x", "spark.sidecar.session.process.archive", "env")))
        .isNull();
  }

  @Test
  void firstUseStartsTheSessionsOwnProcessFromItsArchiveAndLaterTasksReuseIt() throws Exception {
    sessions(APP);
    SessionRef ref = session();
    SessionSidecar e = sessions.acquire(ref, tool());
    assertThat(e.sidecar().status().state()).isEqualTo(Supervisor.State.READY);
    ProcessHandle p = process(e);
    assertThat(p.isAlive()).isTrue();
    // runs in the session's own archive (the tool execs sleep: its working directory shows where it came from)
    assertThat(Files.readSymbolicLink(Path.of("/proc", String.valueOf(p.pid()), "cwd")))
        .isEqualTo(work.resolve(ref.uuid()).resolve("env").toAbsolutePath());
    assertThat(sessions.acquire(ref, tool())).isSameAs(e);
    String doc = Files.readString(discovery(ref));
    assertThat(doc).contains("\"state\": \"READY\"", "\"scope\": \"session\"", "\"session\": \"" + ref.uuid() + "\"",
        "\"connect_session\": \"" + ref.connectId() + "\"");
  }

  @Test
  void theSidecarStopsWhenTheDriverSaysItsSessionClosedAndOthersStay() throws Exception {
    sessions(APP);
    SessionRef a = session();
    SessionRef b = session();
    ProcessHandle pa = process(sessions.acquire(a, tool()));
    ProcessHandle pb = process(sessions.acquire(b, tool()));
    sessions.sweep();
    assertThat(SessionMessages.asked((Map<?, ?>) lastQuery.get())).containsExactlyInAnyOrder(a.connectId(), b.connectId());
    assertThat(pa.isAlive()).isTrue();
    closedOnDriver.add(a.connectId());
    sessions.sweep();
    assertThat(pa.isAlive()).isFalse();
    assertThat(discovery(a)).doesNotExist();
    assertThat(pb.isAlive()).isTrue();
    assertThat(sessions.states()).containsOnlyKeys(b.uuid());
  }

  @Test
  void theSidecarStopsWhenTheSessionsDirectoryGoesOrItIsIdle() throws Exception {
    sessions(APP);
    SessionRef a = session();
    SessionRef b = session();
    SessionSidecar ea = sessions.acquire(a, tool());
    ProcessHandle pa = process(ea);
    ProcessHandle pb = process(sessions.acquire(b, tool()));
    org.apache.commons.io.FileUtils.deleteDirectory(work.resolve(a.uuid()).toFile()); // what Spark's eviction does
    sessions.sweep();
    assertThat(pa.isAlive()).isFalse();
    assertThat(pb.isAlive()).isTrue();
    now.addAndGet(59_000);
    sessions.sweep();
    assertThat(pb.isAlive()).isTrue();
    now.addAndGet(2_000);
    sessions.sweep();
    assertThat(pb.isAlive()).isFalse();
    assertThat(sessions.states()).isEmpty();
  }

  @Test
  void aSessionCanShortenTheIdleTimeoutForItsOwnSidecarButNotLengthenIt() throws Exception {
    sessions(APP); // the server's: 60 s
    SessionRef quick = session();
    SessionRef greedy = session();
    ProcessHandle pq = process(sessions.acquire(quick, wish("runtime", "process", "process.archive", "env", "command", "tool",
        "idleTimeout", "5s")));
    ProcessHandle pg = process(sessions.acquire(greedy, wish("runtime", "process", "process.archive", "env", "command", "tool",
        "idleTimeout", "2h")));
    now.addAndGet(6_000);
    sessions.sweep();
    assertThat(pq.isAlive()).isFalse();
    assertThat(pg.isAlive()).isTrue();
    now.addAndGet(55_000);
    sessions.sweep();
    assertThat(pg.isAlive()).as("the server's 60 s bound the session's 2 h").isFalse();
  }

  @Test
  void aBadSessionIdleTimeoutFailsThatSessionNamingKeyAndValue() throws Exception {
    sessions(APP);
    SessionRef a = session();
    SessionSidecar e = sessions.acquire(a, wish("runtime", "process", "process.archive", "env", "command", "tool",
        "idleTimeout", "soon"));
    assertThatThrownBy(e::sidecar).hasMessageContaining("session " + a.uuid())
        .hasMessageContaining("'soon'").hasMessageContaining("spark.sidecar.session.idleTimeout");
  }

  @Test
  void aSessionWithoutADirectoryOfItsOwnKeepsItsSidecarUntilIdle() throws Exception {
    sessions(APP);
    SessionRef classic = new SessionRef(UUID.randomUUID().toString(), ""); // a classic session that added nothing
    SessionSidecar e = sessions.acquire(classic, wish("runtime", "process", "command", "sleep 300"));
    sessions.sweep();
    assertThat(process(e).isAlive()).isTrue();
    ProcessHandle p = process(e);
    now.addAndGet(61_000);
    sessions.sweep();
    assertThat(p.isAlive()).isFalse();
  }

  @Test
  void aRunningTaskKeepsItsSessionsSidecarPastTheIdleTimeout() throws Exception {
    sessions(APP);
    SessionRef a = session();
    SessionSidecar e = sessions.acquire(a, tool());
    e.running.incrementAndGet();
    now.addAndGet(3_600_000);
    sessions.sweep();
    assertThat(process(e).isAlive()).isTrue();
  }

  @Test
  void aSessionBeyondTheBoundIsRefusedNamingTheKeyAndTheOthersKeepRunning() throws Exception {
    sessions(APP);
    SessionRef a = session();
    SessionRef b = session();
    SessionRef c = session();
    ProcessHandle pa = process(sessions.acquire(a, tool()));
    ProcessHandle pb = process(sessions.acquire(b, tool()));
    SessionSidecar ec = sessions.acquire(c, tool());
    assertThatThrownBy(ec::sidecar).isInstanceOf(SidecarException.class)
        .hasMessageContaining("session " + c.uuid())
        .hasMessageContaining("spark.sidecar.session.maxPerExecutor=2")
        .hasMessageContaining(a.uuid()).hasMessageContaining(b.uuid());
    assertThat(Files.readString(discovery(c))).contains("\"state\": \"FAILED\"", "maxPerExecutor=2");
    assertThat(pa.isAlive() && pb.isAlive()).isTrue();
    // a place frees up: the refused session gets its sidecar at its next task
    closedOnDriver.add(a.connectId());
    sessions.sweep();
    SessionSidecar again = sessions.acquire(c, tool());
    assertThat(again.sidecar().status().state()).isEqualTo(Supervisor.State.READY);
  }

  @Test
  void anArchiveTheSessionDidNotAddIsNamedWithWhatItDidAdd() throws Exception {
    sessions(APP);
    SessionRef a = session();
    SessionSidecar e = sessions.acquire(a, wish("process.archive", "nope", "command", "tool"));
    assertThatThrownBy(e::sidecar).hasMessageContaining("session " + a.uuid())
        .hasMessageContaining("spark.sidecar.session.process.archive=nope")
        .hasMessageContaining("unpacked: env").hasMessageContaining("addArtifacts");
    assertThat(sessions.acquire(a, wish("process.archive", "../../etc", "command", "tool")).failed()).isTrue();
  }

  @Test
  void aProgramMissingFromTheArchiveIsNamed() throws Exception {
    sessions(APP);
    SessionRef a = session();
    SessionSidecar e = sessions.acquire(a, wish("process.archive", "env", "command", "nosuchtool --flag"));
    assertThatThrownBy(e::sidecar).hasMessageContaining("session " + a.uuid())
        .hasMessageContaining("spark.sidecar.session.command=nosuchtool --flag")
        .hasMessageContaining("no program 'nosuchtool'");
    // a bad value of a key the session set is reported under the session's key name
    SessionSidecar bad = sessions.acquire(a, wish("process.archive", "env", "command", "tool", "protocol", "v9"));
    assertThatThrownBy(bad::sidecar).hasMessageContaining("session " + a.uuid())
        .hasMessageContaining("spark.sidecar.session.protocol");
    SessionSidecar server = sessions.acquire(a, wish("command", "tool", "allowRoot", "true"));
    assertThatThrownBy(server::sidecar).hasMessageContaining("spark.sidecar.session.allowRoot=true is not a key a session can set");
  }

  @Test
  void closeStopsEverySessionsSidecar() throws Exception {
    sessions(APP);
    List<ProcessHandle> ps = List.of(process(sessions.acquire(session(), tool())), process(sessions.acquire(session(), tool())));
    sessions.close();
    sessions.close();
    assertThat(ps).noneMatch(ProcessHandle::isAlive);
    assertThat(Optional.ofNullable(work.resolve(".spark-sidecar").toFile().list()).map(List::of).orElse(List.of()))
        .noneMatch(n -> n.contains("session"));
  }

  @Test
  void sessionFilesOfExecutorsThatDiedBySigkillAreRemovedByTheNextExecutor() throws Exception {
    Path run = Files.createDirectories(work.resolve("run"));
    Path dead = Files.writeString(run.resolve("2147483646.session-" + UUID.randomUUID() + ".json"), "{}");
    Path alive = Files.writeString(run.resolve(ProcessHandle.current().pid() + ".session-" + UUID.randomUUID() + ".json"), "{}");
    Path executorsOwn = Files.writeString(run.resolve("2147483646.json"), "{}"); // not ours to remove
    SessionSidecars.removeFilesOfDeadExecutors(run);
    assertThat(dead).doesNotExist();
    assertThat(alive).exists();
    assertThat(executorsOwn).exists();
  }

  @Test
  void tagsOfAConnectTaskNameBothIds() {
    SessionRef r = SessionRef.fromTags("SparkConnect_OperationTag_User__Session_f8de043a-582d-4558-8787-1a63f6c0d294"
        + "_Operation_8d4c9f07-d92f-423a-b07f-758eaf5e0389,spark-session-4aaf17bf-c907-4dfe-8fde-794735586536-execution-"
        + "root-id-0,spark-session-4aaf17bf-c907-4dfe-8fde-794735586536");
    assertThat(r).isEqualTo(new SessionRef("4aaf17bf-c907-4dfe-8fde-794735586536", "f8de043a-582d-4558-8787-1a63f6c0d294"));
    assertThat(SessionRef.fromTags("spark-session-4aaf17bf-c907-4dfe-8fde-794735586536-execution-root-id-0")).isNull();
    assertThat(SessionRef.fromTags(null)).isNull();
  }

  @Test
  void theDriverAnswersOnlyWithClosedSessionsItWasAskedAbout() {
    SessionEnds ends = new SessionEnds();
    ends.sessionClosed("s1", 1);
    ends.sessionClosed("s3", 1);
    Object reply = ends.answer(SessionMessages.query("0", Map.of("s1", "u1 READY ready", "s2", "u2 READY ready")));
    assertThat(SessionMessages.closed(reply)).containsExactly("s1");
    assertThat(ends.answer(Map.of("kind", "something else"))).isNull();
    assertThat(ends.states()).containsEntry("0 s2", "u2 READY ready");
  }
}
