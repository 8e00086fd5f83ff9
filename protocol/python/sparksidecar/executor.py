"""This executor's sidecar, from a PySpark task (``mapPartitions``, ``foreach``, UDFs, ``mapInPandas``).

::

    from sparksidecar import sidecar

    def part(rows):
        sc_ = sidecar()                                   # finds its executor's sidecar by itself
        body = urllib.request.urlopen(sc_.url(1234, "/hello")).read()
        with sc_.new_handoff() as h:                      # protocol v1 volume of the sidecar
            h.write_input("infile.csv", b"a,1\\n").expect_output("outfile.csv").run(timeout=60)

Discovery: the executor plugin (``--conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin``)
writes a small JSON document (format 1) on every state change of its sidecar, atomically, to
``<executor cwd>/.spark-sidecar/executor.json`` and ``<run dir>/<executor pid>.json`` (run dir
``$SPARK_SIDECAR_RUN_DIR`` or ``/tmp/spark-sidecar-<uid>``). :func:`sidecar` looks, in order, at
``$SPARK_SIDECAR_DISCOVERY`` (an explicit file), the run-dir file of each of its parent processes
(a Python worker is a child of ``pyspark.daemon``, a child of the executor JVM; the pid's start
time is checked, so a reused pid never matches), and the working directory's file.

The only module state is the cache of what was discovered (one :class:`ExecutorSidecar` per
discovery file), so that a reused Python worker does not reopen volumes for every task.
"""
from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Tuple, Union

from ._metering import HandoffMeter
from .errors import HandoffError
from .legacy import CLOSE_FLAG, DONE_FLAG, START_FLAG, LegacyVolume
from .volume import Handoff, Volume, VolumeOptions

__all__ = ["sidecar", "ExecutorSidecar", "SidecarInfo", "SidecarError", "find_discovery_file",
           "DISCOVERY_ENV", "RUN_DIR_ENV", "PLUGIN_CONF", "CWD_FILE"]

#: An explicit discovery file (overrides the search).
DISCOVERY_ENV = "SPARK_SIDECAR_DISCOVERY"
#: The directory of the pid-keyed discovery files (the executor and its workers share the environment).
RUN_DIR_ENV = "SPARK_SIDECAR_RUN_DIR"
#: What a user adds to get a sidecar.
PLUGIN_CONF = "--conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin"
#: The discovery file relative to the executor's working directory.
CWD_FILE = os.path.join(".spark-sidecar", "executor.json")

_WAITING_STATES = ("STARTING", "RESTARTING")
_LEGACY_FLAGS = (START_FLAG, DONE_FLAG, CLOSE_FLAG)
_MAX_ANCESTORS = 64


class SidecarError(HandoffError):
    """This executor has no usable sidecar: the plugin is not configured, the sidecar failed (the
    message carries the supervisor's reason) or did not become ready in time. A
    :class:`~sparksidecar.HandoffError`, so one ``except HandoffError`` catches every client failure."""


@dataclass(frozen=True)
class SidecarInfo:
    """One reading of a discovery file (format 1)."""

    path: str
    executor_id: str
    app_id: str
    pid: int
    runtime: str
    state: str
    reason: str
    permanent: bool
    restarts: int
    instance_id: str
    protocol: str
    volumes: Dict[str, str] = field(default_factory=dict)
    ports: Dict[int, int] = field(default_factory=dict)
    ready_timeout: float = 60.0
    agent_stale_after: float = 0.0
    updated_ms: int = 0
    handoffs_dir: str = ""

    @classmethod
    def read(cls, path: str) -> "SidecarInfo":
        """Parses ``path``; raises :class:`SidecarError` naming it when it is unreadable or malformed."""
        try:
            with open(path, "rb") as f:
                doc = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError) as e:
            raise SidecarError("cannot read the sidecar discovery file %s: %s" % (path, e)) from e
        if not isinstance(doc, dict) or doc.get("format") != 1:
            raise SidecarError("sidecar discovery file %s has an unknown format (%r)"
                               % (path, doc.get("format") if isinstance(doc, dict) else doc))
        return cls(path=path, executor_id=str(doc.get("executor_id", "?")), app_id=str(doc.get("app_id", "")),
                   pid=int(doc.get("pid", -1)), runtime=str(doc.get("runtime", "?")),
                   state=str(doc.get("state", "?")), reason=str(doc.get("reason", "")),
                   permanent=bool(doc.get("permanent", False)), restarts=int(doc.get("restarts", 0)),
                   instance_id=str(doc.get("instance_id", "")), protocol=str(doc.get("protocol", "none")),
                   volumes={str(k): str(v) for k, v in (doc.get("volumes") or {}).items()},
                   ports={int(k): int(v) for k, v in (doc.get("ports") or {}).items()},
                   ready_timeout=max(int(doc.get("ready_timeout_ms", 0)) / 1000.0, 1.0) if doc.get("ready_timeout_ms")
                   else 60.0,
                   agent_stale_after=int(doc.get("agent_stale_after_ms", 0)) / 1000.0,
                   updated_ms=int(doc.get("updated_ms", 0)), handoffs_dir=str(doc.get("handoffs_dir", "")))

    def problem(self) -> Optional[str]:
        """Why the sidecar cannot be used now (``FAILED``/``STOPPED`` with its reason), or ``None``."""
        if self.state in ("FAILED", "STOPPED"):
            return "the sidecar of executor %s is %s: %s" % (self.executor_id, self.state,
                                                             self.reason or "(no reason given)")
        return None


