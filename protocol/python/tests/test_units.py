"""Unit tests of the client pieces that need no agent: checksums, names, markers, options,
liveness and cancel timing against a hand-made volume, and packaging as a --py-files zip."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import PYTHON_DIR
from sparksidecar import (Crc32c, HandoffError, Marker, PosixCksum, Volume, VolumeOptions, check_id, crc32c, cksum,
                          name_problem)
from sparksidecar.checksum import _engine


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 2047, 2048, 2049, 8191, 8192, 8193, 100003, (4 << 20) + 5,
                               (9 << 20) + 1])
def test_fast_crc_kernels_match_the_table_loop(n):
    data = random.Random(n).randbytes(n) if hasattr(random.Random, "randbytes") else os.urandom(n)
    for name in ("crc32c", "cksum"):
        e = _engine(name)
        assert e.update(0, data) == e.raw_small(0, data), (name, n)


def test_crc_vectors_and_streaming_in_odd_pieces():
    assert crc32c(b"123456789") == 0xE3069283
    assert cksum(b"123456789") == 930766865
    data = os.urandom(3 << 20)
    whole = crc32c(data)
    d = Crc32c()
    pos = 0
    for size in [1, 7, 8192, 100000, 1 << 20, 5, 3 << 20]:
        d.update(data[pos:pos + size])
        pos += size
    assert d.value() == whole
    c = PosixCksum()
    c.update(memoryview(data)[:1000])
    c.update(memoryview(data)[1000:])
    assert c.value() == cksum(data)


@pytest.mark.skipif(shutil.which("cksum") is None, reason="no cksum tool")
def test_cksum_matches_the_posix_tool():
    data = os.urandom(200_001)
    out = subprocess.run(["cksum"], input=data, stdout=subprocess.PIPE, check=True).stdout.split()
    assert int(out[0]) == cksum(data) and int(out[1]) == len(data)


def test_crc32c_is_fast_enough_for_large_outputs():
    data = os.urandom(32 << 20)
    t = time.monotonic()
    d = Crc32c()
    for i in range(0, len(data), 4 << 20):
        d.update(data[i:i + (4 << 20)])
    rate = 32 / (time.monotonic() - t)
    print("crc32c: %.0f MB/s" % rate)
    assert rate > 10, "crc32c at %.1f MB/s" % rate


@pytest.mark.parametrize("bad,why", [("", "empty"), ("/abs", "absolute"), ("a/../b", "'..'"), ("a//b", "empty path"),
                                     (".x", "reserved"), ("a/.x", "reserved"), ("a\\b", "backslash"),
                                     ("a\nb", "LF"), ("a\0b", "NUL"), ("x" * 1025, "longer")])
def test_name_rules(bad, why):
    assert why in name_problem(bad)


def test_valid_names_and_ids():
    for good in ["a", "dir/sub/file.csv", "x-1_2.y", "ü.txt", "a" * 1024]:
        assert name_problem(good) is None, good
    check_id("r1-A.b_c")
    for bad in ["", "-x", ".x", "a/b", "a" * 129, "a b"]:
        with pytest.raises(HandoffError, match="invalid request id"):
            check_id(bad)


def test_marker_values_are_single_line():
    m = Marker.of(("error", "line one\r\nline two"), ("k", None))
    assert m.format() == "error=line one  line two\nk=\n"
    assert Marker.parse(m.format()) == m


def test_options_are_validated():
    with pytest.raises(ValueError):
        VolumeOptions(stale_after=0)
    with pytest.raises(ValueError):
        VolumeOptions(max_output_bytes=0)
    with pytest.raises(ValueError):
        VolumeOptions(poll_min=0.5, poll_max=0.1)


def _fake_agent(root, age: float = 0.0):
    hb = os.path.join(root, "agent", "heartbeat")
    with open(hb, "w") as f:
        f.write("1\n")
    t = time.time() - age
    os.utime(hb, (t, t))


def test_cancel_waits_the_agent_grace_from_agent_info(base):
    with Volume.open(base) as v:
        assert v.cancel_wait() == pytest.approx(2.0)
        Marker.of(("protocol", 1), ("agent", "x"), ("grace_ms", 250)).write_atomically(str(base / "agent" / "info"))
        assert v.cancel_wait() == pytest.approx(1.25)
    with Volume.open(base, cancel_wait=0.5) as v:
        assert v.cancel_wait() == 0.5


def test_before_the_first_heartbeat_a_request_waits_for_readiness(base):
    with Volume.open(base, cancel_wait=0.1) as v:
        with v.new_handoff() as h:
            h.write_input("a", b"x").start()
            with pytest.raises(HandoffError, match="timed out after 300 ms"):
                h.await_result(0.3)
            assert not (base / "queue" / h.id).exists(), "a request never claimed is unqueued"
    assert os.listdir(base / "requests") == [] and os.listdir(base / "queue") == []


def test_a_stale_or_stopped_agent_fails_waiters_at_once(base):
    with Volume.open(base) as v:
        _fake_agent(str(base))
        v.await_agent(1)
        with v.new_handoff() as h:
            h.write_input("a", b"x").start()
            _fake_agent(str(base), age=5)
            t = time.monotonic()
            with pytest.raises(HandoffError, match="heartbeat .* ms old") as e:
                h.await_result(10)
            assert time.monotonic() - t < 0.5 and h.id in str(e.value)
        _fake_agent(str(base))
        Marker.of(("reason", "out of memory")).write_atomically(str(base / "agent" / "stopped"))
        with v.new_handoff() as h:
            h.start()
            with pytest.raises(HandoffError, match="the agent stopped: out of memory"):
                h.await_result(10)
        with pytest.raises(HandoffError, match="no protocol agent became alive .* out of memory"):
            v.await_agent(0.1)
    assert (base / "client" / "closed").exists()


def test_a_done_marker_of_a_future_protocol_fails_naming_it(base):
    with Volume.open(base) as v:
        _fake_agent(str(base))
        with v.new_handoff("future") as h:
            h.start()
            (base / "done" / "future").write_text("protocol=2\nid=future\nstatus=ok\n")
            with pytest.raises(HandoffError, match="protocol '2'"):
                h.await_result(5)


def test_symlinked_input_parent_is_refused(base, tmp_path):
    with Volume.open(base, mark_closed=False) as v, v.new_handoff("links") as h:
        os.symlink(tmp_path, base / "requests" / "links" / "in" / "dir")
        with pytest.raises(HandoffError, match="request links: refused 'dir/x'.*symbolic link"):
            h.write_input("dir/x", b"x")
        assert os.listdir(tmp_path) == []
    assert not (base / "client" / "closed").exists(), "mark_closed=False leaves the agent running"


def test_ships_as_a_py_files_zip(tmp_path):
    archive = tmp_path / "sparksidecar.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in sorted(os.listdir(PYTHON_DIR / "sparksidecar")):
            if name.endswith(".py") or name == "py.typed":
                z.write(PYTHON_DIR / "sparksidecar" / name, "sparksidecar/" + name)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import sparksidecar; "
            "assert sparksidecar.__file__.startswith(sys.argv[1]), sparksidecar.__file__; "
            "print(hex(sparksidecar.crc32c(b'123456789')))")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(archive)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().strip() == "0xe3069283"


def test_nested_inputs_are_announced_in_the_start_marker(base):
    with Volume.open(base, mark_closed=False) as v, v.new_handoff("nested") as h:
        h.write_input("dir/sub/data.csv", b"abc").write_lines("lines", ["x", "y"]).expect_output("out/r.csv")
        assert (base / "requests" / "nested" / "in" / "dir" / "sub" / "data.csv").read_bytes() == b"abc"
        with pytest.raises(HandoffError, match="already written"):
            h.write_input("lines", b"again")
        h.start()
        m = Marker.read(str(base / "queue" / "nested"))
        assert m.get("protocol") == "1" and m.get("id") == "nested"
        assert m.all("input") == ["3 dir/sub/data.csv", "4 lines"] and m.all("expect") == ["out/r.csv"]
        with pytest.raises(HandoffError, match="before start"):
            h.write_input("late", b"x")
        assert [n for n in os.listdir(base / "requests" / "nested" / "in") if n.startswith(".")] == []


def test_a_missing_shell_skips_unless_ci_requires_it(monkeypatch):
    from conftest import require_shell
    monkeypatch.delenv("SIDECAR_REQUIRE_SHELLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        require_shell("no-such-shell-xyz")
    monkeypatch.setenv("SIDECAR_REQUIRE_SHELLS", "true")
    with pytest.raises(pytest.fail.Exception, match="SIDECAR_REQUIRE_SHELLS=true requires it"):
        require_shell("no-such-shell-xyz")


def _answer(base, request_id: str, outputs: dict) -> None:
    """A hand-made agent's answer: ``outputs`` (name -> bytes) in out/, then the done marker."""
    from sparksidecar.result import HandoffResult, OutputEntry
    out = base / "requests" / request_id / "out"
    out.mkdir()
    entries = []
    for name, data in outputs.items():
        (out / name).write_bytes(data)
        entries.append(OutputEntry(name, len(data), "crc32c", "%08x" % crc32c(data)))
    HandoffResult(request_id, "ok", 0, 1, 2, "", 0, entries).to_marker().write_atomically(
        str(base / "done" / request_id))


