"""Marker files: ordered ``key=value`` lines (PROTOCOL.md section 4)."""
from __future__ import annotations

import os
from typing import Iterable, List, Optional, Tuple

from . import _files
from .errors import HandoffError

__all__ = ["Marker"]


class Marker:
    """An immutable marker. Build with :meth:`of`; values are flattened to one line (CR/LF to space)."""

    __slots__ = ("entries",)

    def __init__(self, entries: Iterable[Tuple[str, str]] = ()) -> None:
        self.entries: Tuple[Tuple[str, str], ...] = tuple((str(k), str(v)) for k, v in entries)

    @classmethod
    def of(cls, *pairs: Tuple[str, object]) -> "Marker":
        """A marker from ``(key, value)`` pairs; ``None`` becomes the empty string."""
        return cls((k, "" if v is None else str(v).replace("\r", " ").replace("\n", " ")) for k, v in pairs)

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of ``key``, or ``default``."""
        for k, v in self.entries:
            if k == key:
                return v
        return default

    def require(self, key: str, where: str) -> str:
        """The value of ``key`` or raises naming the key and ``where``."""
        v = self.get(key)
        if v is None:
            raise HandoffError("%s: marker has no '%s' line" % (where, key))
        return v

    def all(self, key: str) -> List[str]:
        """Every value of a repeated key, in order."""
        return [v for k, v in self.entries if k == key]

    def get_int(self, key: str, fallback: int) -> int:
        v = self.get(key)
        if v is None or not v.strip():
            return fallback
        try:
            return int(v.strip())
        except ValueError:
            return fallback

    def format(self) -> str:
        return "".join("%s=%s\n" % (k, v) for k, v in self.entries)

    @classmethod
    def parse(cls, text: str) -> "Marker":
        """Parses marker text: split at the first ``=``; lines without a key are skipped."""
        entries = []
        for line in text.split("\n"):
            eq = line.find("=")
            if eq > 0:
                value = line[eq + 1:]
                if value.endswith("\r"):
                    value = value[:-1]
                entries.append((line[:eq].strip(), value))
        return cls(entries)

    @classmethod
    def read(cls, path: str) -> "Marker":
        return cls.parse(_files.read_small(path).decode("utf-8", errors="replace"))

    def write_atomically(self, target: str, temp: Optional[str] = None) -> None:
        """Writes this marker under a temporary name (a hidden sibling of ``target``, or ``temp``:
        another hidden path on the same file system), then renames it into place."""
        _files.write_atomically(target, self.format().encode("utf-8"), temp)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Marker) and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self.entries)

    def __repr__(self) -> str:
        return "Marker(%r)" % (list(self.entries),)
