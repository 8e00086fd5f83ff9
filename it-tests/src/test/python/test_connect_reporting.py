"""Session sidecars as the driver sees them, end to end: a real Spark Connect server (a separate JVM from
the pip distribution's spark-submit, local-cluster[2,1,1024], the shaded plugin jar, its live UI with the
Sidecars tab and Spark's own PrometheusServlet) and the real Python Connect client. Two sessions with
their own sidecars are seen per executor and session in the tab's JSON and in a Prometheus scrape; a
crash of one session's sidecars shows as restarts of that session only; a Java UDF registered by class
name from the Python client reaches the session's own sidecar; a closed session's sidecars leave; the
status report at the end lists them. One server serves every test of this module (in order).
"""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from typing import Callable, Dict, Iterator, List, Optional

import pytest

import connect_tool
from connect_server import SPARK_HOME, ConnectServer, client_env_restored, free_port

# the probe UDF below goes to the executors by value: this test module is not on their path
from pyspark import cloudpickle  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])


def probe_tool(name: str) -> str:
    """Inside a task: hands ``name`` to this session's sidecar (its archive's ``tool``); returns
    ``<tool's answer>|<executor id>|<discovery file used>``."""
    import os

    from sparksidecar import sidecar

    sc_ = sidecar()
    with sc_.new_handoff() as h:
        h.write_input("name.txt", name.encode()).expect_output("result.txt")
        h.run(timeout=60)
        answer = h.read_output("result.txt").decode().strip()
    return "%s|%s|%s" % (answer, sc_.executor_id, os.path.basename(sc_.path))


def run_probe(spark, n: int) -> List[str]:
    """One row per partition through the session's sidecar (a Python UDF: one Python hand-off per row)."""
    from pyspark.sql.functions import col, udf
    from pyspark.sql.types import StringType

    tool = udf(probe_tool, StringType(), useArrow=False)
    return [r.out for r in spark.range(0, n, 1, n).select(tool(col("id").cast("string")).alias("out")).collect()]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
UDF_SOURCE = os.path.join(ROOT, "it-tests", "src", "test", "java", "io", "sparksidecar", "it", "connect",
                          "SessionToolUdf.java")
UDF_CLASS = "io.sparksidecar.it.connect.SessionToolUdf"
#: A driver plugin gauge in Spark's Prometheus text (the app id in its name has its dashes made underscores).
GAUGE = r"^metrics_\S*_driver_plugin_io_sparksidecar_plugin_SidecarPlugin_%s_Value\{type=\"gauges\"\} (\S+)$"


def _tool_archive(path: str, version: str) -> str:
    """A tar.gz environment whose bin/tool answers ``tool <version> <name>`` (what venv-pack makes, minus Python)."""
    src = path + ".d"
    os.makedirs(os.path.join(src, "bin"))
    with open(os.path.join(src, "bin", "tool"), "w") as f:
        f.write("#!/bin/sh\nprintf 'tool %s %%s\\n' \"$(cat \"$SIDECAR_IN/name.txt\")\" > \"$SIDECAR_OUT/result.txt\"\n"
                % version)
    os.chmod(os.path.join(src, "bin", "tool"), 0o755)
    with tarfile.open(path, "w:gz") as t:
        t.add(os.path.join(src, "bin"), arcname="bin")
    return path


def _udf_jar(work: str, plugin_jar: str) -> str:
    """The Java UDF compiled against this Spark and the plugin jar, in a jar for the server's --jars."""
    classes = os.path.join(work, "udf-classes")
    os.makedirs(classes)
    cp = os.path.join(SPARK_HOME, "jars", "*") + os.pathsep + plugin_jar
    for cmd in (["javac", "--release", "17", "-cp", cp, "-d", classes, UDF_SOURCE],
                ["jar", "cf", os.path.join(work, "session-tool-udf.jar"), "-C", classes, "."]):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, "%s failed:\n%s%s" % (" ".join(cmd[:2]), r.stdout, r.stderr)
    return os.path.join(work, "session-tool-udf.jar")