@pytest.mark.parametrize("watch", [True, False])
def test_text_lines_in_batches_and_out_in_chunks(base, watch):
    from sparksidecar import handoff
    lines = ["line %d %s" % (i, "x" * (i % 7)) for i in range(3 * handoff._LINE_BATCH + 5)] + ["", "last"]
    with Volume.open(base, watch=watch) as v:
        _fake_agent(str(base))
        with v.new_handoff("lines") as h:
            h.write_lines("in.txt", iter(lines))
            written = (base / "requests" / "lines" / "in" / "in.txt").read_text()
            assert written == "".join(line + "\n" for line in lines)
            h.start()
            # newlines of every kind, a \r\n across the chunk boundary, no newline at the end
            text = "a" * (handoff._TEXT_CHUNK - 1) + "\r\nb\rc\n\nd\r\n" + "e\n" * 100000 + "tail"
            _answer(base, "lines", {"out.txt": text.encode()})
            h.await_result(5)
            assert v._dispatcher.watching is watch
            got = list(h.iter_lines("out.txt"))
            assert got == ["a" * (handoff._TEXT_CHUNK - 1), "b", "c", "", "d"] + ["e"] * 100000 + ["tail"]
            (base / "requests" / "lines" / "out" / "out.txt").write_bytes(text.encode()[:-1] + b"X")
            with pytest.raises(HandoffError, match="manifest"):
                h.read_lines("out.txt")


