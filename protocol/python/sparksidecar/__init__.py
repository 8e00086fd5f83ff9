"""spark-sidecar shared-volume hand-off protocol, Python client (see protocol/PROTOCOL.md).

Pure standard library, Python >= 3.9. Typical use::

    from sparksidecar import Volume

    with Volume.open("/opt/sidecar/shared") as volume:
        volume.await_agent(30)
        with volume.new_handoff() as h:
            h.write_input("infile.csv", b"fruit,count\\napple,3\\n").expect_output("outfile.csv")
            h.run(timeout=300)
            for line in h.iter_lines("outfile.csv"):
                print(line)
"""
from __future__ import annotations

from .checksum import Crc32c, PosixCksum, Sha256, crc32c, cksum, new_digest
from .errors import NO_EXIT_CODE, HandoffError
from .handoff import BaseHandoff, VerifyingReader
from .legacy import LegacyHandoff, LegacyVolume, parse_done_flag
from .liveness import Heartbeat, Liveness, heartbeat_liveness, process_liveness
from .marker import Marker
from .names import check_id, check_name, name_problem
from .result import CANCELLED, FAILED, OK, PROTOCOL_VERSION, REJECTED, HandoffResult, OutputEntry
from .volume import Handoff, Volume, VolumeOptions
from .executor import ExecutorSidecar, SidecarError, SidecarInfo, find_discovery_file, sidecar
from .stream import stream_lines

__version__ = "0.1.0"

__all__ = [
    "sidecar", "ExecutorSidecar", "SidecarInfo", "SidecarError", "find_discovery_file",
    "stream_lines", "Volume", "VolumeOptions", "Handoff", "BaseHandoff", "LegacyVolume", "LegacyHandoff",
    "HandoffError", "NO_EXIT_CODE", "HandoffResult", "OutputEntry", "Marker", "VerifyingReader",
    "Heartbeat", "Liveness", "heartbeat_liveness", "process_liveness",
    "check_id", "check_name", "name_problem", "parse_done_flag",
    "Crc32c", "PosixCksum", "Sha256", "crc32c", "cksum", "new_digest",
    "PROTOCOL_VERSION", "OK", "FAILED", "REJECTED", "CANCELLED", "__version__",
]
