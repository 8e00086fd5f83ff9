"""What a finished request reported: status, exit code, timing, error and output manifest."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from .checksum import ALGORITHMS
from .errors import NO_EXIT_CODE, HandoffError
from .marker import Marker
from .names import check_name

__all__ = ["OutputEntry", "HandoffResult", "PROTOCOL_VERSION", "OK", "FAILED", "REJECTED", "CANCELLED"]

PROTOCOL_VERSION = "1"
OK, FAILED, REJECTED, CANCELLED = "ok", "failed", "rejected", "cancelled"


@dataclass(frozen=True)
class OutputEntry:
    """One manifest line: ``output=<size> <algorithm>:<hex> <name>``."""

    name: str
    size: int
    algorithm: str
    checksum: str

    @classmethod
    def parse(cls, request_id: str, value: str) -> "OutputEntry":
        """Parses a manifest value; raises naming the request and the line when malformed."""
        parts = value.split(" ", 2)
        colon = parts[1].find(":") if len(parts) == 3 else -1
        if colon < 0:
            raise HandoffError("request %s: malformed manifest line 'output=%s'" % (request_id, value), request_id)
        try:
            size = int(parts[0])
        except ValueError:
            raise HandoffError("request %s: bad size in manifest line 'output=%s'" % (request_id, value),
                               request_id) from None
        if size < 0:
            raise HandoffError("request %s: bad size in manifest line 'output=%s'" % (request_id, value), request_id)
        algorithm = parts[1][:colon]
        if algorithm not in ALGORITHMS:
            raise HandoffError("request %s: unknown checksum algorithm '%s' in manifest line 'output=%s' "
                               "(known: crc32c, sha256, cksum)" % (request_id, algorithm, value), request_id)
        name = check_name(request_id, parts[2])
        return cls(name, size, algorithm, parts[1][colon + 1:].lower())

    def format(self) -> str:
        return "%d %s:%s %s" % (self.size, self.algorithm, self.checksum, self.name)


@dataclass(frozen=True)
class HandoffResult:
    """The done marker of a request (PROTOCOL.md section 5 step 7)."""

    request_id: str
    status: str
    exit_code: int
    started_millis: int
    finished_millis: int
    error: str
    log_bytes: int
    outputs: List[OutputEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def duration(self) -> float:
        """How long the command ran, in seconds, as the agent measured it."""
        return max(0, self.finished_millis - self.started_millis) / 1000.0

    def output(self, name: str) -> Optional[OutputEntry]:
        for o in self.outputs:
            if o.name == name:
                return o
        return None

    @classmethod
    def from_marker(cls, request_id: str, marker: Marker) -> "HandoffResult":
        """Reads a done marker; raises on an unknown ``protocol`` value (section 9)."""
        protocol = marker.get("protocol")
        if protocol is not None and protocol.strip() != PROTOCOL_VERSION:
            raise HandoffError("request %s: done marker speaks protocol '%s', this client speaks %s"
                               % (request_id, protocol, PROTOCOL_VERSION), request_id)
        outputs = [OutputEntry.parse(request_id, v) for v in marker.all("output")]
        return cls(request_id, marker.require("status", "request " + request_id),
                   marker.get_int("exit", NO_EXIT_CODE), marker.get_int("started", 0),
                   marker.get_int("finished", 0), marker.get("error") or "", marker.get_int("log_bytes", 0),
                   outputs)

    def to_marker(self) -> Marker:
        pairs = [("protocol", PROTOCOL_VERSION), ("id", self.request_id), ("status", self.status),
                 ("exit", self.exit_code), ("started", self.started_millis), ("finished", self.finished_millis),
                 ("error", self.error), ("log_bytes", self.log_bytes)]
        pairs += [("output", o.format()) for o in self.outputs]
        return Marker.of(*pairs)