def _chromium(*args: str) -> str:
    """Headless Chromium (Debian's package; .ci/test installs it) with a throw-away profile: its stdout."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "no chromium on PATH: apt-get install chromium (the test command installs it)"
    profile = tempfile.mkdtemp(prefix="sidecar-chromium-")
    try:
        r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                            "--disable-extensions", "--user-data-dir=" + profile, *args],
                           capture_output=True, text=True, timeout=90)
        assert r.returncode == 0, "chromium %s failed (%d):\n%s" % (" ".join(args), r.returncode, r.stderr[-2000:])
        return r.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200, url
        return r.read().decode("utf-8")


class Env:
    def __init__(self, server: ConnectServer, work: str, client_zip: str) -> None:
        self.server = server
        self.client_zip = client_zip
        self.v1 = _tool_archive(os.path.join(work, "tool-1.0.tar.gz"), "1.0")
        self.v2 = _tool_archive(os.path.join(work, "tool-2.0.tar.gz"), "2.0")
        self.sessions: Dict[str, object] = {}
        self.uuids: Dict[str, str] = {}
        self.python_handoffs: Dict[str, int] = {}  # per session: the Python hand-offs its tasks completed
        m = re.search(r"the Sidecars tab is at (\S+)/sidecars/", server.log())
        assert m, "no Sidecars tab in the server's log:\n%s" % server.log()[-3000:]
        self.ui = m.group(1)

    def session(self, name: str, archive: str):
        s = self.server.session()
        connect_tool.use_environment(s, archive, self.client_zip, command="tool")
        self.sessions[name] = s
        return s

    def run(self, name: str, n: int) -> List[str]:
        rows = run_probe(self.sessions[name], n)
        self.python_handoffs[name] = self.python_handoffs.get(name, 0) + len(rows)
        m = re.search(r"\.session-([0-9a-f-]{36})\.json$", rows[0].split("|")[2])
        assert m, rows
        self.uuids.setdefault(name, m.group(1))
        return rows

    def on_every_executor(self, name: str, tries: int = 20) -> None:
        """Runs the session's jobs until its sidecar runs on every executor (Spark places tasks; bounded)."""
        for _ in range(tries):
            self.run(name, 8)
            if len(self.executors_with(self.uuids[name])) == self.server.executors:
                return
        raise AssertionError("session %s has sidecars on %s only" % (name, self.executors_with(self.uuids[name])))

    def sidecars_of(self, uuid: str) -> List[int]:
        return self.server.session_sidecars(uuid)

    def executors_with(self, uuid: str) -> List[str]:
        return self.server.executors_with(uuid)

    def sessions_json(self, session: str = "") -> dict:
        return json.loads(_get(self.ui + "/sidecars/json/sessions/" + ("?session=" + session if session else "")))

    def rows(self, name: str, state: Optional[str] = None) -> List[dict]:
        """The driver's rows of the session's sidecars (one per executor; stopped ones too), optionally in ``state``."""
        return [r for r in self.sessions_json(self.uuids[name])["sessions"] if state is None or r["state"] == state]

    def gauge(self, name: str) -> float:
        scrape = _get(self.ui + "/metrics/prometheus/")
        m = re.search(GAUGE % re.escape(name), scrape, re.M)
        assert m, "gauge %s not in the scrape:\n%s" % (name, scrape)
        return float(m.group(1))


