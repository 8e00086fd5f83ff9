"""The protocol v1 client of one volume (PROTOCOL.md sections 2-7)."""
from __future__ import annotations

import dataclasses
import os
import queue
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from . import _files
from ._metering import HandoffMeter
from .errors import NO_EXIT_CODE, HandoffError
from .handoff import BaseHandoff, _tail_section
from ._watch import RESCAN, DirWatch
from .liveness import Heartbeat, Liveness, heartbeat_liveness
from .marker import Marker
from .names import check_id
from .result import PROTOCOL_VERSION, HandoffResult, OutputEntry

__all__ = ["VolumeOptions", "Volume", "Handoff"]

if TYPE_CHECKING:  # pragma: no cover
    from .legacy import LegacyVolume

_HOT = 0.05  # after a start or a completion the dispatcher polls at poll_min for this long
DEFAULT_AGENT_GRACE = 1.0  # seconds; PROTOCOL.md 5.1, used when agent/info has no grace_ms


@dataclass(frozen=True)
class VolumeOptions:
    """Client-side tuning of a volume (times in seconds). Immutable; use :func:`dataclasses.replace`
    or keyword overrides of :meth:`Volume.open`.

    :param stale_after: agent heartbeat age after which the agent counts as gone (1 s)
    :param heartbeat_period: how often the client rewrites ``client/heartbeat`` (0.25 s)
    :param poll_min: first wait between two looks at the volume after activity (2 ms)
    :param poll_max: longest wait between two looks (20 ms); waits back off from min to max
    :param cancel_wait: how long a cancel waits for the agent's done marker; ``None`` (default)
        means the agent's grace (``grace_ms`` in ``agent/info``, else 1 s) plus 1 s
    :param max_output_bytes: largest output the client will read or copy (``None``: unbounded)
    :param log_tail_lines: how many log lines an error carries (20)
    :param extra_liveness: an additional check of the agent (returns why it is gone, or ``None``)
    :param group_writable: make the directories the client creates mode 2770 (False)
    :param mark_closed: write ``client/closed`` on close, which stops the agent (True). Extra
        processes sharing a volume owned by another client pass False.
    :param watch: notice completions through inotify where available (Linux), polling only as a
        safety net every ``poll_max`` (True); False: poll from ``poll_min`` to ``poll_max``
    :param meter: counts every hand-off's outcome, bytes and latency (``None``: not counted); the
        executor's own volumes get one, so that the driver's hand-off metrics include Python tasks
    """

    stale_after: float = 1.0
    heartbeat_period: float = 0.25
    poll_min: float = 0.002
    poll_max: float = 0.02
    cancel_wait: Optional[float] = None
    max_output_bytes: Optional[int] = None
    log_tail_lines: int = 20
    extra_liveness: Optional[Liveness] = None
    group_writable: bool = False
    mark_closed: bool = True
    watch: bool = True
    meter: Optional["HandoffMeter"] = None

    def __post_init__(self) -> None:
        for name in ("stale_after", "heartbeat_period", "poll_min", "poll_max"):
            if not getattr(self, name) > 0:
                raise ValueError("%s must be positive, got %r" % (name, getattr(self, name)))
        if self.poll_min > self.poll_max:
            raise ValueError("poll_min (%r) must not exceed poll_max (%r)" % (self.poll_min, self.poll_max))
        if self.cancel_wait is not None and not self.cancel_wait > 0:
            raise ValueError("cancel_wait must be positive, got %r" % (self.cancel_wait,))
        if self.max_output_bytes is not None and self.max_output_bytes <= 0:
            raise ValueError("max_output_bytes must be > 0, got %r" % (self.max_output_bytes,))
        if self.log_tail_lines < 0:
            raise ValueError("log_tail_lines must be >= 0, got %r" % (self.log_tail_lines,))


