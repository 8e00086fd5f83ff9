"""This process's hand-off totals, for the executor plugin's health reports: a Python worker's
hand-offs are counted on the driver (count, failures, bytes, latency) like the Java client's.

The executor names a directory in its discovery file (``handoffs_dir``); each meter writes its
cumulative totals there as one line, atomically (temporary name, rename): at once when the last
write is :data:`FLUSH_SECONDS` old, else from a timer that many seconds later (PySpark reuses its
workers, so the timer runs while the worker waits for its next task), and at interpreter exit. The executor sums the files of that
directory at every health report. Format (``protocol/python/README.md``)::

    done=<n> failed=<n> bytes_in=<n> bytes_out=<n> latency=<bucket>:<count>,...

The latency buckets are the plugin's ``LatencyBuckets``: bucket ``i`` holds latencies up to
0.1 ms x 2^(i/4), 120 buckets.
"""
from __future__ import annotations

import atexit
import math
import os
import threading
import time
import uuid
from typing import Dict, Optional

#: How often, at most, the totals file is rewritten while hand-offs finish.
FLUSH_SECONDS = 0.2
BUCKETS = 120
_FIRST_NANOS = 100_000.0


def bucket(seconds: float) -> int:
    """The plugin's latency bucket of a duration."""
    nanos = seconds * 1e9
    if nanos <= _FIRST_NANOS:
        return 0
    return min(BUCKETS - 1, int(math.ceil(4 * math.log2(nanos / _FIRST_NANOS) - 1e-9)))


class HandoffMeter:
    """Cumulative totals of one process; thread-safe; never raises (metering must not fail a task)."""

    def __init__(self, directory: str) -> None:
        self._dir = directory
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._path = self._new_path()
        self._done = self._failed = self._bytes_in = self._bytes_out = 0
        self._latency: Dict[int, int] = {}
        self._timer: Optional[threading.Timer] = None
        self._flushed = 0.0  # time.monotonic() of the last write
        atexit.register(self.flush)

    def _new_path(self) -> str:
        return os.path.join(self._dir, "%d-%s.txt" % (os.getpid(), uuid.uuid4().hex[:8]))

    @property
    def path(self) -> str:
        """The file this process's totals go to."""
        return self._path

    def succeeded(self, seconds: float, bytes_in: int, bytes_out: int) -> None:
        """A hand-off returned its result after ``seconds``."""
        with self._lock:
            self._forked()
            self._done += 1
            self._bytes_in += bytes_in
            self._bytes_out += bytes_out
            b = bucket(seconds)
            self._latency[b] = self._latency.get(b, 0) + 1
            self._schedule()

    def failed(self, bytes_in: int) -> None:
        """A hand-off failed (non-zero exit, failed check, timeout, agent gone)."""
        with self._lock:
            self._forked()
            self._failed += 1
            self._bytes_in += bytes_in
            self._schedule()

    def _forked(self) -> None:
        # a forked child (PySpark's daemon forks workers) starts its own file from zero
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._path = self._new_path()
            self._done = self._failed = self._bytes_in = self._bytes_out = 0
            self._latency = {}
            self._timer = None

    def _schedule(self) -> None:
        if time.monotonic() - self._flushed >= FLUSH_SECONDS:
            self._write(self._line(), self._path)
        elif self._timer is None:
            self._timer = threading.Timer(FLUSH_SECONDS, self.flush)
            self._timer.daemon = True
            self._timer.start()

    def line(self) -> str:
        """The current totals in the file's format."""
        with self._lock:
            return self._line()

    def _line(self) -> str:
        latency = ",".join("%d:%d" % (b, c) for b, c in sorted(self._latency.items()))
        return "done=%d failed=%d bytes_in=%d bytes_out=%d latency=%s\n" % (
            self._done, self._failed, self._bytes_in, self._bytes_out, latency)

    def flush(self) -> None:
        """Writes the totals now (the timer and the exit hook call it)."""
        with self._lock:
            self._timer = None
            if os.getpid() != self._pid or (self._done == 0 and self._failed == 0):
                return
            self._write(self._line(), self._path)

    def _write(self, text: str, path: str) -> None:
        """One atomic rewrite of the totals file (holding the lock); failures are ignored."""
        self._flushed = time.monotonic()
        temp = "%s.%s.tmp" % (path, uuid.uuid4().hex[:6])
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                os.write(fd, text.encode("ascii"))
            finally:
                os.close(fd)
            os.replace(temp, path)
        except OSError:
            try:
                os.unlink(temp)
            except OSError:
                pass
