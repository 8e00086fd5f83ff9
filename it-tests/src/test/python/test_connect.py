"""Sidecars scoped to a Spark Connect session, end to end: a real Connect server (a separate JVM from
the pip distribution's spark-submit, local-cluster[2,1,1024], the shaded plugin jar) and the real
Python Connect client. Each session adds its own venv-pack archive, built here from PyPI, holding one
version of ``tabulate``; its UDF hands rows to its own session's sidecar, which runs that version's
console script. One server serves every test of this module (in order).
"""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import time
from typing import Dict, Iterator, List

import pytest

import connect_tool
from connect_server import ConnectServer, client_env_restored, pids_with

MAX_PER_EXECUTOR = 2
#: Two versions of one small pure-Python PyPI package with a console script.
OLD, NEW = "0.8.10", "0.9.0"


@pytest.fixture(scope="session")
def tool_envs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """version -> a venv-pack archive of a virtual environment with that tabulate from PyPI (built
    once per test run; the executors run on this host, so the archives' base interpreter exists there)."""
    d = str(tmp_path_factory.mktemp("toolenvs"))
    return {v: connect_tool.pack_environment(["tabulate==%s" % v], os.path.join(d, "tabulate-%s.tar.gz" % v))
            for v in (OLD, NEW)}


def _versions(rows: List[Dict[str, str]]) -> List[str]:
    return sorted(r["version"] for r in rows)


def _rows_ok(rows: List[Dict[str, str]], version: str, n: int) -> None:
    """Every answer is a grid table of its own row made by ``version``."""
    assert _versions(rows) == [version] * n, rows
    tables = sorted(r["table"] for r in rows)
    for i in range(n):
        assert any(t.startswith("+-") and re.search(r"^\|\s+%d\s+\|\s+1\s+\|$" % i, t, re.M) for t in tables), (i, rows)


class Env:
    def __init__(self, server: ConnectServer, envs: Dict[str, str], client_zip: str) -> None:
        self.server = server
        self.client_zip = client_zip
        self.v1 = envs[OLD]
        self.v2 = envs[NEW]
        self.sessions: Dict[str, object] = {}
        self._uuids: Dict[str, str] = {}

    def session(self, name: str, archive: str, command: str = connect_tool.COMMAND, fragment: str = connect_tool.FRAGMENT):
        s = self.server.session()
        connect_tool.use_environment(s, archive, self.client_zip, fragment=fragment, command=command)
        self.sessions[name] = s
        return s

    def run(self, name: str, n: int) -> List[Dict[str, str]]:
        """Rows through the session's sidecar; remembers the session's uuid from the discovery file its tasks used."""
        rows = connect_tool.run(self.sessions[name], n=n)
        m = re.search(r"\.session-([0-9a-f-]{36})\.json$", rows[0]["file"]) if rows else None
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

    def sidecars_of(self, uuid: str) -> List[int]:
        return self.server.session_sidecars(uuid)

    def executors_with(self, uuid: str) -> List[str]:
        return self.server.executors_with(uuid)


def _uuid_by_task(spark) -> str:
    from pyspark.sql.functions import udf
    from pyspark.sql.types import StringType

    def tag(_: int) -> str:
        import re

        from pyspark import TaskContext
        return re.search(r"spark-session-([0-9a-f-]{36})(?=,|$)", TaskContext.get().getLocalProperty("spark.job.tags")).group(1)

    return spark.range(1).select(udf(tag, StringType(), useArrow=False)("id").alias("u")).collect()[0].u