def _options(options: Optional[VolumeOptions], overrides: Dict[str, Any]) -> VolumeOptions:
    base = options or VolumeOptions()
    return dataclasses.replace(base, **overrides) if overrides else base


class _Waiter:
    """The completion of one started request: ``result`` or ``error`` once ``done``. The thread
    awaiting it sleeps on a raw lock (held while there is nothing to say), the cheapest wake-up
    CPython has; :meth:`_Dispatcher.wait` is the only way to wait on it."""

    __slots__ = ("request_id", "done", "result", "error", "_bell", "_rung")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.done = False
        self.result: Optional[HandoffResult] = None
        self.error: Optional[HandoffError] = None
        self._bell = threading.Lock()
        self._bell.acquire()
        self._rung = False

    @property
    def ok(self) -> bool:
        """Completed with a readable done marker (whatever its status)."""
        return self.done and self.result is not None


class _Dispatcher:
    """Turns ``done/<id>`` markers into completed waiters and fails every waiter at once when the
    agent is gone. There is no thread of its own: a thread awaiting a request becomes the *leader*
    if nobody else is: it sleeps on an inotify watch of ``done/`` (through :mod:`ctypes`), woken as
    a marker is renamed in, completes whatever arrived (its own request or other threads'), looks
    anyway every ``poll_max`` (20 ms; also the liveness cadence), and when its own request is done
    hands the watch to another awaiting thread. The others sleep until their request completes or
    the watch is handed to them. So the common case, one task thread awaiting its hand-off, costs
    no thread switch at all. Without inotify (other systems, ``watch=False``, or a file system
    whose changes inotify does not see, detected when markers keep turning up unannounced) the
    leader polls: every ``poll_min`` (2 ms) for 50 ms after a start or a completion, then backing
    off by doubling to ``poll_max``."""

    _MISSES_BEFORE_POLLING = 3
    #: A follower looks again this often even without a wake-up (a safety net; hand-overs are explicit).
    _FOLLOWER_NAP = 0.25

    def __init__(self, root: str, liveness: Liveness, poll_min: float, poll_max: float, watch: bool = True) -> None:
        self._root = root
        self._done = os.path.join(root, "done")
        self._liveness = liveness
        self._poll_min = poll_min
        self._poll_max = poll_max
        self._watch: Optional[DirWatch] = DirWatch.open(self._done) if watch else None
        self._misses = 0
        self._pending: Dict[str, _Waiter] = {}
        self._awaiting: Dict[_Waiter, None] = {}  # an ordered set: waiters whose threads are in wait()
        self._mutex = threading.Lock()
        self._lead = threading.Lock()
        self._running = True
        self._last_live = 0.0
        self._delay = poll_min
        self._hot_until = 0.0

    @property
    def watching(self) -> bool:
        """True while completions are noticed through inotify rather than by polling."""
        return self._watch is not None

    def register(self, request_id: str) -> _Waiter:
        """Registers interest before the start marker is written, so no completion is missed."""
        w = _Waiter(request_id)
        with self._mutex:
            self._pending[request_id] = w
            self._delay = self._poll_min
            self._hot_until = time.monotonic() + _HOT
        return w

    def forget(self, request_id: str) -> None:
        with self._mutex:
            self._pending.pop(request_id, None)

    def gone_reason(self) -> Optional[str]:
        return self._liveness()

    def check_now(self, request_id: str) -> None:
        self._try_complete(request_id)

    # ---- waiting -------------------------------------------------------------------------------
    def wait(self, w: _Waiter, timeout: Optional[float]) -> bool:
        """Blocks the calling thread until ``w`` is done (True) or ``timeout`` seconds passed (False;
        ``None``: no limit). The thread leads (watches ``done/``) whenever nobody else does."""
        if w.done:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._mutex:
            self._awaiting[w] = None
        try:
            while not w.done:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                if self._lead.acquire(False):
                    try:
                        self._lead_until(w, deadline)
                    finally:
                        self._lead.release()
                        self._hand_over(w)
                else:
                    self._sleep(w, self._FOLLOWER_NAP if remaining is None else min(remaining, self._FOLLOWER_NAP))
        finally:
            with self._mutex:
                self._awaiting.pop(w, None)
        return w.done

    def _sleep(self, w: _Waiter, seconds: float) -> None:
        if w._bell.acquire(timeout=seconds):
            with self._mutex:
                w._rung = False

    def _ring(self, w: _Waiter) -> None:
        """Wakes the thread sleeping on ``w`` (or makes its next sleep return at once). Under the mutex."""
        if not w._rung:
            w._rung = True
            w._bell.release()

    def _hand_over(self, leaving: _Waiter) -> None:
        """The leader stopped watching: wake one thread still awaiting so that it takes over."""
        with self._mutex:
            for other in self._awaiting:
                if other is not leaving and not other.done:
                    self._ring(other)
                    return

    def _lead_until(self, w: _Waiter, deadline: Optional[float]) -> None:
        if not self._running:
            return
        if self._watch is None:
            self._try_complete(w.request_id)  # polling: no need to sleep first if it is there already
        while not w.done and self._running:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return
            self._look(w, self._poll_max if remaining is None else min(remaining, self._poll_max))

    def _look(self, w: _Waiter, timeout: float) -> None:
        """One step of the leader: wait up to ``timeout`` for completions, handle them, check liveness."""
        watch = self._watch
        arrived: Optional[Set[str]] = None
        if watch is not None:
            arrived = watch.wait(timeout)
        else:
            self._sleep(w, min(self._delay, timeout))
            if w.done:
                return
        with self._mutex:
            pending = set(self._pending) if arrived is None or RESCAN in arrived else arrived & self._pending.keys()
        progressed = False
        if arrived is not None and RESCAN not in arrived:
            names: Iterable[str] = pending  # the markers inotify announced, no listing
            if not pending and time.monotonic() - self._last_live < self._poll_max:
                return  # only other clients' completions (every process sharing done/ hears them all)
        else:
            try:
                names = os.listdir(self._done)
            except OSError:
                names = []
        for n in names:
            if n in pending and self._try_complete(n):
                progressed = True
        if watch is not None and arrived is None and progressed:
            late = watch.wait(0)
            if late is None:
                self._misses += 1  # completed, yet inotify said nothing (e.g. a network file system)
                if self._misses >= self._MISSES_BEFORE_POLLING:
                    self._watch = None
                    watch.close()
            else:  # announced just after the look: handle what came since
                for n in (pending if RESCAN in late else late & pending):
                    self._try_complete(n)
        now = time.monotonic()
        if now - self._last_live >= self._poll_max:
            self._last_live = now
            reason = self._liveness()
            if reason is not None:
                self._fail_all(reason)
        if self._watch is None:
            with self._mutex:
                if progressed:
                    self._hot_until = now + _HOT
                self._delay = self._poll_min if now < self._hot_until else min(self._delay * 2, self._poll_max)

    # ---- completing ----------------------------------------------------------------------------
    def _fail_all(self, reason: str) -> None:
        with self._mutex:
            items = list(self._pending.items())
        for rid, w in items:
            if not w.done:
                self._try_complete(rid)  # a done marker written just before the agent died still wins
            self._finish(w, None, HandoffError("request %s on volume %s: %s" % (rid, self._root, reason), rid))

    def _finish(self, w: _Waiter, result: Optional[HandoffResult], error: Optional[HandoffError]) -> bool:
        with self._mutex:
            if w.done:
                return False
            w.result = result
            w.error = error
            w.done = True
            self._ring(w)
            return True

    def _try_complete(self, request_id: str) -> bool:
        with self._mutex:
            w = self._pending.get(request_id)
        if w is None or w.done:
            return False
        path = os.path.join(self._done, request_id)
        try:
            return self._finish(w, HandoffResult.from_marker(request_id, Marker.read(path)), None)
        except FileNotFoundError:
            return False
        except (OSError, HandoffError, ValueError) as e:
            return self._finish(w, None, HandoffError("request %s: unreadable done marker %s: %s"
                                                      % (request_id, path, e), request_id))

    def close(self) -> None:
        """Fails what is still awaited ("the volume was closed") and releases the watch. Idempotent."""
        with self._mutex:
            self._running = False
            items = list(self._pending.items())
        for rid, w in items:
            self._finish(w, None, HandoffError("request %s: the volume %s was closed" % (rid, self._root), rid))
        if self._lead.acquire(timeout=2):  # the leader leaves within poll_max once its waiter is done
            try:
                watch, self._watch = self._watch, None
                if watch is not None:
                    watch.close()
            finally:
                self._lead.release()


