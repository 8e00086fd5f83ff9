"""Heartbeats and liveness (PROTOCOL.md section 6)."""
from __future__ import annotations

import os
import threading
import time
from typing import Callable, Optional

from . import _files
from .marker import Marker

__all__ = ["Liveness", "Heartbeat", "heartbeat_liveness", "process_liveness"]

#: A liveness check: returns ``None`` while the peer is alive, else why it is considered gone.
#: Called often from waiting loops, so it must be cheap (a stat or two) and must not block.
Liveness = Callable[[], Optional[str]]


def heartbeat_liveness(heartbeat_file: str, stopped_marker: str, stale_after: float) -> Liveness:
    """Gone when ``stopped_marker`` exists (its ``reason`` is reported) or the heartbeat file is
    older than ``stale_after`` seconds, or missing."""
    stale_ms = int(stale_after * 1000)

    def check() -> Optional[str]:
        if os.path.exists(stopped_marker):
            try:
                reason = Marker.read(stopped_marker).get("reason")
            except OSError:
                reason = None
            return "the agent stopped: " + (reason or "no reason given")
        try:
            mtime = os.stat(heartbeat_file).st_mtime
        except FileNotFoundError:
            return "no agent heartbeat at %s: the agent is not running" % heartbeat_file
        except OSError as e:
            return "cannot read the agent heartbeat %s: %s" % (heartbeat_file, e)
        age = int((time.time() - mtime) * 1000)
        if age > stale_ms:
            return ("the agent's heartbeat %s is %d ms old (stale after %d ms): the agent is gone"
                    % (heartbeat_file, age, stale_ms))
        return None

    return check


def process_liveness(alive: Callable[[], bool], what: str) -> Liveness:
    """Gone when ``alive()`` says False; ``what`` names the peer (e.g. "the legacy image")."""
    return lambda: None if alive() else "%s is not running" % what


class Heartbeat:
    """Rewrites a heartbeat file (``<counter> <epoch millis>``, temporary name + rename) every
    ``period`` seconds on a daemon thread until :meth:`close`. The first beat is synchronous."""

    def __init__(self, path: str, period: float, name: str = "sidecar-client-heartbeat") -> None:
        self._path = path
        self._period = period
        self._stop = threading.Event()
        self._counter = 0
        self._beat()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        self._counter += 1
        try:
            _files.write_atomically(self._path, ("%d %d\n" % (self._counter, int(time.time() * 1000))).encode())
        except OSError:
            pass  # the next beat tries again; a reader only sees an older heartbeat

    def _loop(self) -> None:
        while not self._stop.wait(self._period):
            self._beat()

    def close(self) -> None:
        """Stops beating; idempotent. Does not delete the file."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(2)
