"""Sidecars scoped to a Spark Connect session, end to end: a real Connect server (a separate JVM from
the pip distribution's spark-submit, local-cluster[2,1,1024], the shaded plugin jar) and the real
Python Connect client. Each session adds its own archive holding one version of a tool; its UDF
hands rows to its own session's sidecar. One server serves every test of this module (in order).
"""
from __future__ import annotations

import glob
import os
import re
import signal
import tarfile
import time
from typing import Dict, Iterator, List

import pytest

import connect_tool
from connect_server import ConnectServer, pids_with

MAX_PER_EXECUTOR = 2


def _tool_archive(path: str, version: str) -> str:
    """A plain tar.gz environment whose bin/tool answers with its version (what venv-pack makes, minus Python)."""
    script = ("#!/bin/sh\nprintf 'tool %s %%s\\n' \"$(cat \"$SIDECAR_IN/name.txt\")\" > \"$SIDECAR_OUT/result.txt\"\n"
              % version)
    src = path + ".d"
    os.makedirs(os.path.join(src, "bin"))
    with open(os.path.join(src, "bin", "tool"), "w") as f:
        f.write(script)
    os.chmod(os.path.join(src, "bin", "tool"), 0o755)
    with tarfile.open(path, "w:gz") as t:
        t.add(os.path.join(src, "bin"), arcname="bin")
    return path


class Env:
    def __init__(self, server: ConnectServer, tmp: str, client_zip: str) -> None:
        self.server = server
        self.client_zip = client_zip
        self.v1 = _tool_archive(os.path.join(tmp, "tool-1.0.tar.gz"), "1.0")
        self.v2 = _tool_archive(os.path.join(tmp, "tool-2.0.tar.gz"), "2.0")
        self.sessions: Dict[str, object] = {}
        self._uuids: Dict[str, str] = {}

    def session(self, name: str, archive: str, command: str = "tool", fragment: str = connect_tool.FRAGMENT):
        s = self.server.session()
        connect_tool.use_environment(s, archive, self.client_zip, fragment=fragment, command=command)
        self.sessions[name] = s
        return s

    def run(self, name: str, n: int) -> List[str]:
        """Rows through the session's sidecar; remembers the session's uuid from the discovery file its tasks used."""
        rows = connect_tool.run(self.sessions[name], n=n)
        m = re.search(r"\.session-([0-9a-f-]{36})\.json$", rows[0].split("|")[2]) if rows else None
        if m:
            self._uuids.setdefault(name, m.group(1))
        return rows

    def uuid(self, name: str) -> str:
        """The session's own uuid (its tasks' ``spark-session-<uuid>`` tag, its artifacts' directory)."""
        if name not in self._uuids:
            self._uuids[name] = _uuid_by_task(self.sessions[name])
        return self._uuids[name]

    def session_files(self, uuid: str) -> List[str]:
        """The session sidecar's discovery files on every executor (cwd files) and in the run dir."""
        files = []
        for d in self.server.executor_dirs():
            files += glob.glob(os.path.join(d, ".spark-sidecar", "executor.session-%s.json" % uuid))
        files += glob.glob(os.path.join("/tmp", "spark-sidecar-%d" % os.getuid(), "*.session-%s.json" % uuid))
        return files

    def executors_with(self, uuid: str) -> List[str]:
        return sorted(os.path.basename(d) for d in self.server.executor_dirs()
                      if os.path.isfile(os.path.join(d, ".spark-sidecar", "executor.session-%s.json" % uuid)))


def _uuid_by_task(spark) -> str:
    from pyspark.sql.functions import udf
    from pyspark.sql.types import StringType

    def tag(_: int) -> str:
        import re

        from pyspark import TaskContext
        return re.search(r"spark-session-([0-9a-f-]{36})(?=,|$)", TaskContext.get().getLocalProperty("spark.job.tags")).group(1)

    return spark.range(1).select(udf(tag, StringType())("id").alias("u")).collect()[0].u


