"""The sidecar of the current task's Spark Connect session, when the session asked for one.

A Connect session asks for its own sidecar with session configuration::

    spark.addArtifacts("tool-env.tar.gz#toolenv", archive=True)
    spark.conf.set("spark.sidecar.session.process.archive", "toolenv")
    spark.conf.set("spark.sidecar.session.command", "tool")
    spark.conf.set("spark.sidecar.session.protocol", "v1")

Spark hands the session's confs to its tasks as local properties, and tags its tasks with
``spark-session-<uuid>`` (``spark.job.tags``). The executor plugin starts the session's sidecar at
the session's first task on that executor and publishes it in a discovery file next to the
executor's own (``<executor file without .json>.session-<uuid>.json``, same format 1, with
``"scope": "session"``). :func:`sidecar` of :mod:`sparksidecar.executor` calls
:func:`session_discovery_file` first, so the same code reaches the session's sidecar in such a
session and the executor-wide one everywhere else.
"""
from __future__ import annotations

import os
import re
from typing import Dict, Optional, Tuple

__all__ = ["current_session", "session_discovery_file", "SESSION_PREFIX", "JOB_TAGS"]

#: The local property carrying a task's job tags (Spark 4.x).
JOB_TAGS = "spark.job.tags"
#: The prefix of the session keys (``spark.conf.set`` in a Connect session).
SESSION_PREFIX = "spark.sidecar.session."

_SESSION_TAG = re.compile(r"(?:^|,)spark-session-([0-9a-fA-F-]{36})(?=,|$)")


def _local_property(name: str) -> Optional[str]:
    try:
        from pyspark import TaskContext  # present wherever a PySpark task runs
    except ImportError:
        return None
    tc = TaskContext.get()
    if tc is None:
        return None
    return tc.getLocalProperty(name)


def current_session() -> Optional[Tuple[str, Dict[str, str]]]:
    """``(session uuid, {what the session asked for})`` when the current task belongs to a session
    that set ``spark.sidecar.session.command`` or ``.image``; ``None`` otherwise (not in a task, not
    in a session, or a session that asks for no sidecar)."""
    tags = _local_property(JOB_TAGS)
    if not tags:
        return None
    m = _SESSION_TAG.search(tags)
    if m is None:
        return None
    wish = {k: v for k in ("command", "image", "process.archive")
            for v in [_local_property(SESSION_PREFIX + k)] if v}
    if not wish.get("command") and not wish.get("image"):
        return None
    return m.group(1), wish


def session_discovery_file(executor_file: Optional[str] = None) -> Optional[str]:
    """The discovery file of the current task's session sidecar, or ``None`` when the task's session
    asks for none. ``executor_file`` is the executor's own discovery file (found when omitted).
    Raises :class:`~sparksidecar.executor.SidecarError` naming the session when it asked for a
    sidecar but its executor published none (no plugin on the executors)."""
    from .executor import SidecarError, find_discovery_file

    found = current_session()
    if found is None:
        return None
    uuid, wish = found
    base = executor_file or find_discovery_file()
    stem = base[:-len(".json")] if base.endswith(".json") else base
    path = "%s.session-%s.json" % (stem, uuid)
    if os.path.isfile(path):
        return path
    asked = ", ".join("%s%s=%s" % (SESSION_PREFIX, k, v) for k, v in sorted(wish.items()))
    raise SidecarError("session %s asked for its own sidecar (%s) but its executor published none (%s): the "
                       "executors need the spark-sidecar plugin jar of this version, which starts it at the "
                       "session's first task" % (uuid, asked, path))
