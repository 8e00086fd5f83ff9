"""Shared marker and checksum test vectors (tests/vectors/, described by expected.json). The Java
suite is meant to read the same files, so both implementations agree on the wire format."""
from __future__ import annotations

import json
import os

import pytest

from conftest import HERE
from sparksidecar import HandoffError, HandoffResult, Marker, new_digest, parse_done_flag

VECTORS = HERE / "vectors"
EXPECTED = json.loads((VECTORS / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED["markers"]))
def test_marker_vector(name):
    spec = EXPECTED["markers"][name]
    raw = (VECTORS / name).read_bytes()
    marker = Marker.parse(raw.decode("utf-8"))
    if spec.get("canonical"):
        assert marker.format().encode("utf-8") == raw, "parse + format round-trips byte for byte"
        assert Marker.parse(marker.format()) == marker
    if spec["kind"] == "queue":
        assert marker.get("protocol") == "1" and marker.get("id") == spec["id"]
        inputs = [v.split(" ", 1) for v in marker.all("input")]
        assert [[int(s), n] for s, n in inputs] == spec["inputs"]
        assert marker.all("expect") == spec["expect"]
    elif spec["kind"] == "done":
        r = HandoffResult.from_marker(spec["id"], marker)
        assert (r.status, r.exit_code, r.started_millis, r.finished_millis, r.error, r.log_bytes) == (
            spec["status"], spec["exit"], spec["started"], spec["finished"], spec["error"], spec["log_bytes"])
        assert [(o.name, o.size, o.algorithm, o.checksum) for o in r.outputs] == [
            (o["name"], o["size"], o["algorithm"], o["checksum"]) for o in spec["outputs"]]
        for o in spec["outputs"]:  # the manifest really describes the content
            d = new_digest(o["algorithm"])
            d.update(o["content_utf8"].encode("utf-8"))
            assert d.hexdigest() == o["checksum"], o["name"]
        if spec.get("canonical"):
            assert r.to_marker().format().encode("utf-8") == raw, "the result writes the same marker back"
    else:
        with pytest.raises(HandoffError) as e:
            HandoffResult.from_marker(spec["id"], marker)
        for part in spec["error_contains"]:
            assert part in str(e.value)


@pytest.mark.parametrize("name", sorted(EXPECTED["legacy_done_flags"]))
def test_legacy_done_flag_vector(name):
    assert parse_done_flag((VECTORS / name).read_bytes().decode("utf-8")) == EXPECTED["legacy_done_flags"][name]


def _data(c):
    return c["utf8"].encode("utf-8") if "utf8" in c else bytes(i % 251 for i in range(100000))


@pytest.mark.parametrize("index", range(len(EXPECTED["checksums"])))
@pytest.mark.parametrize("algorithm", ["crc32c", "sha256", "cksum"])
def test_checksum_vector(index, algorithm):
    c = EXPECTED["checksums"][index]
    d = new_digest(algorithm)
    d.update(_data(c))
    assert d.hexdigest() == c[algorithm]


def test_every_vector_file_is_described():
    described = set(EXPECTED["markers"]) | set(EXPECTED["legacy_done_flags"]) | {"expected.json", "config.json", "latency_buckets.json"}
    assert set(os.listdir(VECTORS)) == described
