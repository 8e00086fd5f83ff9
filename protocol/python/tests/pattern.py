"""A deterministic byte stream of any length, generated on the fly (nothing held in memory)."""
from __future__ import annotations

import io
from typing import BinaryIO

_PERIOD = (1 << 20) + 7  # not a power of two: block boundaries never line up with read sizes


def _block(seed: int) -> bytes:
    a = bytes(((i * 31 + seed * 7) ^ (i >> 9)) & 0xFF for i in range(4096))
    reps = -(-(_PERIOD + (1 << 20)) // len(a))
    return (a * reps)[:_PERIOD + (1 << 20)]


class PatternStream(io.RawIOBase):
    """``size`` bytes of a seeded pattern; position ``p`` holds ``block[p % PERIOD]``."""

    def __init__(self, size: int, seed: int) -> None:
        super().__init__()
        self._size = size
        self._pos = 0
        self._data = _block(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self._size - self._pos, 1 << 20)
        if n <= 0:
            return 0
        start = self._pos % _PERIOD
        b[:n] = self._data[start:start + n]
        self._pos += n
        return n


def same_content(stream: BinaryIO, size: int, seed: int) -> bool:
    """True when ``stream`` holds exactly the pattern (compared chunk by chunk, to EOF)."""
    expected = PatternStream(size, seed)
    pos = 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            return pos == size and expected.read(1) == b""
        want = expected.read(len(chunk))
        if chunk != want:
            return False
        pos += len(chunk)
