"""The seed programs as a user runs them on a standalone cluster: a Master and a Worker as separate
JVMs started with the pip distribution's own ``bin/spark-class``, and each seed submitted as a script
with ``bin/spark-submit --master spark://... --jars <plugin> --py-files sparksidecar.zip``. The
other PySpark tests use ``local-cluster`` (the same Master and Worker classes inside the driver's
JVM); this one shows nothing depends on that: four executors of one Worker each get their own
container, the results land in a table, and nothing of the applications is left afterwards.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from typing import Dict, Iterator, List

import pytest

from conftest import EXAMPLES, containers_of
from connect_server import SPARK_HOME, free_port, pids_with

JVM_TIMEOUT = 90


def _await_log(path: str, pattern: str, proc: subprocess.Popen, what: str) -> "re.Match[str]":
    deadline = time.monotonic() + JVM_TIMEOUT
    while True:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        m = re.search(pattern, text)
        if m:
            return m
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("%s not ready (exit %s):\n%s" % (what, proc.poll(), text[-3000:]))
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    """A Master and one Worker (4 cores, 4 GiB) on 127.0.0.1, each a JVM of its own; stopped at the end."""
    top = tmp_path_factory.mktemp("standalone")
    env = dict(os.environ, SPARK_HOME=SPARK_HOME, SPARK_SCALA_VERSION="2.13", SPARK_LOCAL_IP="127.0.0.1",
               PYSPARK_PYTHON=sys.executable)
    spark_class = os.path.join(SPARK_HOME, "bin", "spark-class")
    procs: List[subprocess.Popen] = []
    try:
        master_log = str(top / "master.log")
        with open(master_log, "wb") as log:
            procs.append(subprocess.Popen(
                [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                 "--port", str(free_port()), "--webui-port", str(free_port())],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
        url = _await_log(master_log, r"Starting Spark master at (spark://[0-9.:]+)", procs[0], "the Master").group(1)
        work = str(top / "work")
        worker_log = str(top / "worker.log")
        with open(worker_log, "wb") as log:
            procs.append(subprocess.Popen(
                [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "4",
                 "--memory", "4g", "--work-dir", work, "--webui-port", str(free_port()), url],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
        _await_log(worker_log, r"Successfully registered with master", procs[1], "the Worker")
        yield {"url": url, "work": work, "top": str(top)}
    finally:
        for p in reversed(procs):  # Worker, then Master
            _stop(p)


def _submit(standalone: Dict[str, str], plugin_jar: str, py_files: str, script: str, args: List[str],
            conf: Dict[str, str], cwd: str) -> subprocess.CompletedProcess:
    cmd = [os.path.join(SPARK_HOME, "bin", "spark-submit"), "--master", standalone["url"],
           "--jars", plugin_jar, "--py-files", py_files]
    base = {"spark.plugins": "io.sparksidecar.plugin.SidecarPlugin", "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1", "spark.ui.enabled": "false", "spark.executor.cores": "1",
            "spark.executor.memory": "512m", "spark.cores.max": "4",
            "spark.scheduler.minRegisteredResourcesRatio": "1.0",
            "spark.scheduler.maxRegisteredResourcesWaitingTime": "60s", "spark.sidecar.stopTimeout": "2s"}
    for k, v in {**base, **conf}.items():
        cmd += ["--conf", "%s=%s" % (k, v)]
    env = dict(os.environ, SPARK_HOME=SPARK_HOME, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    env.pop("SPARK_REMOTE", None)
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    return subprocess.run(cmd + [os.path.join(EXAMPLES, script)] + args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=240)


def _app_id(standalone: Dict[str, str], before: List[str]) -> str:
    apps = [a for a in os.listdir(standalone["work"]) if a not in before] if os.path.isdir(standalone["work"]) else []
    assert len(apps) == 1, apps
    return apps[0]


def test_the_parallel_seed_submitted_to_separate_master_and_worker_jvms(standalone, plugin_jar: str, py_files: str,
                                                                       images: None, tmp_path) -> None:
    import parallel

    before = os.listdir(standalone["work"]) if os.path.isdir(standalone["work"]) else []
    conf = dict(parallel.CONF)
    conf["spark.sql.warehouse.dir"] = str(tmp_path / "warehouse")
    r = _submit(standalone, plugin_jar, py_files, "parallel.py", [], conf, str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    rows = re.findall(r"Row\(fruit='(\w+)', count=(\d+), executor='(\w+)', container='([0-9a-f]+)'\)", r.stdout)
    assert sorted((f, int(c)) for f, c, _, _ in rows) == [("apple", 1), ("banana", 2), ("cherry", 3), ("date", 4)], \
        r.stdout[-3000:] + r.stderr[-3000:]
    assert len({e for _, _, e, _ in rows}) == 4, rows    # four executor JVMs of the one Worker...
    assert len({c for _, _, _, c in rows}) == 4, rows    # ...each with its own container
    assert os.path.isdir(tmp_path / "warehouse" / "sidecar_parallel")
    app = _app_id(standalone, before)
    assert len(os.listdir(os.path.join(standalone["work"], app))) == 4  # the Worker ran four executors
    deadline = time.monotonic() + 30
    while (containers_of(app) or pids_with(app)) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert containers_of(app) == [] and pids_with(app) == [], "left of %s: %s %s" % (app, containers_of(app),
                                                                                     pids_with(app))
    shutil.rmtree(os.path.join(standalone["work"], app), ignore_errors=True)


def test_the_word_count_seed_submitted_equals_sparks_own_count(standalone, plugin_jar: str, py_files: str,
                                                               images: None, tmp_path) -> None:
    import word_count

    fruits = ["apple", "banana", "Unknown", "cherry", "apple", "Unknown", "date", "apple"]
    src = tmp_path / "fruits.txt"
    src.write_text("".join(fruits[i % len(fruits)] + "\n" for i in range(20_000)))
    expected = {}
    for i in range(20_000):
        f = fruits[i % len(fruits)]
        if f != "Unknown":
            expected[f] = expected.get(f, 0) + 1
    before = os.listdir(standalone["work"]) if os.path.isdir(standalone["work"]) else []
    out = tmp_path / "counts"
    r = _submit(standalone, plugin_jar, py_files, "word_count.py", [str(src), str(out)], word_count.CONF,
                str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "sidecar count equals Spark's: True" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    got = {}
    for part in sorted(out.glob("part-*")):
        for line in part.read_text().splitlines():
            fruit, n = line.split("\t")
            got[fruit] = int(n)
    assert got == expected
    app = _app_id(standalone, before)
    deadline = time.monotonic() + 30
    while (containers_of(app) or pids_with(app)) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert containers_of(app) == [] and pids_with(app) == []
    shutil.rmtree(os.path.join(standalone["work"], app), ignore_errors=True)