@pytest.fixture(scope="module")
def env(plugin_jar: str, py_files: str, tool_envs: Dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    work = str(tmp_path_factory.mktemp("connect"))
    wide = os.path.join(work, "wide-tool")
    with open(wide, "w") as f:  # the executor-wide tool: the same hand-off contract, no Python environment
        f.write("#!/bin/sh\necho executor-wide > out/version.txt && cp in/rows.csv out/table.txt\n")
    os.chmod(wide, 0o755)
    server = ConnectServer(plugin_jar, work, {
        # the executor-wide sidecar, for sessions that ask for none
        "spark.sidecar.runtime": "process", "spark.sidecar.command": wide, "spark.sidecar.protocol": "v1",
        "spark.sidecar.health.interval": "1s", "spark.sidecar.stopTimeout": "2s",
        "spark.sidecar.restart.backoff": "200ms",
        "spark.sidecar.session.maxPerExecutor": str(MAX_PER_EXECUTOR),
    })
    with client_env_restored():
        try:
            server.await_ready()
            yield Env(server, tool_envs, py_files)
        finally:
            server.stop()  # and every session


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _gone(pids: List[int]) -> bool:
    return not any(_alive(p) for p in pids)


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
    wide_agents = "-- %s/wide-tool" % env.server.work  # the executor-wide sidecars' agents (argv ends with the command)
    wide = sorted(pids_with(wide_agents))
    assert len(wide) == env.server.executors, wide
    a = env.session("a", env.v1)
    b = env.session("b", env.v2)
    got_a = env.run("a", 6)
    got_b = env.run("b", 6)
    ua, ub = env.uuid("a"), env.uuid("b")
    assert ua != ub
    # each session's tool is its own archive's tabulate, activated (tabulate is in no other environment here)
    _rows_ok(got_a, OLD, 6)
    _rows_ok(got_b, NEW, 6)
    # the tasks found their session's discovery file: <executor's file>.session-<uuid>.json
    assert all(r["file"].endswith(".session-%s.json" % ua) for r in got_a), got_a
    assert all(r["file"].endswith(".session-%s.json" % ub) for r in got_b), got_b
    # a session that asks for nothing gets the executor-wide sidecar, which the sessions did not touch
    plain = env.server.session()
    env.sessions["plain"] = plain
    plain.addArtifacts(env.client_zip, pyfile=True)
    got = connect_tool.run(plain, n=2)
    assert _versions(got) == ["executor-wide", "executor-wide"], got
    assert sorted(r["table"] for r in got) == ["name,length\n0,1\n", "name,length\n1,1\n"], got
    assert all(".session-" not in r["file"] for r in got), got
    assert sorted(pids_with(wide_agents)) == wide
    # each session's sidecars are processes running in its own unpacked archive
    assert env.sidecars_of(ua), "no sidecar process of session a"
    assert env.sidecars_of(ub), "no sidecar process of session b"


def test_closing_a_session_stops_its_sidecars_on_every_executor_within_seconds(env: Env) -> None:
    _on_every_executor(env, "a")
    ua, ub = env.uuid("a"), env.uuid("b")
    mine = env.sidecars_of(ua)
    assert len(mine) == env.server.executors, mine
    before_b = env.sidecars_of(ub)
    env.sessions.pop("a").stop()  # the client releases the session; the server posts the session-closed event
    took = _await("session a's sidecars gone", lambda: _gone(mine) and not env.session_files(ua), timeout=15)
    print("session close -> sidecars gone in %.1f s" % took)
    assert "stops the sidecar of session %s: its Spark Connect session" % ua in _executor_logs(env)
    # the other session's sidecars were not touched
    assert env.sidecars_of(ub) == before_b
    _rows_ok(env.run("b", 2), NEW, 2)


def test_one_sessions_sidecar_crash_does_not_touch_the_others(env: Env) -> None:
    c = env.session("c", env.v1)
    env.run("c", 2)
    ub, uc = env.uuid("b"), env.uuid("c")
    victims = env.sidecars_of(ub)
    assert victims
    others = env.sidecars_of(uc)
    for p in victims:
        os.kill(p, signal.SIGKILL)
    # c keeps its very processes and answers at once
    _rows_ok(connect_tool.run(c, n=4), OLD, 4)
    assert env.sidecars_of(uc) == others
    # b's supervisor restarts b's sidecar; b's tasks wait for it (bounded) and get answers again
    _rows_ok(connect_tool.run(env.sessions["b"], n=4), NEW, 4)
    assert not set(env.sidecars_of(ub)) & set(victims)


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
    _rows_ok(env.run("b", 2), NEW, 2)
    _rows_ok(connect_tool.run(env.sessions["c"], n=2), OLD, 2)
    # a failed session holds no place: once c closes, f gets its sidecar
    of_c = env.sidecars_of(env.uuid("c"))
    env.sessions.pop("c").stop()
    _await("session c's sidecars gone", lambda: _gone(of_c))
    _rows_ok(connect_tool.run(f, n=2), NEW, 2)
    # d and e failed and hold no place either; f's place is freed for the lifecycle tests below
    of_f = env.sidecars_of(env.uuid("f"))
    env.sessions.pop("f").stop()
    _await("session f's sidecars gone", lambda: _gone(of_f))


def test_a_session_with_a_short_idle_timeout_loses_its_idle_sidecars_and_gets_them_back(env: Env) -> None:
    """``spark.sidecar.session.idleTimeout`` set by the session itself (shorter than the server's 30 m)."""
    g = env.session("g", env.v1)
    g.conf.set("spark.sidecar.session.idleTimeout", "5s")
    _on_every_executor(env, "g")
    ug, ub = env.uuid("g"), env.uuid("b")
    mine = env.sidecars_of(ug)
    assert mine
    before_b = env.sidecars_of(ub)
    took = _await("session g's idle sidecars gone", lambda: _gone(mine) and not env.session_files(ug),
                  timeout=15)
    print("5 s idle timeout -> sidecars gone after %.1f s" % took)
    assert re.search(r"stops the sidecar of session %s: idle for \d+ s \(spark.sidecar.session.idleTimeout=5s\)" % ug,
                     _executor_logs(env))
    assert env.sidecars_of(ub) == before_b  # b (the server's 30 m) keeps its sidecars
    # the session's next task starts its sidecar again
    _rows_ok(env.run("g", 2), OLD, 2)
    again = env.sidecars_of(ug)
    assert again and not set(again) & set(mine)
    env.sessions.pop("g").stop()
    _await("session g's sidecars gone", lambda: _gone(again))


def test_a_sessions_directory_disappearing_stops_its_sidecars_on_every_executor(env: Env) -> None:
    """What Spark does when it evicts a session's state from an executor: ``<executor cwd>/<uuid>`` goes."""
    env.session("h", env.v2)
    _on_every_executor(env, "h")
    uh, ub = env.uuid("h"), env.uuid("b")
    before_b = env.sidecars_of(ub)
    mine = env.sidecars_of(uh)
    assert len(mine) == env.server.executors, mine
    dirs = [os.path.join(d, uh) for d in env.server.executor_dirs() if os.path.isdir(os.path.join(d, uh))]
    assert len(dirs) == env.server.executors, dirs
    for d in dirs:
        shutil.rmtree(d)
    took = _await("session h's sidecars gone", lambda: _gone(mine) and not env.session_files(uh), timeout=10)
    print("session directory deleted -> sidecars gone in %.1f s" % took)
    assert "stops the sidecar of session %s: the session's directory" % uh in _executor_logs(env)
    assert env.sidecars_of(ub) == before_b
    _rows_ok(env.run("b", 2), NEW, 2)


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
    """Last in the module: Spark replaces the killed executor; the watchdog removes its session sidecars
    and its warm agent JVM."""
    _on_every_executor(env, "b")
    app = env.server.app_id
    [executor] = [p for p in pids_with("CoarseGrainedExecutorBackend") if p in pids_with("--executor-id 0 ")
                  and p in pids_with(app)]
    [zero] = [d for d in env.server.executor_dirs() if os.path.basename(d) == "0"]
    mine = []  # executor 0's session sidecars, as it published them
    for f in glob.glob(os.path.join(zero, ".spark-sidecar", "executor.session-*.json")):
        with open(f) as fh:
            doc = json.load(fh)
        if doc.get("instance_id", "").startswith("pid "):
            mine.append(int(doc["instance_id"][4:]))
    assert mine and all(_alive(p) for p in mine), mine
    warm = [p for p in pids_with("AgentLauncher") if _parent(p) == executor]
    assert warm, "no warm agent JVM on executor 0"
    os.kill(executor, signal.SIGKILL)
    took = _await("executor 0's session sidecars and warm agent gone after its SIGKILL", lambda: _gone(mine + warm),
                  timeout=20)
    print("executor SIGKILL -> its session sidecars and warm agent gone in %.1f s" % took)
    assert not pids_with("%s-0.session-" % app)  # nor anything started on their volumes


def _parent(pid: int) -> int:
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1