class _Janitor:
    """Takes request directories off the hot path: rename to a hidden ``requests/.trash-*`` name
    (agents ignore dot names), delete on a daemon thread; :meth:`close` finishes every deletion."""

    _STOP = ""

    def __init__(self, name: str) -> None:
        self._queue: "queue.Queue[str]" = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="sidecar-volume-janitor-" + name, daemon=True)
        self._thread.start()

    def dispose(self, directory: str) -> None:
        trash = os.path.join(os.path.dirname(directory),
                             ".trash-%s-%s" % (os.path.basename(directory), _files.unique_token()))
        try:
            os.rename(directory, trash)
        except FileNotFoundError:
            return
        except OSError:
            _files.delete_quietly(directory)
            return
        self._queue.put(trash)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item == self._STOP:
                return
            _files.delete_quietly(item)

    def close(self) -> None:
        self._queue.put(self._STOP)
        self._thread.join(10)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item != self._STOP:
                _files.delete_quietly(item)


class Volume:
    """The client side of one shared volume, protocol v1. Thread-safe: many threads may run
    hand-offs at once. Closing the volume cancels what is still running and tells the agent the
    client is gone (``client/closed``). A context manager::

        with Volume.open("/shared") as volume:
            volume.await_agent(30)
            with volume.new_handoff() as h:
                h.write_input_file("infile.csv", "data.csv").expect_output("outfile.csv")
                h.run(timeout=300)
                h.copy_output("outfile.csv", "result.csv")

    Several processes (e.g. Python workers of one executor) may share one volume: each opens its
    own ``Volume`` (ids are unique per process); all but the owner pass ``mark_closed=False``.
    """

    def __init__(self, root: str, options: VolumeOptions) -> None:
        self._root = os.path.abspath(os.fspath(root))
        self._options = options
        try:
            self._init_layout()
            _files.unlink_quietly(os.path.join(self._root, "client", "closed"))
        except OSError as e:
            raise HandoffError("cannot prepare volume %s: %s" % (self._root, e)) from e
        self._raw_liveness = heartbeat_liveness(os.path.join(self._root, "agent", "heartbeat"),
                                                os.path.join(self._root, "agent", "stopped"), options.stale_after)
        self._seen_agent = False
        self._id_prefix = "py%s%x-" % (secrets.token_hex(3), os.getpid())
        self._counter = 0
        self._lock = threading.Lock()
        self._open: Set[Handoff] = set()
        self._closed = False
        self._heartbeat = Heartbeat(os.path.join(self._root, "client", "heartbeat"), options.heartbeat_period)
        self._dispatcher = _Dispatcher(self._root, self._liveness, options.poll_min, options.poll_max, options.watch)
        self._janitor = _Janitor(os.path.basename(self._root))

    # ---- factories -------------------------------------------------------------------------
    @classmethod
    def open(cls, root: "str | os.PathLike[str]", options: Optional[VolumeOptions] = None,
             **overrides: Any) -> "Volume":
        """Opens a protocol v1 volume: creates its layout if needed and starts the client
        heartbeat. Keyword arguments override fields of ``options`` (see :class:`VolumeOptions`)."""
        return cls(os.fspath(root), _options(options, overrides))

    @classmethod
    def open_legacy(cls, root: "str | os.PathLike[str]", options: Optional[VolumeOptions] = None,
                    **overrides: Any) -> "LegacyVolume":
        """Opens a volume that speaks the legacy start/done/close flag convention (section 8)."""
        from .legacy import LegacyVolume
        return LegacyVolume(os.fspath(root), _options(options, overrides))

    # ---- layout ------------------------------------------------------------------------------
    def _init_layout(self) -> None:
        for d in ("agent", "client", "requests", "queue", "done"):
            path = os.path.join(self._root, d)
            os.makedirs(path, exist_ok=True)
            if self._options.group_writable:
                os.chmod(path, 0o2770)
        version = os.path.join(self._root, "PROTOCOL")
        if not os.path.exists(version):
            _files.write_atomically(version, (PROTOCOL_VERSION + "\n").encode("ascii"))

    @property
    def root(self) -> str:
        return self._root

    @property
    def options(self) -> VolumeOptions:
        return self._options

    def agent_info(self) -> Optional[Marker]:
        """The agent's ``agent/info`` marker, or ``None`` when there is none (yet)."""
        try:
            return Marker.read(os.path.join(self._root, "agent", "info"))
        except OSError:
            return None

    def cancel_wait(self) -> float:
        """How long a cancel waits for the done marker: the option, else agent grace + 1 s."""
        if self._options.cancel_wait is not None:
            return self._options.cancel_wait
        grace = DEFAULT_AGENT_GRACE
        info = self.agent_info()
        if info is not None:
            ms = info.get_int("grace_ms", -1)
            if ms >= 0:
                grace = ms / 1000.0
        return grace + 1.0

    # ---- liveness ----------------------------------------------------------------------------
    def _liveness(self) -> Optional[str]:
        extra = self._options.extra_liveness
        if extra is not None:
            reason = extra()
            if reason is not None:
                return reason
        reason = self._raw_liveness()
        if reason is None:
            self._seen_agent = True
            return None
        if not self._seen_agent and reason.startswith("no agent heartbeat"):
            return None  # readiness: before the first heartbeat, waits are bounded by their timeout
        return reason

    def agent_gone_reason(self) -> Optional[str]:
        """Why the agent counts as gone right now, or ``None`` while it is alive."""
        extra = self._options.extra_liveness
        return (extra() if extra is not None else None) or self._raw_liveness()

    def await_agent(self, timeout: float) -> None:
        """Blocks until the agent is alive (fresh heartbeat, no ``agent/stopped``) or raises after
        ``timeout`` seconds with what was awaited and why it is not there."""
        deadline = time.monotonic() + timeout
        delay = self._options.poll_min
        while True:
            reason = self.agent_gone_reason()
            if reason is None:
                self._seen_agent = True
                return
            if time.monotonic() > deadline:
                raise HandoffError("no protocol agent became alive on volume %s within %d ms: %s"
                                   % (self._root, int(timeout * 1000), reason))
            time.sleep(delay)
            delay = min(delay * 2, max(self._options.poll_max, 0.05))

    # ---- hand-offs ---------------------------------------------------------------------------
    def new_handoff(self, request_id: Optional[str] = None) -> "Handoff":
        """A new hand-off; with ``request_id`` None a volume-unique id is generated. Raises naming
        the id if it is invalid or already in use. Never blocks."""
        with self._lock:
            if request_id is None:
                self._counter += 1
                request_id = "%s%d" % (self._id_prefix, self._counter)
        check_id(request_id)
        if self._closed:
            raise HandoffError("volume %s is closed; cannot create request %s" % (self._root, request_id), request_id)
        directory = os.path.join(self._root, "requests", request_id)
        try:
            os.mkdir(directory)
        except FileExistsError:
            raise HandoffError("request id '%s' is already in use on volume %s" % (request_id, self._root),
                               request_id) from None
        except OSError as e:
            raise HandoffError("cannot create request directory %s: %s" % (directory, e), request_id) from e
        try:
            os.mkdir(os.path.join(directory, "in"))
            if self._options.group_writable:
                os.chmod(directory, 0o2770)
                os.chmod(os.path.join(directory, "in"), 0o2770)
        except OSError as e:
            _files.delete_quietly(directory)
            raise HandoffError("cannot create request directory %s: %s" % (directory, e), request_id) from e
        h = Handoff(self, request_id, directory)
        with self._lock:
            self._open.add(h)
        return h

    def stream_lines(self, lines: Iterable[str], input_name: str = "in.txt", output_name: str = "out.txt", *,
                     chunk_lines: Optional[int] = None, in_flight: Optional[int] = None,
                     timeout: Optional[float] = None) -> Iterator[str]:
        """Feeds ``lines`` through a stream of hand-offs on this volume, the command of one chunk
        running while the next is written, and yields their output lines in order: see
        :func:`sparksidecar.stream.stream_lines` (defaults: 250,000 lines a chunk, 2 in flight)."""
        from .stream import DEFAULT_CHUNK_LINES, DEFAULT_IN_FLIGHT, stream_lines
        return stream_lines(self.new_handoff, lines, input_name, output_name,
                            chunk_lines=DEFAULT_CHUNK_LINES if chunk_lines is None else chunk_lines,
                            in_flight=DEFAULT_IN_FLIGHT if in_flight is None else in_flight, timeout=timeout)

    def _forget(self, h: "Handoff") -> None:
        with self._lock:
            self._open.discard(h)

    # ---- closing -----------------------------------------------------------------------------
    def close(self) -> None:
        """Cancels hand-offs still running, removes what they left, stops the heartbeat and (with
        ``mark_closed``) writes ``client/closed``. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            still_open = list(self._open)
        for h in still_open:
            try:
                h.close()
            except HandoffError:
                pass
        self._dispatcher.close()
        self._janitor.close()
        self._heartbeat.close()
        if self._options.mark_closed:
            try:
                Marker.of(("reason", "client closed the volume")).write_atomically(
                    os.path.join(self._root, "client", "closed"))
            except OSError:
                pass  # the volume may be gone; the agent then sees a stale heartbeat instead

    def __enter__(self) -> "Volume":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<Volume %s>" % self._root


class Handoff(BaseHandoff):
    """One v1 request: ``requests/<id>/``, ``queue/<id>``, ``done/<id>`` (PROTOCOL.md section 5)."""

    def __init__(self, volume: Volume, request_id: str, directory: str) -> None:
        super().__init__(request_id, volume.options.log_tail_lines, volume.options.max_output_bytes,
                         volume.options.meter)
        self._volume = volume
        self._dir = directory
        self._waiter: Optional[_Waiter] = None
        self._cancelled = False
        self._unqueued = False

    def _input_dir(self) -> str:
        return os.path.join(self._dir, "in")

    def _output_dir(self) -> str:
        return os.path.join(self._dir, "out")

    def _log_path(self) -> str:
        return os.path.join(self._dir, "log")

    @property
    def directory(self) -> str:
        """``requests/<id>/`` of this request."""
        return self._dir

    def _do_start(self) -> None:
        pairs: List[Tuple[str, object]] = [("protocol", PROTOCOL_VERSION), ("id", self._id),
                              ("created", int(time.time() * 1000))]
        pairs += [("input", "%d %s" % (size, name)) for name, size in self._inputs.items()]
        pairs += [("expect", name) for name in self._expected]
        self._waiter = self._volume._dispatcher.register(self._id)
        # the temporary file lives in the request directory, so queue/ only ever sees complete
        # markers arriving (PROTOCOL.md section 4): an agent watching it wakes once per request
        Marker.of(*pairs).write_atomically(os.path.join(self._volume.root, "queue", self._id),
                                           os.path.join(self._dir, ".queue.tmp." + _files.unique_token()))

    def _do_await(self, timeout: Optional[float]) -> HandoffResult:
        w = self._waiter
        assert w is not None
        if self._cancelled:
            raise self._error("was cancelled")
        dispatcher = self._volume._dispatcher
        if not dispatcher.wait(w, timeout):
            dispatcher.check_now(self._id)
            if w.ok:
                assert w.result is not None
                return w.result
            self._cancel()
            tail = self.log_tail()
            raise HandoffError("request %s timed out after %d ms and was cancelled%s"
                               % (self._id, int(timeout * 1000), _tail_section(tail)),  # type: ignore[operator]
                               self._id, NO_EXIT_CODE, tail)
        if w.error is not None:
            tail = self.log_tail()
            raise HandoffError(w.error.message + _tail_section(tail), self._id, NO_EXIT_CODE, tail)
        assert w.result is not None
        return w.result

    def _manifest_entry(self, name: str) -> OutputEntry:
        assert self._result is not None
        entry = self._result.output(name)
        if entry is None:
            raise self._error("has no output '%s' (outputs: %s)" % (name, self.output_names()))
        return entry

    def output_names(self) -> List[str]:
        self._require(self._result is not None and self._result.ok,
                      "outputs can only be listed after a successful await_result()")
        assert self._result is not None
        return [o.name for o in self._result.outputs]

    def cancel(self) -> None:
        """Cancels the request if it was started and has not finished (PROTOCOL.md 5.1)."""
        if self._started and self._result is None and not self._closed:
            self._cancel()

    def _cancel(self) -> None:
        w = self._waiter
        if w is None or self._cancelled or w.ok:
            return
        self._cancelled = True
        queued = os.path.join(self._volume.root, "queue", self._id)
        try:
            os.rename(queued, os.path.join(self._dir, ".unqueued"))
            self._unqueued = True
            return  # the agent never saw it
        except OSError:
            pass  # claimed (or gone): ask the agent to stop
        if self._volume._dispatcher.gone_reason() is not None:
            return
        try:
            Marker.of(("reason", "client cancelled")).write_atomically(os.path.join(self._dir, "cancel"))
        except OSError:
            return
        # agent gone or slow: cleanup goes ahead; the agent drops done markers of vanished requests
        self._volume._dispatcher.wait(w, self._volume.cancel_wait())

    def close(self) -> None:
        """Cancels the request if it is still running and removes everything it left on the
        volume. Idempotent."""
        if self._closed:
            return
        if self._started and self._result is None:
            self._cancel()
        self._closed = True
        self._volume._dispatcher.forget(self._id)
        if not self._quiet() or not self._delete_known():
            self._volume._janitor.dispose(self._dir)  # off the hot path: renamed away, walked later
        if self._started:
            _files.unlink_quietly(os.path.join(self._volume.root, "done", self._id))
        self._volume._forget(self)

    def _quiet(self) -> bool:
        """True when nothing on the agent's side writes into the request directory any more: it was
        never started, was unqueued before the agent saw it, or its done marker was read."""
        w = self._waiter
        return not self._started or self._result is not None or (w is not None and w.ok) or self._unqueued

    def _delete_known(self) -> bool:
        """Deletes the request directory by what it is known to hold (inputs, the manifest's
        outputs, claimed, log), in place; False when something else is left (then walked)."""
        files = ["claimed", "log"] if self._started else []
        if self._cancelled:
            files += ["cancel", ".unqueued"]
        w = self._waiter
        outputs = [o.name for o in w.result.outputs] if w is not None and w.result is not None else []
        return _files.delete_known(self._dir, files, (("in", list(self._inputs)), ("out", outputs)))