def _await(what: str, cond: Callable[[], object], timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = cond()
            if last:
                return last
        except AssertionError as e:
            last = e
        if time.monotonic() > deadline:
            raise AssertionError("%s: not within %d s (last: %s)" % (what, timeout, last))
        time.sleep(0.25)


@pytest.fixture(scope="module")
def env(plugin_jar: str, py_files: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    work = str(tmp_path_factory.mktemp("connect-reporting"))
    udf_jar = _udf_jar(work, plugin_jar)
    wide = os.path.join(work, "wide-tool")
    with open(wide, "w") as f:
        f.write("#!/bin/sh\nprintf 'executor-wide %s\\n' \"$(cat \"$SIDECAR_IN/name.txt\")\" > \"$SIDECAR_OUT/result.txt\"\n")
    os.chmod(wide, 0o755)
    with client_env_restored("SPARK_LOCAL_IP"):
        os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the driver UI listens on loopback only
        server = ConnectServer(plugin_jar + "," + udf_jar, work, {
            "spark.sidecar.runtime": "process", "spark.sidecar.command": wide, "spark.sidecar.protocol": "v1",
            # the default heartbeat: session sidecars' changes reach the driver at once all the same
            "spark.sidecar.health.interval": "5s", "spark.sidecar.stopTimeout": "2s",
            "spark.sidecar.restart.backoff": "200ms",
            "spark.ui.enabled": "true", "spark.ui.port": str(free_port()), "spark.ui.showConsoleProgress": "false",
            "spark.metrics.conf.*.sink.prometheusServlet.class": "org.apache.spark.metrics.sink.PrometheusServlet",
            "spark.metrics.conf.*.sink.prometheusServlet.path": "/metrics/prometheus",
        })
        try:
            server.await_ready()
            yield Env(server, work, py_files)
        finally:
            server.stop()  # and every session


def test_two_sessions_sidecars_show_per_executor_and_session_in_the_json_the_tab_and_prometheus(env: Env) -> None:
    a = env.session("a", env.v1)
    env.session("b", env.v2)
    env.on_every_executor("a")
    env.on_every_executor("b")
    ua, ub = env.uuids["a"], env.uuids["b"]
    executors = sorted(str(i) for i in range(env.server.executors))
    for name in ("a", "b"):
        got = _await("session %s READY on every executor in the driver's JSON" % name,
                     lambda: sorted(r["executorId"] for r in env.rows(name, "READY")) == executors and env.rows(name))
        assert all(r["runtime"] == "process" and r["restarts"] == 0 for r in got), got
        assert len({r["connectSession"] for r in got}) == 1 and got[0]["connectSession"], got
    assert env.rows("a")[0]["connectSession"] == a.session_id  # the id Connect's session-closed event names
    summary = env.sessions_json()["summary"]
    assert summary["live"] == 4 and summary["sessions"] == 2 and summary["executors"] == 2, summary
    assert _await("sessions_ready == 4 in a scrape", lambda: env.gauge("sessions_ready") == 4)
    assert env.gauge("sessions_failed") == 0 and env.gauge("sessions_restarts") == 0
    # the tab: a Sessions column in the executors' list, and each executor's page lists both sessions
    tab = _get(env.ui + "/sidecars/")
    assert 'id="sidecars-sessions" data-live="4"' in tab, tab
    assert tab.count('data-sessions="2"') == 2, tab
    detail = _get(env.ui + "/sidecars/executor/?id=0")
    for u in (ua, ub):
        assert re.search(r'<tr class="session" data-executor="0" data-session="%s" data-state="READY"' % u, detail), detail
    # a real browser renders the session sidecars' page inside Spark's own UI: one row per executor and session
    dom = _chromium("--dump-dom", env.ui + "/sidecars/sessions/")
    assert re.search(r'<li class="nav-item active">\s*<a class="nav-link" href="[^"]*/sidecars/">Sidecars</a>', dom), dom
    shown = sorted(m.group(1, 2, 3) for m in re.finditer(
        r'<tr class="session" data-executor="(\d+)" data-session="([0-9a-f-]{36})" data-state="([A-Z]+)"', dom))
    assert shown == sorted((e, u, "READY") for e in executors for u in (ua, ub)), shown


def test_a_crashed_session_sidecar_shows_its_restart_and_the_other_session_none(env: Env) -> None:
    ua = env.uuids["a"]
    victims = env.sidecars_of(ua)  # a's sidecars, one per executor
    assert len(victims) == env.server.executors, victims
    for p in victims:
        os.kill(p, signal.SIGKILL)

    def restarted() -> List[dict]:
        rows = env.rows("a")
        ok = len(rows) == env.server.executors and all(r["restarts"] == 1 and r["state"] == "READY" for r in rows)
        return rows if ok else []

    rows = _await("session a's sidecars restarted once each, READY again, in the driver's JSON", restarted)
    for r in rows:
        print("session a's sidecar on executor %s: last failure %r" % (r["executorId"], r["lastFailure"]))
        assert "killed by signal 9 (exit 137)" in r["lastFailure"] and r["lastFailureMillis"] > 0, r
    assert all(r["restarts"] == 0 for r in env.rows("b")), env.rows("b")
    assert _await("sessions_restarts == 2 in a scrape", lambda: env.gauge("sessions_restarts") == 2)
    assert env.gauge("sessions_ready") == 4
    # and the session works again (its tasks wait for the restarted sidecar)
    assert sorted(r.split("|")[0] for r in env.run("a", 2)) == ["tool 1.0 0", "tool 1.0 1"]


def test_a_java_udf_registered_by_class_name_reaches_the_sessions_own_sidecar(env: Env) -> None:
    """``registerJavaFunction`` from the Python Connect client, the class on the server's --jars: the
    UDF's ``Sidecars.get()`` on the executors is the session's own sidecar."""
    query = "SELECT session_tool(CAST(id AS STRING)) AS out FROM range(0, 4, 1, 4)"
    answers = {}
    for name in ("a", "b"):
        s = env.sessions[name]
        s.udf.registerJavaFunction("session_tool", UDF_CLASS, "string")
        answers[name] = [r.out for r in s.sql(query).collect()]
    short = {name: env.uuids[name][:8] for name in ("a", "b")}
    assert sorted(r.split("|")[0] for r in answers["a"]) == ["tool 1.0 %d" % i for i in range(4)], answers
    assert sorted(r.split("|")[0] for r in answers["b"]) == ["tool 2.0 %d" % i for i in range(4)], answers
    for name in ("a", "b"):
        assert all(re.fullmatch(r"\d+\.session-%s" % short[name], r.split("|")[1]) for r in answers[name]), answers
    # a session that asks for no sidecar gets the executor-wide one from the same Java UDF
    plain = env.server.session()
    env.sessions["plain"] = plain
    plain.udf.registerJavaFunction("session_tool", UDF_CLASS, "string")
    got = [r.out for r in plain.sql(query).collect()]
    assert sorted(r.split("|")[0] for r in got) == ["executor-wide %d" % i for i in range(4)], got
    assert all(re.fullmatch(r"\d+", r.split("|")[1]) for r in got), got
    # every hand-off is counted per session on the driver: the Java UDF's 4 and those of the earlier
    # tests' Python UDFs (the Python client's meter files, summed by the executor into its reports)
    py = {name: env.python_handoffs[name] for name in ("a", "b")}
    assert py["a"] > 0 and py["b"] > 0, py
    for name in ("a", "b"):
        _await("session %s's 4 Java + %d Python hand-offs in the driver's JSON" % (name, py[name]),
               lambda: sum(r["handoffs"]["done"] for r in env.rows(name, "READY")) == 4 + py[name])
    both = 8 + py["a"] + py["b"]
    assert _await("sessions_handoffs_count == %d" % both, lambda: env.gauge("sessions_handoffs_count") == both)
    # the application's: the sessions' and the executor-wide one's (reported with its next heartbeat)
    assert _await("handoffs_count == %d" % (both + 4), lambda: env.gauge("handoffs_count") == both + 4)


def test_a_closed_sessions_sidecars_leave_the_driver_and_the_others_stay(env: Env) -> None:
    ub = env.uuids["b"]
    connect_id = env.sessions["b"].session_id
    b_sidecars = env.sidecars_of(ub)
    assert len(b_sidecars) == env.server.executors, b_sidecars
    env.sessions.pop("b").stop()  # the client releases the session; the server posts the session-closed event
    took = time.monotonic()
    rows = _await("session b's sidecars STOPPED in the driver's JSON",
                  lambda: (lambda rs: rs if len(rs) == env.server.executors
                           and all(r["state"] == "STOPPED" for r in rs) else [])(env.rows("b")))
    print("session close -> its sidecars STOPPED on the driver in %.1f s" % (time.monotonic() - took))
    assert all(r["reason"] == "stopped: its Spark Connect session %s closed" % connect_id for r in rows), rows
    assert _await("sessions_ready == 2 in a scrape", lambda: env.gauge("sessions_ready") == 2)
    summary = env.sessions_json()["summary"]
    assert summary["live"] == 2 and summary["sessions"] == 1 and summary["stopped"] == 2, summary
    assert env.gauge("sessions_restarts") == 2, "restarts of sessions gone still count"
    assert all(r["state"] == "READY" for r in env.rows("a")) and len(env.rows("a")) == env.server.executors
    # the executor takes a sidecar out of its report when it begins to stop it (SIGTERM, then SIGKILL after stopTimeout)
    _await("session b's sidecar processes gone", lambda: not any(os.path.exists("/proc/%d" % p) for p in b_sidecars),
           timeout=15)
    detail = _get(env.ui + "/sidecars/executor/?id=1")
    assert re.search(r'data-session="%s" data-state="STOPPED"' % ub, detail), detail
    # a screenshot of the page now: a's sidecars restarted once and did hand-offs, b's stopped with the reason
    png = os.path.join(ROOT, "it-tests", "target", "sidecars-sessions-spark-4.1.1.png")
    os.makedirs(os.path.dirname(png), exist_ok=True)
    _chromium("--hide-scrollbars", "--window-size=1500,720", "--screenshot=" + png, env.ui + "/sidecars/sessions/")
    assert os.path.getsize(png) > 20_000, "a screenshot of the page, not of nothing"
    print("screenshot of the session sidecars page: %s" % png)


def test_the_status_report_at_the_end_lists_the_session_sidecars(env: Env) -> None:
    """Last: the server stops; the driver's status table in its log has the session sidecars' section."""
    ua, ub = env.uuids["a"], env.uuids["b"]
    for s in env.sessions.values():
        try:
            s.stop()
        except Exception:  # noqa: BLE001 - already stopped
            pass
    env.sessions.clear()
    env.server.stop()
    log = env.server.log()
    table = log[log.index("sidecar status at application end"):]
    assert "session sidecars (Spark Connect):" in table, table[:4000]
    assert re.search(r"\n\S+ +%s +process +STOPPED +0 " % ub, table), table[:4000]
    assert ua in table, table[:4000]
