"""Wake-ups on changes of one directory through Linux inotify, called with :mod:`ctypes` (standard
library only). Elsewhere, or when inotify is unavailable (no libc symbol, out of instances), the
caller keeps polling (internal)."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import sys
from typing import Optional, Set

__all__ = ["DirWatch"]

_IN_MOVED_TO = 0x00000080
_IN_Q_OVERFLOW = 0x00004000
_IN_ONLYDIR = 0x01000000
_READ = 65536  # bytes of events read at once
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then len bytes of name
#: In the names :meth:`DirWatch.wait` returns when events were lost: look at the whole directory.
RESCAN = ""

_libc: Optional[ctypes.CDLL] = None
_libc_missing = False


def _load() -> Optional[ctypes.CDLL]:
    global _libc, _libc_missing
    if _libc is None and not _libc_missing:
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            lib.inotify_init1.argtypes = [ctypes.c_int]
            lib.inotify_init1.restype = ctypes.c_int
            lib.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            lib.inotify_add_watch.restype = ctypes.c_int
            _libc = lib
        except (OSError, AttributeError):
            _libc_missing = True
    return _libc


class DirWatch:
    """An inotify descriptor watching one directory for files renamed into it: how every marker
    arrives (PROTOCOL.md section 4: temporary name, then rename), so the writes of temporary files
    wake nobody. Used by one thread; :meth:`close` from any thread once that thread stopped waiting."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    @classmethod
    def open(cls, directory: str) -> Optional["DirWatch"]:
        """A watch of ``directory``, or ``None`` where inotify cannot be used (the caller polls)."""
        if not sys.platform.startswith("linux"):
            return None
        lib = _load()
        if lib is None:
            return None
        fd = lib.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            return None
        if lib.inotify_add_watch(fd, os.fsencode(directory), _IN_MOVED_TO | _IN_ONLYDIR) < 0:
            os.close(fd)
            return None
        return cls(fd)

    def wait(self, timeout: float) -> Optional[Set[str]]:
        """Blocks up to ``timeout`` seconds for a change. ``None`` if none came; else the names of
        the files that arrived (consumed), with :data:`RESCAN` among them if the kernel dropped events."""
        try:
            ready = self._poll.poll(max(0, int(timeout * 1000)))
        except (OSError, ValueError):
            return None
        if not ready:
            return None
        names: Set[str] = set()
        while True:
            try:
                data = os.read(self._fd, _READ)
            except BlockingIOError:
                return names
            except OSError:
                names.add(RESCAN)
                return names
            if not data:
                return names
            pos = 0
            while pos + _EVENT.size <= len(data):
                _, mask, _, length = _EVENT.unpack_from(data, pos)
                pos += _EVENT.size
                if mask & _IN_Q_OVERFLOW:
                    names.add(RESCAN)
                elif length:
                    names.add(os.fsdecode(data[pos:pos + length].rstrip(b"\0")))
                pos += length
            if len(data) < _READ // 2:  # the kernel gave all it had (well below the buffer): no second read
                return names

    def close(self) -> None:
        """Closes the descriptor. Idempotent."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            try:
                self._poll.unregister(fd)
            except (KeyError, ValueError):
                pass
            os.close(fd)
