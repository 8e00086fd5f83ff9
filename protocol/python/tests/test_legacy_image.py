"""An entrypoint written for the older flag convention (touch-ed flags, one-second polling, fixed
paths), run unchanged against the Python legacy client: PROTOCOL.md section 8 (mirrors
LegacyImageScriptTest.java)."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest

from conftest import LEGACY_IMAGE_SH
from sparksidecar import HandoffError, Volume, process_liveness


def test_unchanged_legacy_entrypoint_round_trips(base):
    script = base / "entrypoint.sh"
    shutil.copy(LEGACY_IMAGE_SH, script)
    vol = base / "shared"
    vol.mkdir()
    with open(base / "container.log", "wb") as log:
        image = subprocess.Popen(["sh", str(script)], env=dict(os.environ, LEGACY_VOLUME=str(vol)),
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        liveness = process_liveness(lambda: image.poll() is None, "the legacy image")
        with Volume.open_legacy(vol, extra_liveness=liveness) as volume:
            volume.await_agent(5)
            with volume.new_handoff() as h:
                h.write_input("infile.csv", b"fruit,count\napple,3\n").expect_output("outfile.csv")
                r = h.run(30)
                assert r.exit_code == 0
                assert h.read_lines("outfile.csv") == ["FRUIT,COUNT", "APPLE,3"]
                assert "legacy image: processing" in h.log()
                # hand-offs of one legacy volume are serialised: a second one waits its turn
                with pytest.raises(HandoffError, match="stayed busy"):
                    volume.new_handoff(timeout=0.2)
        assert image.wait(10) == 0, "the image exits after close_flag"
        assert not (vol / "infile.csv").exists()
        assert not (vol / "outfile.csv").exists()
    finally:
        image.kill()
        image.wait()


def test_a_legacy_image_that_dies_fails_the_waiting_call(base):
    vol = base / "shared"
    vol.mkdir()
    image = subprocess.Popen(["sh", "-c", "sleep 0.3; exit 1"])
    try:
        with Volume.open_legacy(vol, extra_liveness=process_liveness(lambda: image.poll() is None,
                                                                     "the legacy image")) as volume:
            with volume.new_handoff() as h:
                h.write_input("infile.csv", b"x")
                with pytest.raises(HandoffError, match="legacy image is not running"):
                    h.run(20)
    finally:
        image.kill()
        image.wait()


def test_legacy_hand_offs_from_many_threads_take_turns(base):
    """A stand-in legacy agent loop (one hand-off per life, restarted by the 'runtime'), many threads."""
    vol = base / "shared"
    vol.mkdir()
    stop = threading.Event()

    def agent():
        while not stop.is_set():
            if (vol / "start_flag").exists() and not (vol / "done_flag").exists():
                data = (vol / "in").read_bytes()
                (vol / "out").write_bytes(data.upper())
                (vol / ".done.tmp").write_text("exit=0\n")
                os.rename(vol / ".done.tmp", vol / "done_flag")
            stop.wait(0.005)
    t = threading.Thread(target=agent, daemon=True)
    t.start()
    results = {}

    def client(i):
        with volume.new_handoff() as h:
            h.write_input("in", b"payload-%d" % i).expect_output("out")
            h.run(20)
            results[i] = h.read_output("out")
    try:
        with Volume.open_legacy(vol) as volume:
            threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(30)
        assert results == {i: b"PAYLOAD-%d" % i for i in range(8)}
    finally:
        stop.set()
        t.join(2)