@pytest.fixture(scope="module")
def env(plugin_jar: str, py_files: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    work = str(tmp_path_factory.mktemp("connect"))
    wide = os.path.join(work, "wide-tool")
    with open(wide, "w") as f:
        f.write("#!/bin/sh\nprintf 'executor-wide %s\\n' \"$(cat \"$SIDECAR_IN/name.txt\")\" > \"$SIDECAR_OUT/result.txt\"\n")
    os.chmod(wide, 0o755)
    server = ConnectServer(plugin_jar, work, {
        # the executor-wide sidecar, for sessions that ask for none
        "spark.sidecar.runtime": "process", "spark.sidecar.command": wide, "spark.sidecar.protocol": "v1",
        "spark.sidecar.health.interval": "1s", "spark.sidecar.stopTimeout": "2s",
        "spark.sidecar.restart.backoff": "200ms",
        "spark.sidecar.session.maxPerExecutor": str(MAX_PER_EXECUTOR),
    })
    e = None
    # the Connect client marks this Python process as Connect-only (SPARK_CONNECT_MODE_ENABLED) and keeps it so
    # after its sessions stop: restored at the end, so later tests can start classic SparkContexts
    saved = {k: os.environ.get(k) for k in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE")}
    try:
        server.await_ready()
        e = Env(server, work, py_files)
        yield e
    finally:
        if e is not None:
            for s in e.sessions.values():
                try:
                    s.stop()
                except Exception:  # noqa: BLE001 - a session a test already stopped
                    pass
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.stop()


def _await(what: str, cond, timeout: float = 15.0) -> float:
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("%s: not within %d s" % (what, timeout))
        time.sleep(0.2)
    return time.monotonic() - t0


def _on_every_executor(e: Env, name: str, tries: int = 20) -> None:
    """Runs the session's jobs until its sidecar runs on every executor (Spark places tasks; bounded)."""
    for _ in range(tries):
        if name in e._uuids and len(e.executors_with(e.uuid(name))) == e.server.executors:
            return
        e.run(name, 8)
    raise AssertionError("session %s has sidecars on %s only after %d jobs" % (name, e.executors_with(e.uuid(name)), tries))


def test_two_sessions_each_reach_their_own_version_and_others_the_executor_wide_one(env: Env) -> None:
    a = env.session("a", env.v1)
    b = env.session("b", env.v2)
    got_a = env.run("a", 6)
    got_b = env.run("b", 6)
    ua, ub = env.uuid("a"), env.uuid("b")
    assert ua != ub
    assert sorted(r.split("|")[0] for r in got_a) == ["tool 1.0 %d" % i for i in range(6)], got_a
    assert sorted(r.split("|")[0] for r in got_b) == ["tool 2.0 %d" % i for i in range(6)], got_b
    # the tasks found their session's discovery file: <executor's file>.session-<uuid>.json
    assert all(r.split("|")[2].endswith(".session-%s.json" % ua) for r in got_a), got_a
    assert all(r.split("|")[2].endswith(".session-%s.json" % ub) for r in got_b), got_b
    # a session that asks for nothing gets the executor-wide sidecar
    plain = env.server.session()
    env.sessions["plain"] = plain
    plain.addArtifacts(env.client_zip, pyfile=True)
    got = connect_tool.run(plain, n=2)
    assert sorted(r.split("|")[0] for r in got) == ["executor-wide 0", "executor-wide 1"], got
    assert all(".session-" not in r.split("|")[2] for r in got), got
    # each session's sidecars are processes running its own archive's tool
    assert pids_with("%s/%s/bin/tool" % (ua, connect_tool.FRAGMENT)), "no sidecar process of session a"
    assert pids_with("%s/%s/bin/tool" % (ub, connect_tool.FRAGMENT)), "no sidecar process of session b"


def test_closing_a_session_stops_its_sidecars_on_every_executor_within_seconds(env: Env) -> None:
    _on_every_executor(env, "a")
    ua, ub = env.uuid("a"), env.uuid("b")
    assert len(pids_with(ua)) == env.server.executors, pids_with(ua)
    before_b = sorted(pids_with(ub))
    env.sessions.pop("a").stop()  # the client releases the session; the server posts the session-closed event
    took = _await("session a's sidecars gone", lambda: not pids_with(ua) and not env.session_files(ua), timeout=15)
    print("session close -> sidecars gone in %.1f s" % took)
    assert "stops the sidecar of session %s: its Spark Connect session" % ua in _executor_logs(env)
    # the other session's sidecars were not touched
    assert sorted(pids_with(ub)) == before_b
    assert sorted(r.split("|")[0] for r in env.run("b", 2)) == ["tool 2.0 0", "tool 2.0 1"]


def test_one_sessions_sidecar_crash_does_not_touch_the_others(env: Env) -> None:
    c = env.session("c", env.v1)
    env.run("c", 2)
    ub, uc = env.uuid("b"), env.uuid("c")
    victims = pids_with("%s/%s/bin/tool" % (ub, connect_tool.FRAGMENT))
    assert victims
    others = sorted(pids_with(uc))
    for p in victims:
        os.kill(p, signal.SIGKILL)
    # c keeps its very processes and answers at once
    assert sorted(r.split("|")[0] for r in connect_tool.run(c, n=4)) == ["tool 1.0 %d" % i for i in range(4)]
    assert sorted(pids_with(uc)) == others
    # b's supervisor restarts b's sidecar; b's tasks wait for it (bounded) and get answers again
    assert sorted(r.split("|")[0] for r in connect_tool.run(env.sessions["b"], n=4)) == ["tool 2.0 %d" % i
                                                                                        for i in range(4)]
    assert not set(pids_with("%s/%s/bin/tool" % (ub, connect_tool.FRAGMENT))) & set(victims)


def _failure(spark) -> str:
    with pytest.raises(Exception) as info:  # noqa: PT011 - the Connect client raises its own error types
        connect_tool.run(spark, n=1)
    return str(info.value)


def test_bad_input_fails_that_sessions_task_naming_session_key_and_value(env: Env) -> None:
    d = env.session("d", env.v1, fragment=connect_tool.FRAGMENT)
    d.conf.set("spark.sidecar.session.process.archive", "notadded")
    msg = _failure(d)
    ud = env.uuid("d")
    assert "session %s" % ud in msg and "spark.sidecar.session.process.archive=notadded" in msg, msg
    assert "toolenv" in msg, msg  # what the session did add
    e = env.session("e", env.v1, command="nosuchtool")
    msg = _failure(e)
    assert "session %s" % env.uuid("e") in msg and "spark.sidecar.session.command=nosuchtool" in msg, msg
    # too many sessions: b and c hold the MAX_PER_EXECUTOR=2 places on every executor
    _on_every_executor(env, "b")
    _on_every_executor(env, "c")
    f = env.session("f", env.v2)
    msg = _failure(f)
    assert "session %s" % env.uuid("f") in msg, msg
    assert "spark.sidecar.session.maxPerExecutor=%d" % MAX_PER_EXECUTOR in msg, msg
    # the others are untouched
    assert sorted(r.split("|")[0] for r in env.run("b", 2)) == ["tool 2.0 0", "tool 2.0 1"]
    assert sorted(r.split("|")[0] for r in connect_tool.run(env.sessions["c"], n=2)) == ["tool 1.0 0", "tool 1.0 1"]
    # a failed session holds no place: once c closes, f gets its sidecar
    uc = env.uuid("c")
    env.sessions.pop("c").stop()
    _await("session c's sidecars gone", lambda: not pids_with(uc))
    assert sorted(r.split("|")[0] for r in connect_tool.run(f, n=2)) == ["tool 2.0 0", "tool 2.0 1"]


def _executor_logs(env: Env) -> str:
    text = ""
    for d in env.server.executor_dirs():
        try:
            with open(os.path.join(d, "stderr"), "rb") as f:
                text += f.read().decode("utf-8", "replace")
        except OSError:
            pass
    return text


def test_after_an_executor_sigkill_no_session_sidecar_of_it_is_left(env: Env) -> None:
    """Last in the module: Spark replaces the killed executor; the watchdog removes its session sidecars."""
    _on_every_executor(env, "b")
    app = env.server.app_id
    [executor] = [p for p in pids_with("CoarseGrainedExecutorBackend") if p in pids_with("--executor-id 0 ")
                  and p in pids_with(app)]
    mine = pids_with("%s-0.session-" % app)  # the session sidecars' agents (their volume is named after it)
    assert mine, "no session sidecar on executor 0"
    os.kill(executor, signal.SIGKILL)
    took = _await("executor 0's session sidecars gone after its SIGKILL", lambda: not pids_with("%s-0.session-" % app),
                  timeout=20)
    print("executor SIGKILL -> its session sidecars gone in %.1f s" % took)
