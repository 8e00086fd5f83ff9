"""sidecar() in a task of a Spark Connect session that asked for its own sidecar (no Spark needed:
the task's local properties are given to sparksidecar.session directly)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict

import pytest

from sparksidecar import SidecarError, executor, session, sidecar
from test_executor import isolated  # noqa: F401 - the same autouse isolation (discovery env, run dir, cwd, cache)

UUID = "4aaf17bf-c907-4dfe-8fde-794735586536"
TAGS = ("SparkConnect_OperationTag_User__Session_f8de043a-582d-4558-8787-1a63f6c0d294_Operation_8d4c9f07-d92f-"
        "423a-b07f-758eaf5e0389,spark-session-%s-execution-root-id-0,spark-session-%s" % (UUID, UUID))


def _props(monkeypatch: pytest.MonkeyPatch, props: Dict[str, str]) -> None:
    monkeypatch.setattr(session, "_local_property", lambda name: props.get(name))


def _write(path: Path, executor_id: str, state: str = "READY", reason: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": 1, "executor_id": executor_id, "pid": os.getpid(), "pid_start_ticks": -1,
                                "runtime": "process", "state": state, "reason": reason, "protocol": "v1",
                                "volumes": {}, "ports": {}, "scope": "session", "session": UUID}))


def test_a_session_that_asks_for_its_own_gets_it_and_others_the_executor_wide_one(isolated: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json", "0")
    _write(isolated / ".spark-sidecar" / ("executor.session-%s.json" % UUID), "0")
    _props(monkeypatch, {"spark.job.tags": TAGS, "spark.sidecar.session.command": "tool"})
    assert sidecar().path.endswith("executor.session-%s.json" % UUID)
    _props(monkeypatch, {"spark.job.tags": TAGS})  # the same session without a wish
    assert sidecar().path.endswith("executor.json")
    _props(monkeypatch, {})  # not in a session at all
    assert session.current_session() is None
    assert sidecar().path.endswith("executor.json")


def test_the_sessions_failure_is_raised_with_its_reason(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json", "0")
    _write(isolated / ".spark-sidecar" / ("executor.session-%s.json" % UUID), "0", state="FAILED",
           reason="session %s: spark.sidecar.session.process.archive=nope: the session added no archive" % UUID)
    _props(monkeypatch, {"spark.job.tags": TAGS, "spark.sidecar.session.command": "tool"})
    with pytest.raises(SidecarError) as e:
        sidecar()
    assert "spark.sidecar.session.process.archive=nope" in str(e.value) and UUID in str(e.value)


def test_a_wish_without_a_published_sidecar_names_the_session(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(isolated / ".spark-sidecar" / "executor.json", "0")
    _props(monkeypatch, {"spark.job.tags": TAGS, "spark.sidecar.session.image": "tool:2"})
    with pytest.raises(SidecarError) as e:
        sidecar()
    assert UUID in str(e.value) and "spark.sidecar.session.image=tool:2" in str(e.value)