# ---- discovery ---------------------------------------------------------------------------------
def _run_dir() -> str:
    env = os.environ.get(RUN_DIR_ENV)
    if env:
        return env
    return os.path.join("/tmp", "spark-sidecar-%d" % os.getuid())


def _stat(pid: int) -> Optional[Tuple[int, int]]:
    """(parent pid, start time in clock ticks) of ``pid`` from /proc, or ``None``."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            raw = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()
    try:
        return int(fields[1]), int(fields[19])
    except (IndexError, ValueError):
        return None


def _ancestors() -> List[Tuple[int, int]]:
    """(pid, start ticks) of this process's parents, nearest first."""
    out: List[Tuple[int, int]] = []
    st = _stat(os.getpid())
    while st is not None and st[0] > 1 and len(out) < _MAX_ANCESTORS:
        pid = st[0]
        st = _stat(pid)
        if st is None:
            break
        out.append((pid, st[1]))
    return out


def _pid_file_matches(path: str, start_ticks: int) -> bool:
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        recorded = int(doc.get("pid_start_ticks", -1))
    except (OSError, ValueError, AttributeError):
        return False
    return recorded < 0 or recorded == start_ticks


def find_discovery_file() -> str:
    """The discovery file of this process's executor; raises :class:`SidecarError` saying where it
    looked (and which ``--conf`` to add) when there is none."""
    explicit = os.environ.get(DISCOVERY_ENV)
    if explicit:
        if not os.path.isfile(explicit):
            raise SidecarError("%s=%s names no file" % (DISCOVERY_ENV, explicit))
        return explicit
    run_dir = _run_dir()
    for pid, ticks in _ancestors():
        candidate = os.path.join(run_dir, "%d.json" % pid)
        if os.path.isfile(candidate) and _pid_file_matches(candidate, ticks):
            return candidate
    cwd_file = os.path.abspath(CWD_FILE)
    if os.path.isfile(cwd_file):
        return cwd_file
    raise SidecarError(
        "no sidecar for this Python worker: no discovery file %s and none for its parent processes in %s. "
        "sidecar() works in tasks on executors started with %s (the plugin jar on the executors, e.g. "
        "--jars spark-sidecar-plugin-<version>-shaded.jar) and spark.sidecar.image or spark.sidecar.command set"
        % (cwd_file, run_dir, PLUGIN_CONF))


