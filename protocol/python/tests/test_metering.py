"""The Python client's hand-off meter: what the executor plugin sums into its health reports, so
that the driver's hand-off metrics count Python tasks' hand-offs (``sparksidecar._metering``)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sparksidecar import HandoffError
from sparksidecar._metering import FLUSH_SECONDS, HandoffMeter, bucket

VECTORS = Path(__file__).resolve().parent / "vectors" / "latency_buckets.json"


def parse(line: str) -> dict:
    fields = dict(f.split("=", 1) for f in line.split())
    return {"done": int(fields["done"]), "failed": int(fields["failed"]), "bytes_in": int(fields["bytes_in"]),
            "bytes_out": int(fields["bytes_out"]),
            "latency": {int(b): int(c) for b, c in (p.split(":") for p in fields["latency"].split(",") if p)}}


def test_latency_buckets_are_the_plugins():
    for case in json.loads(VECTORS.read_text())["cases"]:
        assert bucket(case["nanos"] / 1e9) == case["bucket"], case


def test_completed_and_failed_handoffs_are_counted_with_bytes_and_latency(harness, tmp_path):
    meter = HandoffMeter(str(tmp_path))
    volume = harness.agent_and_volume(2, meter=meter)
    with volume.new_handoff() as h:
        h.write_input("mode", b"echo").write_input("data", b"a,b\n1,2\n").expect_output("result")
        h.run(60)
    with volume.new_handoff() as h:
        h.write_input("mode", b"exit").write_input("code", b"3")
        with pytest.raises(HandoffError):
            h.run(60)
    meter.flush()
    t = parse((tmp_path / os.path.basename(meter.path)).read_text())
    assert (t["done"], t["failed"]) == (1, 1)
    assert t["bytes_in"] == len(b"echo") + len(b"a,b\n1,2\n") + len(b"exit") + len(b"3")
    assert t["bytes_out"] == len(b"a,b\n1,2\n"), "the echoed output, as the manifest sizes it"
    assert sum(t["latency"].values()) == 1, "latency of the completed hand-off only"
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == [], "no temporary file left"


def test_a_burst_is_written_at_once_then_by_the_timer(tmp_path):
    meter = HandoffMeter(str(tmp_path))
    meter.succeeded(0.002, 10, 20)  # the first write is immediate
    assert parse(Path(meter.path).read_text())["done"] == 1
    for _ in range(5):
        meter.succeeded(0.002, 10, 20)  # within FLUSH_SECONDS: left to the timer
    import time
    deadline = time.monotonic() + 10 * FLUSH_SECONDS + 2
    while parse(Path(meter.path).read_text())["done"] != 6:
        assert time.monotonic() < deadline, "the timer wrote the burst's totals"
        time.sleep(0.05)
    t = parse(Path(meter.path).read_text())
    assert (t["bytes_in"], t["bytes_out"], t["latency"]) == (60, 120, {bucket(0.002): 6})
