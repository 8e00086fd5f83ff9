"""Legacy flag mode (PROTOCOL.md section 8): one hand-off at a time, files in the volume root."""
from __future__ import annotations

import os
import threading
import time
from typing import Callable, List, Optional

from . import _files
from .errors import HandoffError
from .handoff import BaseHandoff
from .names import check_id, is_plain_file, resolve_inside
from .result import FAILED, OK, HandoffResult, OutputEntry
from .volume import VolumeOptions

try:  # POSIX: hand-offs are serialised across processes too
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["LegacyVolume", "LegacyHandoff", "clear_flags", "START_FLAG", "DONE_FLAG", "CLOSE_FLAG", "LEGACY_LOG"]

START_FLAG, DONE_FLAG, CLOSE_FLAG, LEGACY_LOG = "start_flag", "done_flag", "close_flag", "logfile"
LOCK_FILE = ".sidecar-legacy.lock"


def clear_flags(root: str) -> None:
    """The default cycle: removes the flags and the log a previous hand-off left."""
    for name in (START_FLAG, DONE_FLAG, CLOSE_FLAG, LEGACY_LOG):
        _files.unlink_quietly(os.path.join(root, name))


class LegacyVolume:
    """A volume speaking the legacy flag convention, with the API of :class:`~sparksidecar.Volume`.
    Hand-offs are serialised: :meth:`new_handoff` waits its turn (threads of this process via a
    lock, other processes via a POSIX ``fcntl`` lock on ``.sidecar-legacy.lock`` in the volume root, the
    lock Java clients take too)."""

    def __init__(self, root: str, options: VolumeOptions,
                 cycle: Callable[[str], None] = clear_flags) -> None:
        # resolved once: the root itself may be reached through a link; everything below may not
        self._root = os.path.realpath(os.path.abspath(root))
        self._options = options
        self._cycle = cycle
        self._turn = threading.Lock()
        self._counter = 0
        self._closed = False
        try:
            os.makedirs(self._root, exist_ok=True)
        except OSError as e:
            raise HandoffError("cannot prepare legacy volume %s: %s" % (self._root, e)) from e

    @property
    def root(self) -> str:
        return self._root

    @property
    def options(self) -> VolumeOptions:
        return self._options

    def new_handoff(self, request_id: Optional[str] = None, timeout: Optional[float] = None) -> "LegacyHandoff":
        """A new hand-off; blocks (up to ``timeout`` seconds, ``None``: no limit) until the previous
        one of this volume is closed."""
        if request_id is None:
            self._counter += 1
            request_id = "legacy-%d" % self._counter
        check_id(request_id)
        if self._closed:
            raise HandoffError("legacy volume %s is closed; cannot create request %s" % (self._root, request_id),
                               request_id)
        if not self._turn.acquire(timeout=-1 if timeout is None else timeout):
            raise HandoffError("request %s: the legacy volume %s stayed busy for %d ms"
                               % (request_id, self._root, int((timeout or 0) * 1000)), request_id)
        lock_fd = -1
        try:
            if fcntl is not None:
                lock_fd = os.open(os.path.join(self._root, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o666)
                # a POSIX record lock (fcntl), the kind Java's FileChannel.lock takes: flock(2) locks
                # would not exclude a Java client on the same volume
                fcntl.lockf(lock_fd, fcntl.LOCK_EX)
            self._cycle(self._root)
        except BaseException as e:
            if lock_fd >= 0:
                os.close(lock_fd)
            self._turn.release()
            if isinstance(e, (OSError, HandoffError)):
                raise HandoffError("request %s: cannot prepare legacy volume %s: %s" % (request_id, self._root, e),
                                   request_id) from e
            raise

        def release() -> None:
            if lock_fd >= 0:
                os.close(lock_fd)  # drops the lock
            self._turn.release()
        return LegacyHandoff(request_id, self._root, self._options, release)

    def await_agent(self, timeout: float) -> None:
        """Waits until ``extra_liveness`` says the agent is alive; a no-op without it."""
        extra = self._options.extra_liveness
        if extra is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            reason = extra()
            if reason is None:
                return
            if time.monotonic() > deadline:
                raise HandoffError("legacy agent on %s not alive within %d ms: %s"
                                   % (self._root, int(timeout * 1000), reason))
            time.sleep(self._options.poll_max)

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> "LegacyVolume":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LegacyHandoff(BaseHandoff):
    """One legacy flag-file hand-off; releases the volume's turn on close."""

    def __init__(self, request_id: str, root: str, options: VolumeOptions, release: Callable[[], None]) -> None:
        super().__init__(request_id, options.log_tail_lines, options.max_output_bytes, options.meter)
        self._root = root
        self._options = options
        self._release = release
        self._read: List[str] = []
        self._started_millis = 0

    def _input_dir(self) -> str:
        return self._root

    def _output_dir(self) -> str:
        return self._root

    def _log_path(self) -> str:
        return os.path.join(self._root, LEGACY_LOG)

    def _do_start(self) -> None:
        self._started_millis = int(time.time() * 1000)
        _files.write_atomically(os.path.join(self._root, START_FLAG), b"")

    def _do_await(self, timeout: Optional[float]) -> HandoffResult:
        done = os.path.join(self._root, DONE_FLAG)
        deadline = None if timeout is None else time.monotonic() + timeout
        liveness = self._options.extra_liveness
        delay = self._options.poll_min
        while not os.path.exists(done):
            gone = liveness() if liveness is not None else None
            if gone is not None and not os.path.exists(done):
                raise self._error("legacy agent on %s is gone before writing done_flag: %s" % (self._root, gone))
            if deadline is not None and time.monotonic() >= deadline:
                raise self._error("timed out after %d ms waiting for done_flag in %s"
                                  % (int(timeout * 1000), self._root))  # type: ignore[operator]
            time.sleep(delay)
            delay = min(delay * 2, self._options.poll_max)
        try:
            with open(done, "rb") as f:
                content = f.read().decode("utf-8", errors="replace")
        except OSError as e:
            raise self._error("cannot read done_flag in %s: %s" % (self._root, e)) from e
        code = parse_done_flag(content)
        status = OK if code == 0 else FAILED
        error = "" if code == 0 else "legacy agent reported exit %d" % code
        if code == 0:
            for name in self._expected:
                if not is_plain_file(resolve_inside(self._root, self._id, name)):
                    status, error = FAILED, "declared output '%s' missing" % name
                    break
        try:
            log_bytes = os.path.getsize(self._log_path())
        except OSError:
            log_bytes = 0
        return HandoffResult(self._id, status, code, self._started_millis, int(time.time() * 1000), error,
                             log_bytes, [])

    def _manifest_entry(self, name: str) -> Optional[OutputEntry]:
        self._read.append(name)
        return None  # the legacy convention has no manifest

    def output_names(self) -> List[str]:
        return list(self._expected)

    def close(self) -> None:
        """Writes ``close_flag`` (when started), deletes this hand-off's inputs and outputs and
        releases the volume's turn. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._started:
                _files.write_atomically(os.path.join(self._root, CLOSE_FLAG), b"")
            # nothing from this hand-off may be mistaken for the next one's
            for name in list(self._inputs) + self._read + self._expected:
                _files.unlink_quietly(os.path.join(self._root, name))
        except OSError as e:
            raise self._error("cannot close legacy hand-off in %s: %s" % (self._root, e)) from e
        finally:
            self._release()


def parse_done_flag(content: str) -> int:
    """The exit code in a ``done_flag``: empty means 0; ``exit=N`` or a bare number is N; anything
    unparsable counts as 0 (the flag's existence is what matters in the old convention)."""
    text = content.strip()
    if text.startswith("exit="):
        text = text[5:].strip()
    if not text:
        return 0
    first = text.splitlines()[0].strip()
    try:
        return int(first)
    except ValueError:
        return 0