def test_completions_are_noticed_through_inotify_without_polling(base):
    with Volume.open(base, poll_max=5.0, poll_min=5.0) as v:  # a poll alone would take 5 s
        _fake_agent(str(base))
        assert v._dispatcher.watching, "inotify is available on Linux"
        for i in range(3):
            with v.new_handoff("fast-%d" % i) as h:
                h.start()
                t = time.monotonic()
                _answer(base, h.id, {})
                h.await_result(10)
                assert time.monotonic() - t < 1.0


def test_a_watch_that_misses_completions_falls_back_to_polling(base, monkeypatch):
    from sparksidecar import volume as volume_module

    class Deaf:
        """Like inotify on a file system whose changes it does not see: never announces anything."""

        def wait(self, timeout):
            time.sleep(timeout)
            return None

        def close(self):
            pass
    monkeypatch.setattr(volume_module.DirWatch, "open", classmethod(lambda cls, d: Deaf()))
    with Volume.open(base) as v:
        _fake_agent(str(base))
        assert v._dispatcher.watching
        for i in range(4):
            with v.new_handoff("deaf-%d" % i) as h:
                h.start()
                _answer(base, h.id, {})
                h.await_result(5)  # found by the look every poll_max all the same
        assert not v._dispatcher.watching, "after 3 unannounced completions the volume polls"


def test_a_finished_request_is_deleted_in_place_and_planted_links_are_never_followed(base, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data").write_text("keep")
    (outside / "out.txt").write_text("keep")
    with Volume.open(base) as v:
        _fake_agent(str(base))
        with v.new_handoff("plain") as h:
            h.write_input("data", b"x").start()
            (base / "requests" / "plain" / "claimed").write_text("id=plain\n")
            _answer(base, "plain", {"out.txt": b"y"})
            h.await_result(5)
        assert os.listdir(base / "requests") == [], "deleted by its known names at close, no trash left"
        assert not (base / "done" / "plain").exists()
        with v.new_handoff("evil") as h:
            h.write_input("data", b"x").start()
            _answer(base, "evil", {"out.txt": b"y"})
            h.await_result(5)
            for sub in ("in", "out"):  # what a hostile command could leave behind
                shutil.rmtree(base / "requests" / "evil" / sub)
                os.symlink(outside, base / "requests" / "evil" / sub)
    assert sorted(p.read_text() for p in outside.iterdir()) == ["keep", "keep"]
    assert os.listdir(base / "requests") == []


def test_deleting_a_request_tree_never_follows_a_link_not_even_one_swapped_in(tmp_path):
    from sparksidecar import _files
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    tree = tmp_path / "requests" / "r1"
    (tree / "out").mkdir(parents=True)
    (tree / "out" / "x").write_text("x")
    os.symlink(str(outside), str(tree / "out" / "link"))   # planted by a command
    _files.delete_recursively(str(tree))
    assert not tree.exists() and (outside / "precious.txt").read_text() == "keep me"
    swapped = tmp_path / "requests" / "r2"
    os.symlink(str(outside), str(swapped))                   # the request directory itself swapped for a link
    _files.delete_quietly(str(swapped))
    assert (outside / "precious.txt").read_text() == "keep me" and not swapped.exists()
