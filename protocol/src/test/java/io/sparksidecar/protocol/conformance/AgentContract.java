package io.sparksidecar.protocol.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sparksidecar.protocol.Handoff;
import io.sparksidecar.protocol.HandoffException;
import io.sparksidecar.protocol.HandoffResult;
import io.sparksidecar.protocol.Marker;
import io.sparksidecar.protocol.Volume;
import io.sparksidecar.protocol.VolumeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol conformance suite (PROTOCOL.md): one contract, run against every agent
 * implementation through its {@link AgentLauncher}. Every test uses the real client, a real agent
 * process and real files.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class AgentContract {
  protected static final Duration RUN = Duration.ofSeconds(60);
  /** The client timeout of most cases: long, as in production (the dead-client case sets a short one). */
  protected static final long CLIENT_TIMEOUT_MILLIS = 30_000;

  @TempDir
  protected Path base;
  protected Path volumeDir;
  protected Path script;
  private final List<AgentLauncher.RunningAgent> agents = new ArrayList<>();
  private final List<Volume> volumes = new ArrayList<>();

  /** The implementation under test. */
  protected abstract AgentLauncher launcher();

  @BeforeEach
  void prepare() throws IOException {
    volumeDir = Files.createDirectories(base.resolve("vol"));
    script = base.resolve("command.sh");
    try (InputStream in = AgentContract.class.getResourceAsStream("/conformance/command.sh")) {
      Files.copy(in, script);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    volumes.forEach(Volume::close);
    agents.forEach(AgentLauncher.RunningAgent::close);
    // an sh agent's last heartbeat (a child it forked just before it was killed) may still land: the
    // volume goes here, until it stays gone, so the temporary directory's own cleanup finds nothing moving
    long deadline = System.currentTimeMillis() + 5_000;
    while (Files.exists(volumeDir) && System.currentTimeMillis() < deadline) {
      try {
        io.sparksidecar.protocol.AtomicFiles.deleteRecursively(volumeDir);
      } catch (IOException e) {
        // something still writes: again
      }
      Thread.sleep(50);
    }
  }

  protected AgentLauncher.RunningAgent startAgent(int concurrency, List<String> command) throws IOException {
    return startAgent(new AgentLauncher.Spec(concurrency, false, CLIENT_TIMEOUT_MILLIS, command));
  }

  protected AgentLauncher.RunningAgent startAgent(AgentLauncher.Spec spec) throws IOException {
    AgentLauncher.RunningAgent agent = launcher().start(volumeDir, spec);
    agents.add(agent);
    return agent;
  }

  protected Volume openVolume() {
    return openVolume(VolumeOptions.defaults());
  }

  protected Volume openVolume(VolumeOptions options) {
    Volume v = Volume.open(volumeDir, options);
    volumes.add(v);
    return v;
  }

  /**
   * An agent running the suite's command script, and a client volume that waited for it. The volume
   * counts the agent gone after the plugin's {@code agent.staleAfter} (5 s), not the library's 1 s:
   * under load (100 concurrent requests, 256 MiB through a shell agent, a loaded 2-core CI host) a
   * shell agent's heartbeat can lag past a second (seen in CI). The cases about noticing a dead agent
   * open their volume with {@link #openVolume()} and keep the 1-s bound.
   */
  protected Volume agentAndVolume(int concurrency) throws IOException {
    startAgent(concurrency, launcher().scriptCommand(script));
    Volume v = openVolume(VolumeOptions.defaults().withStaleAfter(Duration.ofSeconds(5)));
    v.awaitAgent(Duration.ofSeconds(30));
    return v;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected static void await(BooleanSupplier condition, long millis, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + millis + " ms: " + what);
      }
      Thread.sleep(10);
    }
  }

  // ---- the contract ---------------------------------------------------------------------------

  @Test
  void happyPathReturnsVerifiedOutputsAndTheLog() throws IOException {
    Volume volume = agentAndVolume(2);
    String id;
    try (Handoff h = volume.newHandoff()) {
      id = h.id();
      h.writeInput("mode", utf8("echo")).writeInput("data", utf8("a,b\n1,2\n")).expectOutput("result");
      HandoffResult r = h.run(RUN);
      assertThat(r.ok()).isTrue();
      assertThat(r.exitCode()).isZero();
      assertThat(r.outputs()).singleElement().satisfies(o -> {
        assertThat(o.name()).isEqualTo("result");
        assertThat(o.size()).isEqualTo(8);
      });
      assertThat(new String(h.readOutput("result"), StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
      assertThat(h.readLines("result")).containsExactly("a,b", "1,2");
      Path copy = base.resolve("copy.csv");
      h.copyOutput("result", copy);
      assertThat(Files.readString(copy)).isEqualTo("a,b\n1,2\n");
      assertThat(h.log()).contains("echo ok on stdout").contains("echo ok on stderr");
    }
    assertThat(volumeDir.resolve("requests").resolve(id)).doesNotExist();
    assertThat(volumeDir.resolve("done")).isEmptyDirectory();
    volume.close();
    assertThat(volumeDir.resolve("requests")).as("nothing left once the volume is closed").isEmptyDirectory();
  }

  @Test
  void textLinesInAndOut() throws IOException {
    Volume volume = agentAndVolume(2);
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("lines")).writeLines("data", List.of("apple", "banana", "cherry"));
      h.run(RUN);
      assertThat(h.readLines("result")).containsExactly("1:apple", "2:banana", "3:cherry");
    }
  }

  @Test
  void nonZeroExitFailsWithExitCodeAndLogTail() throws IOException {
    Volume volume = agentAndVolume(2);
    try (Handoff h = volume.newHandoff("exit-3")) {
      h.writeInput("mode", utf8("exit")).writeInput("code", utf8("3"));
      assertThatThrownBy(() -> h.run(RUN))
          .isInstanceOfSatisfying(HandoffException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(3);
            assertThat(e.requestId()).isEqualTo("exit-3");
            assertThat(e.logTail()).contains("failing with 3 on purpose");
            assertThat(e.getMessage()).contains("exit-3").contains("exited with 3").contains("failing with 3");
          });
      assertThatThrownBy(() -> h.readOutput("result")).hasMessageContaining("successful");
    }
  }

  @Test
  void commandNotFoundIsExit127() throws IOException {
    startAgent(1, List.of("/nonexistent/sidecar-command"));
    Volume volume = openVolume();
    volume.awaitAgent(Duration.ofSeconds(30));
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("data", utf8("x"));
      assertThatThrownBy(() -> h.run(RUN))
          .isInstanceOfSatisfying(HandoffException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(127);
            assertThat(e.getMessage()).contains("not found");
            assertThat(e.logTail()).contains("sidecar-command");
          });
    }
  }

  @Test
  void declaredOutputMissingFailsNamingIt() throws IOException {
    Volume volume = agentAndVolume(2);
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("nothing")).expectOutput("outfile.csv");
      assertThatThrownBy(() -> h.run(RUN))
          .isInstanceOf(HandoffException.class)
          .hasMessageContaining("declared output 'outfile.csv' missing")
          .hasMessageContaining(h.id());
    }
  }

  @Test
  void streamsA256MiBInputAndOutputWithoutHeap() throws Exception {
    long size = 256L << 20;
    Volume volume = agentAndVolume(1);
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("echo"));
      h.writeInput("data", new PatternStream(size, 7));
      h.run(Duration.ofMinutes(3));
      try (InputStream out = h.openOutput("result")) {
        assertThat(PatternStream.sameContent(out, new PatternStream(size, 7))).isTrue();
      }
    }
  }

  @Test
  void hundredConcurrentRequestsOnOneVolume() throws Exception {
    Volume volume = agentAndVolume(8);
    ExecutorService pool = Executors.newFixedThreadPool(100);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String payload = "payload-" + i + "\n".repeat(i % 5 + 1);
        results.add(pool.submit(() -> {
          try (Handoff h = volume.newHandoff()) {
            h.writeInput("mode", utf8("echo")).writeInput("data", utf8(payload));
            h.run(Duration.ofMinutes(2));
            String out = new String(h.readOutput("result"), StandardCharsets.UTF_8);
            return out.equals(payload) ? "ok" : "request " + h.id() + " got '" + out + "'";
          }
        }));
      }
      for (Future<String> f : results) {
        assertThat(f.get(3, TimeUnit.MINUTES)).isEqualTo("ok");
      }
    } finally {
      pool.shutdownNow();
    }
    volume.close();
    assertThat(volumeDir.resolve("requests")).isEmptyDirectory();
    assertThat(volumeDir.resolve("done")).isEmptyDirectory();
  }

  @Test
  void agentKilledMidRequestFailsTheClientWithinASecondAndNothingLooksComplete() throws Exception {
    AgentLauncher.RunningAgent agent = startAgent(2, launcher().scriptCommand(script));
    Volume volume = openVolume();
    volume.awaitAgent(Duration.ofSeconds(30));
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("sleep")).writeInput("seconds", utf8("30")).start();
      Path partial = volumeDir.resolve("requests").resolve(h.id()).resolve("out").resolve("result");
      await(() -> Files.exists(partial), 20_000, "the command started writing");
      long killedAt = System.nanoTime();
      agent.crash();
      assertThatThrownBy(() -> h.await(Duration.ofSeconds(30)))
          .isInstanceOf(HandoffException.class)
          .hasMessageContaining(h.id())
          .hasMessageContaining("agent");
      long millis = (System.nanoTime() - killedAt) / 1_000_000;
      assertThat(millis).as("failure noticed after %d ms", millis).isLessThan(2_000);
      assertThat(volumeDir.resolve("done").resolve(h.id())).doesNotExist();
      assertThatThrownBy(() -> h.readOutput("result")).hasMessageContaining("successful");
    }
  }

  @Test
  void agentTerminatedFailsWaitersAtOnceWithItsReason() throws Exception {
    AgentLauncher.RunningAgent agent = startAgent(2, launcher().scriptCommand(script));
    Volume volume = openVolume();
    volume.awaitAgent(Duration.ofSeconds(30));
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("sleep")).writeInput("seconds", utf8("30")).start();
      long commandPid = commandPid(volumeDir.resolve("requests").resolve(h.id()));
      agent.terminate();
      assertThatThrownBy(() -> h.await(Duration.ofSeconds(30)))
          .isInstanceOf(HandoffException.class)
          .hasMessageContaining(h.id())
          .hasMessageContaining("the agent stopped: the agent was terminated by a signal");
      assertThat(agent.awaitExit(10_000)).isTrue();
      // 128 + SIGTERM, as a JVM exits: a sidecar stopped from outside is not reported as "exited with 0"
      assertThat(agent.exitValue()).as("exit status of an agent stopped by SIGTERM").isEqualTo(143);
      awaitGone(commandPid, "the agent killed its command on the way out");
    }
  }

  @Test
  void clientGoneMidRequestMakesTheAgentCleanUpAndStop() throws Exception {
    // the default client timeout is long (120 s); a short one, passed explicitly, makes this case quick
    AgentLauncher.RunningAgent agent = startAgent(new AgentLauncher.Spec(2, false, 1500, launcher().scriptCommand(script)));
    Process client = CrashingClient.start(volumeDir, base.resolve("client.log"));
    try {
      Path requests = volumeDir.resolve("requests");
      await(() -> listOrEmpty(requests).stream().anyMatch(d -> Files.exists(d.resolve("out").resolve(".pid"))),
          30_000, "the client's request is running");
      Path reqDir = listOrEmpty(requests).get(0);
      long commandPid = commandPid(reqDir); // waits for the whole line: the file exists, empty, a moment first
      client.destroyForcibly().waitFor();
      assertThat(agent.awaitExit(10_000)).as("agent stopped after the client died").isTrue();
      awaitGone(commandPid, "the command " + commandPid + " was killed");
      assertThat(reqDir).doesNotExist();
      assertThat(volumeDir.resolve("queue")).isEmptyDirectory();
      assertThat(Marker.read(volumeDir.resolve("agent").resolve("stopped")).get("reason")).contains("client");
    } finally {
      client.destroyForcibly();
    }
  }

  @Test
  void clientPausedShorterThanTheClientTimeoutCarriesOnAndItsRequestCompletes() throws Exception {
    AgentLauncher.RunningAgent agent = startAgent(2, launcher().scriptCommand(script)); // client timeout 30 s
    Path copy = base.resolve("paused-client-result");
    Path clientLog = base.resolve("paused-client.log");
    Process client = CrashingClient.start(volumeDir, clientLog, "3", copy.toString());
    Path stopped = volumeDir.resolve("agent").resolve("stopped");
    try {
      Path requests = volumeDir.resolve("requests");
      await(() -> listOrEmpty(requests).stream().anyMatch(d -> Files.exists(d.resolve("out").resolve(".pid"))),
          30_000, "the client's request is running");
      signal(client, "STOP"); // a long GC pause, as far as the agent can tell
      try {
        long until = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < until) {
          assertThat(agent.isAlive()).as("the agent lives through the client's pause").isTrue();
          assertThat(stopped).as("the agent did not stop").doesNotExist();
          Thread.sleep(100);
        }
      } finally {
        signal(client, "CONT");
      }
      assertThat(client.waitFor(60, TimeUnit.SECONDS)).as("the resumed client finished").isTrue();
      assertThat(Files.readString(clientLog)).contains("result ok");
      assertThat(client.exitValue()).as(Files.readString(clientLog)).isZero();
      assertThat(Files.readAllBytes(copy)).isEqualTo(utf8("partial\ncomplete\n"));
      // the client closed its volume on the way out: client/closed stops the agent at once
      assertThat(agent.awaitExit(5_000)).as("agent stopped on client/closed").isTrue();
      assertThat(Marker.read(stopped).get("reason")).contains("closed");
    } finally {
      signal(client, "CONT");
      client.destroyForcibly();
    }
  }

  @Test
  void agentInfoAnnouncesTheGraceAndTheClientTimeout() throws Exception {
    startAgent(new AgentLauncher.Spec(1, false, 45_000, launcher().scriptCommand(script), 700));
    Path info = volumeDir.resolve("agent").resolve("info");
    await(() -> Files.exists(info), 30_000, "agent/info");
    Marker m = Marker.read(info);
    assertThat(m.get("grace_ms")).isEqualTo("700");
    assertThat(m.get("client_timeout_ms")).isEqualTo("45000");
  }

  /**
   * A command that ignores SIGTERM goes on writing until the agent's grace ends in SIGKILL. The
   * client's cancel (on timeout) must wait for that before the request directory is deleted: when
   * await returns the command is dead, and none of its writes ever found the directory gone.
   */
  @Test
  void cancelWaitsOutTheAgentsGraceBeforeDeletingTheRequestDirectory() throws Exception {
    startAgent(new AgentLauncher.Spec(2, false, CLIENT_TIMEOUT_MILLIS, launcher().scriptCommand(script), 3_000));
    Volume volume = openVolume();
    volume.awaitAgent(Duration.ofSeconds(30));
    Path witness = base.resolve("stubborn-witness.log");
    Path reqDir;
    long commandPid;
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("stubborn")).writeInput("witness", utf8(witness.toString())).start();
      reqDir = volumeDir.resolve("requests").resolve(h.id());
      commandPid = commandPid(reqDir);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> h.await(Duration.ofMillis(300)))
          .isInstanceOf(HandoffException.class).hasMessageContaining("timed out after 300 ms");
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(millis).as("bounded by the grace + 1 s").isLessThan(300 + 3_000 + 1_000 + 2_000);
      await(() -> !running(commandPid), 300, "the command is dead when the cancelled await returns");
      assertThat(reqDir).as("not deleted before the agent confirmed").exists();
    }
    assertThat(reqDir).doesNotExist();
    Thread.sleep(300);
    assertThat(witness).as("no write of the command found its request directory deleted").doesNotExist();
    assertThat(volumeDir.resolve("done")).isEmptyDirectory();
  }

  /** Alive and not a zombie (an orphan killed by SIGKILL may wait a while for its reaper). */
  private static boolean running(long pid) {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return true; // no /proc (or the container's view of it): trust ProcessHandle
    }
  }

  private static void signal(Process p, String signal) throws IOException, InterruptedException {
    if (p.isAlive()) {
      new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
  }

  @Test
  void timeoutCancelsKillsTheCommandAndCleansUp() throws Exception {
    Volume volume = agentAndVolume(2);
    Path reqDir;
    long commandPid;
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("sleep")).writeInput("seconds", utf8("30")).start();
      reqDir = volumeDir.resolve("requests").resolve(h.id());
      commandPid = commandPid(reqDir);
      assertThatThrownBy(() -> h.await(Duration.ofMillis(300)))
          .isInstanceOf(HandoffException.class)
          .hasMessageContaining("timed out after 300 ms")
          .hasMessageContaining(h.id());
    }
    assertThat(reqDir).doesNotExist();
    awaitGone(commandPid, "the timed-out command was killed");
    assertThat(volumeDir.resolve("done")).isEmptyDirectory();
  }

  @Test
  void namesLeavingTheRequestDirAreRefusedByTheClient() throws IOException {
    Volume volume = agentAndVolume(1);
    try (Handoff h = volume.newHandoff("names")) {
      for (String bad : List.of("../x", "/etc/passwd", "a/../../x", "a//b", ".hidden", "")) {
        assertThatThrownBy(() -> h.writeInput(bad, utf8("x")))
            .as(bad).isInstanceOf(HandoffException.class)
            .hasMessageContaining("names").hasMessageContaining("'" + bad + "'");
      }
      assertThatThrownBy(() -> h.expectOutput("../y")).hasMessageContaining("'../y'");
      h.writeInput("mode", utf8("echo")).writeInput("data", utf8("x")).run(RUN);
      assertThatThrownBy(() -> h.readOutput("../../etc/passwd")).hasMessageContaining("'../../etc/passwd'");
    }
  }

  @Test
  void namesLeavingTheRequestDirAreRefusedByTheAgent() throws Exception {
    agentAndVolume(1);
    Path outside = Files.writeString(base.resolve("secret.txt"), "secret");
    // forged requests, written with plain file operations so the client's own checks are bypassed
    Path dir = Files.createDirectories(volumeDir.resolve("requests").resolve("evil-link").resolve("in"));
    Files.writeString(dir.resolve("mode"), "echo");
    Files.createSymbolicLink(dir.resolve("data"), outside);
    Files.writeString(volumeDir.resolve("queue").resolve("evil-link"),
        "protocol=1\nid=evil-link\ninput=4 mode\ninput=6 data\n");
    Files.createDirectories(volumeDir.resolve("requests").resolve("evil-dots").resolve("in"));
    Files.writeString(volumeDir.resolve("queue").resolve("evil-dots"),
        "protocol=1\nid=evil-dots\ninput=6 ../../../secret.txt\n");

    Marker link = awaitDone("evil-link");
    assertThat(link.get("status")).isEqualTo("rejected");
    assertThat(link.get("error")).contains("evil-link").contains("data").contains("symbolic link");
    Marker dots = awaitDone("evil-dots");
    assertThat(dots.get("status")).isEqualTo("rejected");
    assertThat(dots.get("error")).contains("evil-dots").contains("'../../../secret.txt'");
    assertThat(Files.readString(outside)).isEqualTo("secret");
  }

  @Test
  void symlinkOutputIsRefused() throws IOException {
    Volume volume = agentAndVolume(1);
    try (Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("symlink"));
      assertThatThrownBy(() -> h.run(RUN))
          .isInstanceOf(HandoffException.class)
          .hasMessageContaining("output 'link' is a symbolic link");
    }
  }

  @Test
  void duplicateRequestIdsAreRefusedAndNeverRunTwice() throws Exception {
    Volume volume = agentAndVolume(2);
    try (Handoff first = volume.newHandoff("dup")) {
      assertThatThrownBy(() -> volume.newHandoff("dup"))
          .isInstanceOf(HandoffException.class)
          .hasMessageContaining("'dup' is already in use");
      first.writeInput("mode", utf8("echo")).writeInput("data", utf8("once"));
      first.run(RUN);
      String doneBefore = Files.readString(volumeDir.resolve("done").resolve("dup"));
      // a second start marker for the same id, as a buggy or replaying client might write
      Path queued = volumeDir.resolve("queue").resolve("dup");
      Files.writeString(queued, "protocol=1\nid=dup\ninput=4 mode\ninput=4 data\n");
      await(() -> !Files.exists(queued), 10_000, "the agent dropped the duplicate start marker");
      Thread.sleep(300);
      assertThat(Files.readString(volumeDir.resolve("done").resolve("dup"))).isEqualTo(doneBefore);
      assertThat(first.log().split("echo ok on stdout", -1)).hasSize(2);
    }
  }

  @Test
  void legacyFlagRoundTrip() throws Exception {
    AgentLauncher.RunningAgent agent = launcher().start(volumeDir,
        new AgentLauncher.Spec(1, true, 1500, launcher().legacyScriptCommand(script)));
    agents.add(agent);
    try (Volume volume = Volume.openLegacy(volumeDir, VolumeOptions.defaults());
         Handoff h = volume.newHandoff()) {
      h.writeInput("mode", utf8("echo")).writeInput("data", utf8("legacy,payload\n")).expectOutput("result");
      HandoffResult r = h.run(RUN);
      assertThat(r.exitCode()).isZero();
      assertThat(new String(h.readOutput("result"), StandardCharsets.UTF_8)).isEqualTo("legacy,payload\n");
      assertThat(h.log()).contains("echo ok on stdout");
      assertThat(volumeDir.resolve("start_flag")).exists();
      assertThat(volumeDir.resolve("done_flag")).exists();
    }
    assertThat(volumeDir.resolve("close_flag")).exists();
    assertThat(agent.awaitExit(10_000)).as("legacy agent exits after close_flag").isTrue();
    assertThat(volumeDir.resolve("data")).doesNotExist();
    assertThat(volumeDir.resolve("result")).doesNotExist();
  }

  /** The pid the suite's sleeping command wrote once it started (waits for it). */
  private long commandPid(Path requestDir) throws Exception {
    Path pidFile = requestDir.resolve("out").resolve(".pid");
    // the command writes the file with a shell redirect: it can exist, still empty, for a moment
    await(() -> wholeLine(pidFile), 20_000, "the command started");
    return Long.parseLong(Files.readString(pidFile).trim());
  }

  private static boolean wholeLine(Path file) {
    try {
      return Files.readString(file).endsWith("\n");
    } catch (IOException e) {
      return false; // not there yet
    }
  }

  private static void awaitGone(long pid, String what) throws InterruptedException {
    await(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), 5_000, what);
  }

  private Marker awaitDone(String id) throws Exception {
    Path done = volumeDir.resolve("done").resolve(id);
    await(() -> Files.exists(done), 20_000, "done marker of " + id);
    return Marker.read(done);
  }

  private static List<Path> listOrEmpty(Path dir) {
    try (var s = Files.list(dir)) {
      return s.toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
