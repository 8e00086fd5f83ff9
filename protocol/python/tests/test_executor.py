"""sidecar(): discovery of the executor's sidecar from a Python worker (no Spark needed)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict

import pytest

from sparksidecar import HandoffError, SidecarError, executor, find_discovery_file, sidecar

PYTHON_DIR = Path(__file__).resolve().parent.parent


def _ticks(pid: int) -> int:
    raw = Path("/proc/%d/stat" % pid).read_text()
    return int(raw[raw.rfind(")") + 2:].split()[19])


def _doc(**over: Any) -> Dict[str, Any]:
    d: Dict[str, Any] = {"format": 1, "app_id": "app-1", "executor_id": "3", "pid": os.getpid(),
                         "pid_start_ticks": _ticks(os.getpid()), "runtime": "docker", "state": "READY", "reason": "",
                         "permanent": False, "restarts": 0, "instance_id": "abc", "protocol": "v1",
                         "ready_timeout_ms": 2000, "agent_stale_after_ms": 0, "volumes": {}, "ports": {"1234": 32768},
                         "updated_ms": 1}
    d.update(over)
    return d


def _write(path: Path, doc: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, path)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(executor.DISCOVERY_ENV, raising=False)
    monkeypatch.setenv(executor.RUN_DIR_ENV, str(tmp_path / "run"))
    monkeypatch.chdir(tmp_path)
    executor._CACHE.clear()
    return tmp_path


def test_without_the_plugin_the_error_names_the_conf_to_add() -> None:
    with pytest.raises(SidecarError) as e:
        sidecar()
    assert "--conf spark.plugins=io.sparksidecar.plugin.SidecarPlugin" in str(e.value)
    assert isinstance(e.value, HandoffError)


def test_the_working_directory_file_is_found(isolated: Path) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json", _doc())
    s = sidecar()
    assert s.executor_id == "3"
    assert s.url(1234, "/hello") == "http://127.0.0.1:32768/hello"
    assert s.endpoint(1234) == ("127.0.0.1", 32768)


def test_a_child_process_finds_its_parents_pid_file(isolated: Path) -> None:
    # the Python worker's situation: the executor JVM (here: this test process) is an ancestor
    _write(isolated / "run" / ("%d.json" % os.getpid()), _doc(executor_id="7"))
    code = "from sparksidecar import sidecar; print(sidecar().executor_id)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/",
                         env={**os.environ, "PYTHONPATH": str(PYTHON_DIR)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "7"


def test_a_reused_pid_never_matches(isolated: Path) -> None:
    _write(isolated / "run" / ("%d.json" % os.getpid()), _doc(pid_start_ticks=_ticks(os.getpid()) + 1))
    code = "from sparksidecar import find_discovery_file; find_discovery_file()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/",
                         env={**os.environ, "PYTHONPATH": str(PYTHON_DIR)})
    assert out.returncode != 0 and "spark.plugins" in out.stderr


def test_a_failed_sidecar_raises_its_reason(isolated: Path) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json",
           _doc(state="FAILED", reason="image spark-sidecar/nope:1 not found", ports={}))
    with pytest.raises(SidecarError, match="FAILED: image spark-sidecar/nope:1 not found"):
        sidecar()


def test_an_unpublished_port_raises_naming_the_key(isolated: Path) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json", _doc())
    with pytest.raises(SidecarError, match="port 80 .*spark.sidecar.ports"):
        sidecar().url(80)


def test_no_volumes_without_a_protocol(isolated: Path) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json", _doc(protocol="none"))
    with pytest.raises(SidecarError, match="spark.sidecar.protocol"):
        sidecar().new_handoff()


def test_waits_while_restarting_and_sees_the_new_port(isolated: Path) -> None:
    path = isolated / ".spark-sidecar" / "executor.json"
    _write(path, _doc())
    s = sidecar()
    assert s.url(1234) == "http://127.0.0.1:32768/"
    time.sleep(0.01)  # a distinct mtime
    _write(path, _doc(state="RESTARTING", restarts=1, ports={}))

    def ready_later() -> None:
        time.sleep(0.3)
        _write(path, _doc(state="READY", restarts=1, ports={"1234": 40001}, updated_ms=2))
    t = threading.Thread(target=ready_later)
    t.start()
    try:
        assert sidecar().url(1234) == "http://127.0.0.1:40001/"
    finally:
        t.join()


def test_still_starting_after_the_timeout_says_so(isolated: Path) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json", _doc(state="STARTING", ports={}))
    with pytest.raises(SidecarError, match="still STARTING after 200 ms"):
        sidecar(timeout=0.2)


def test_the_explicit_file_wins(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = isolated / "elsewhere.json"
    _write(other, _doc(executor_id="9"))
    _write(isolated / ".spark-sidecar" / "executor.json", _doc())
    monkeypatch.setenv(executor.DISCOVERY_ENV, str(other))
    assert find_discovery_file() == str(other)
    assert sidecar().executor_id == "9"