# ---- the task-facing object --------------------------------------------------------------------
class ExecutorSidecar:
    """This executor's sidecar as a Python task sees it. Thread-safe. Obtained with :func:`sidecar`;
    volumes are opened lazily, shared with the executor (they are never marked closed from here)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._info = SidecarInfo.read(path)
        self._mtime = self._mtime_now()
        self._handoff_meter: Optional[HandoffMeter] = None
        self._volumes: Dict[str, Union[Volume, LegacyVolume]] = {}

    def _mtime_now(self) -> Tuple[int, int, int]:
        """What tells one version of the file from the next: the plugin replaces it by a rename (a new
        inode), and two versions may share an mtime (timestamps move in clock ticks)."""
        try:
            st = os.stat(self._path)
        except OSError:
            return (-1, -1, -1)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def path(self) -> str:
        """The discovery file in use."""
        return self._path

    def info(self) -> SidecarInfo:
        """The current reading of the discovery file (re-read when it changed; one ``stat`` otherwise)."""
        m = self._mtime_now()
        with self._lock:
            if m != self._mtime:
                if m[0] < 0:
                    raise SidecarError("the sidecar discovery file %s is gone: its executor is stopping" % self._path)
                self._info = SidecarInfo.read(self._path)
                self._mtime = m
            return self._info

    @property
    def executor_id(self) -> str:
        return self.info().executor_id

    @property
    def state(self) -> str:
        """``STARTING``, ``READY``, ``UNHEALTHY``, ``RESTARTING``, ``FAILED`` or ``STOPPED``."""
        return self.info().state

    def await_ready(self, timeout: Optional[float] = None) -> SidecarInfo:
        """Blocks while the sidecar is starting or restarting, at most ``timeout`` seconds (default:
        the plugin's readiness timeout); raises :class:`SidecarError` with the reason when it failed."""
        info = self.info()
        limit = info.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        delay = 0.01
        while True:
            problem = info.problem()
            if problem is not None:
                raise SidecarError(problem)
            if info.state not in _WAITING_STATES:
                return info
            if time.monotonic() > deadline:
                raise SidecarError("the sidecar of executor %s is still %s after %d ms: %s"
                                   % (info.executor_id, info.state, int(limit * 1000), info.reason or "(no reason yet)"))
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
            info = self.info()

    def endpoint(self, port: int) -> Tuple[str, int]:
        """``("127.0.0.1", host port)`` reaching the sidecar's ``port``; raises when it is not published
        (``spark.sidecar.ports``) or the sidecar is not running."""
        info = self.await_ready()
        if port not in info.ports:
            raise SidecarError("port %d of the sidecar of executor %s is not published (spark.sidecar.ports; "
                               "published: %s; state %s)" % (port, info.executor_id,
                                                             sorted(info.ports) or "none", info.state))
        return "127.0.0.1", info.ports[port]

    def url(self, port: int, path: str = "/") -> str:
        """``http://127.0.0.1:<host port><path>``."""
        host, p = self.endpoint(port)
        return "http://%s:%d%s" % (host, p, path if path.startswith("/") else "/" + path)

    def _liveness(self) -> Optional[str]:
        try:
            info = self.info()
        except SidecarError as e:
            return str(e)
        if info.state in ("RESTARTING", "FAILED", "STOPPED"):
            return "its sidecar is %s: %s" % (info.state, (info.reason or "").splitlines()[0] if info.reason else "")
        return None

    def volume(self, name: Optional[str] = None) -> Union[Volume, LegacyVolume]:
        """The hand-off volume ``name`` (default: the first of ``spark.sidecar.volumes``)."""
        info = self.await_ready()
        if info.protocol == "none" or not info.volumes:
            raise SidecarError("the sidecar of executor %s has no hand-off volumes: set spark.sidecar.protocol "
                               "to v1 (or legacy)" % info.executor_id)
        if name is None:
            name = next(iter(info.volumes))
        if name not in info.volumes:
            raise SidecarError("no volume '%s' (spark.sidecar.volumes=%s)" % (name, ",".join(info.volumes)))
        with self._lock:
            v = self._volumes.get(name)
            if v is None:
                options = VolumeOptions(mark_closed=False, group_writable=True, extra_liveness=self._liveness,
                                        meter=self._meter(info))
                if info.agent_stale_after > 0:
                    options = dataclasses.replace(options, stale_after=info.agent_stale_after)
                if info.protocol == "legacy":
                    v = LegacyVolume(info.volumes[name], VolumeOptions(group_writable=True,
                                                                       extra_liveness=self._liveness,
                                                                       meter=self._meter(info)),
                                     cycle=self._await_fresh_legacy_agent)
                else:
                    v = Volume.open(info.volumes[name], options)
                self._volumes[name] = v
        return v

    def _meter(self, info: SidecarInfo) -> Optional[HandoffMeter]:
        """This process's hand-off meter for the executor's health reports (one per discovery file),
        or ``None`` when the executor names no ``handoffs_dir`` (an older plugin). Holds the lock."""
        if self._handoff_meter is None and info.handoffs_dir and os.path.isdir(info.handoffs_dir):
            self._handoff_meter = HandoffMeter(info.handoffs_dir)
        return self._handoff_meter

    def _await_fresh_legacy_agent(self, root: str) -> None:
        """Legacy cycle (runs holding the volume's turn): a legacy container serves one hand-off and
        exits; the executor's supervisor then replaces it and clears the flags. Waits, bounded by the
        readiness timeout, until no flag of the previous hand-off is left and its replacement is
        ready (a new instance id in the discovery file)."""
        info = self.info()
        deadline = time.monotonic() + info.ready_timeout
        delay = 0.005
        spent: Optional[str] = None  # the instance that served the previous hand-off, once seen
        while True:
            left = [f for f in _LEGACY_FLAGS if os.path.lexists(os.path.join(root, f))]
            info = self.info()
            problem = info.problem()
            if problem is not None:
                raise SidecarError(problem)
            if left and spent is None:
                spent = info.instance_id
            # docker/process: the executor replaced the spent container (a new instance id, started and
            # readiness-checked); Kubernetes: the pod's legacy loop runs the image again in place
            if not left and info.state not in _WAITING_STATES and (info.instance_id != spent
                                                                   or info.runtime == "kubernetes"):
                return
            if time.monotonic() > deadline:
                raise SidecarError("the legacy sidecar of executor %s was not replaced within %d ms after its last "
                                   "hand-off (%s still in %s; state %s: %s)"
                                   % (info.executor_id, int(info.ready_timeout * 1000), ", ".join(left) or "no flag",
                                      root, info.state, info.reason or "-"))
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def new_handoff(self, volume: Optional[str] = None) -> Handoff:
        """A new hand-off on ``volume`` (default: the first); waits (bounded by the readiness timeout)
        for the protocol agent, e.g. while a restart brings it back. Use it as a context manager."""
        v = self.volume(volume)
        deadline = time.monotonic() + self.info().ready_timeout
        while True:
            try:
                v.await_agent(0.1)
                break
            except HandoffError as gone:
                problem = self.info().problem()
                if problem is not None:
                    raise SidecarError(problem) from gone
                if time.monotonic() > deadline:
                    raise SidecarError("the protocol agent of executor %s did not come back within %d s: %s"
                                       % (self.executor_id, int(self.info().ready_timeout), gone)) from gone
        return v.new_handoff()  # type: ignore[return-value]

    def stream_lines(self, lines: Iterable[str], input_name: str = "in.txt", output_name: str = "out.txt", *,
                     chunk_lines: Optional[int] = None, in_flight: Optional[int] = None,
                     timeout: Optional[float] = None, volume: Optional[str] = None) -> Iterator[str]:
        """Feeds ``lines`` through this sidecar in chunks, one hand-off each, the command of one
        chunk running while the task writes the next (as ``rdd.pipe`` overlaps them), and yields
        the output lines in order; see :func:`sparksidecar.stream.stream_lines`. Needs protocol v1."""
        from .stream import DEFAULT_CHUNK_LINES, DEFAULT_IN_FLIGHT, stream_lines
        if isinstance(self.volume(volume), LegacyVolume):
            raise SidecarError("streaming needs spark.sidecar.protocol=v1: a legacy volume serves one hand-off "
                               "at a time")
        return stream_lines(lambda: self.new_handoff(volume), lines, input_name, output_name,
                            chunk_lines=DEFAULT_CHUNK_LINES if chunk_lines is None else chunk_lines,
                            in_flight=DEFAULT_IN_FLIGHT if in_flight is None else in_flight, timeout=timeout)

    def close(self) -> None:
        """Closes the volumes this process opened (the executor's own stay open). Idempotent."""
        with self._lock:
            volumes, self._volumes = list(self._volumes.values()), {}
        for v in volumes:
            v.close()

    def __repr__(self) -> str:
        i = self._info
        return "<ExecutorSidecar executor %s %s %s %s>" % (i.executor_id, i.runtime, i.state, self._path)


_CACHE: Dict[str, ExecutorSidecar] = {}
_CACHE_LOCK = threading.Lock()


def sidecar(timeout: Optional[float] = None) -> ExecutorSidecar:
    """This executor's sidecar, found with no paths passed (see the module doc); waits while it is
    starting (at most ``timeout`` seconds, default the plugin's readiness timeout). Raises
    :class:`SidecarError` naming ``--conf spark.plugins=...`` when there is no plugin, or the
    sidecar's failure reason. In a Spark Connect session that asked for its own sidecar
    (``spark.sidecar.session.*``, see :mod:`sparksidecar.session`) it is that session's sidecar."""
    from .session import session_discovery_file

    path = find_discovery_file()
    path = session_discovery_file(path) or path
    with _CACHE_LOCK:
        s = _CACHE.get(path)
        if s is None:
            s = ExecutorSidecar(path)
            _CACHE[path] = s
    s.await_ready(timeout)
    return s
