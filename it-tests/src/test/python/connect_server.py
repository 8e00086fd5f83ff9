"""A real Spark Connect server for the tests and the benchmark: a separate JVM started with the pip
distribution's ``bin/spark-submit --class org.apache.spark.sql.connect.service.SparkConnectServer``
on ``local-cluster[N,1,1024]`` (a Master, N Workers and N executor JVMs), with the shaded plugin jar
(``--jars``) and ``spark.plugins``. The distribution's ``jars/`` has spark-connect and spark-mllib
(closing a session needs the latter).
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from typing import Dict, Iterator, List, Optional

import pyspark

SPARK_HOME = os.path.dirname(os.path.abspath(pyspark.__file__))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pids_with(needle: str) -> List[int]:
    """Processes whose command line contains ``needle`` (this machine's /proc)."""
    out = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(os.path.join(d, "cmdline"), "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if needle in cmd:
            out.append(int(os.path.basename(d)))
    return [p for p in out if p != os.getpid()]


def pids_running_in(top: str) -> List[int]:
    """Processes whose working directory is ``top`` or below it (e.g. an application's executor
    directories: the process sidecars and warm agent JVMs run there, whatever their command line)."""
    out = []
    top = os.path.realpath(top)
    for d in glob.glob("/proc/[0-9]*"):
        try:
            cwd = os.readlink(os.path.join(d, "cwd"))
        except OSError:
            continue
        if cwd == top or cwd.startswith(top + os.sep):
            out.append(int(os.path.basename(d)))
    return [p for p in out if p != os.getpid()]


@contextlib.contextmanager
def client_env_restored(*extra: str) -> Iterator[None]:
    """Restores, at the end, what the Connect client changes in this process's environment: it marks
    the process Connect-only (``SPARK_CONNECT_MODE_ENABLED``, ``SPARK_REMOTE``) and keeps it so after
    its sessions stop, which would stop later tests from starting classic SparkContexts; also the
    ``extra`` names the caller sets."""
    saved = {k: os.environ.get(k) for k in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE") + extra}
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class ConnectServer:
    """One Connect server; :meth:`stop` stops the sessions made by :meth:`session`, the server and
    everything it started (bounded), and removes its executors' work directory."""

    def __init__(self, plugin_jar: str, work: str, conf: Dict[str, str], executors: int = 2) -> None:
        self.work = work
        self.executors = executors
        self.port = free_port()
        self.log_path = os.path.join(work, "connect-server.log")
        self.app_id: Optional[str] = None
        self._sessions: List[object] = []
        args = [os.path.join(SPARK_HOME, "bin", "spark-submit"),
                "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
                "--master", "local-cluster[%d,1,1024]" % executors, "--jars", plugin_jar]
        base = {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.executor.memory": "512m",
            "spark.plugins": "io.sparksidecar.plugin.SidecarPlugin",
            "spark.sql.warehouse.dir": os.path.join(work, "warehouse"),
        }
        for k, v in {**base, **conf}.items():
            args += ["--conf", "%s=%s" % (k, v)]
        env = dict(os.environ, SPARK_HOME=SPARK_HOME, SPARK_SCALA_VERSION="2.13")
        env.setdefault("PYSPARK_PYTHON", "python3")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, cwd=work, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def log(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def await_ready(self, timeout: float = 120) -> "ConnectServer":
        """Until the server listens and every executor's (executor-wide) sidecar is READY."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log()
            ready = {m for m in re.findall(r"executor (\d+) sidecar READY", text)}
            m = re.search(r"Connected to Spark cluster with app ID (app-[0-9-]+)", text) or re.search(
                r"(app-\d{14}-\d{4})", text)
            if m:
                self.app_id = m.group(1)
            if "Spark Connect server started" in text and len(ready) >= self.executors and self.app_id:
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("the Connect server exited with %s:\n%s" % (self.proc.returncode, text[-4000:]))
            if time.monotonic() > deadline:
                raise TimeoutError("the Connect server was not ready (listening, %d sidecars READY) in %d s:\n%s"
                                   % (self.executors, timeout, text[-4000:]))
            time.sleep(0.3)

    @property
    def url(self) -> str:
        return "sc://localhost:%d" % self.port

    def session(self):
        """A new Connect session of the real Python client."""
        from pyspark.sql import SparkSession

        s = SparkSession.builder.remote(self.url).create()
        self._sessions.append(s)
        return s

    def session_file(self, executor_dir: str, uuid: str) -> str:
        """Where an executor publishes a session's sidecar (its discovery file)."""
        return os.path.join(executor_dir, ".spark-sidecar", "executor.session-%s.json" % uuid)

    def session_sidecars(self, uuid: str) -> List[int]:
        """The session's sidecar processes now (its protocol agents, one per executor), as the executors
        publish them (the discovery files' ``instance_id``: a warm agent's command line does not name
        the session); only live ones."""
        pids = set()
        for d in self.executor_dirs():
            try:
                with open(self.session_file(d, uuid)) as f:
                    doc = json.load(f)
            except (OSError, ValueError):
                continue
            if doc.get("instance_id", "").startswith("pid ") and os.path.exists("/proc/%s" % doc["instance_id"][4:]):
                pids.add(int(doc["instance_id"][4:]))
        return sorted(pids)

    def executors_with(self, uuid: str) -> List[str]:
        """The executors (ids) that publish a sidecar of the session."""
        return sorted(os.path.basename(d) for d in self.executor_dirs() if os.path.isfile(self.session_file(d, uuid)))

    def executor_dirs(self) -> List[str]:
        """The executors' working directories (``<SPARK_HOME>/work/<app id>/<executor id>``)."""
        return sorted(glob.glob(os.path.join(SPARK_HOME, "work", self.app_id or "none", "*")))

    def stop(self, timeout: float = 60) -> None:
        for session in self._sessions:
            try:
                session.stop()
            except Exception:  # noqa: BLE001 - a session a test stopped already
                pass
        self._sessions = []
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()
        if self.app_id:
            deadline = time.monotonic() + 30
            work = os.path.join(SPARK_HOME, "work", self.app_id)

            def left_behind() -> List[int]:
                return sorted(set(pids_with(self.app_id)) | set(pids_running_in(work)))

            while left_behind() and time.monotonic() < deadline:
                time.sleep(0.3)
            left = left_behind()
            if os.environ.get("SIDECAR_KEEP_WORK"):  # debugging: keep the executors' logs and files
                shutil.copytree(os.path.join(SPARK_HOME, "work", self.app_id), os.path.join(self.work, "executors"))
                print("executors' work directory kept in %s" % os.path.join(self.work, "executors"))
            shutil.rmtree(os.path.join(SPARK_HOME, "work", self.app_id), ignore_errors=True)
            if left:
                raise AssertionError("processes of %s left 30 s after the server stopped: %s" % (self.app_id, left))
