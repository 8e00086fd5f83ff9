"""stream_lines: a long iterator of lines through a stream of hand-offs against the real Java agent
(a command per request, concurrency 2) on a real volume."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterator, List

import pytest

from conftest import await_condition, require_java_agent
from sparksidecar import HandoffError, Volume, stream_lines

#: Upper-cases each chunk; a chunk containing the line "boom" fails with exit code 7.
COMMAND = ["sh", "-c", "if grep -qx boom in/in.txt; then echo 'boom seen'; exit 7; fi; "
                       "tr a-z A-Z < in/in.txt > out/out.txt"]


@pytest.fixture
def volume(base: Path) -> Iterator[Volume]:
    argv = require_java_agent() + ["--volume", str(base), "--concurrency", "2", "--grace-ms", "200", "--"] + COMMAND
    agent = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        with Volume.open(base) as v:
            v.await_agent(60)
            yield v
        agent.wait(20)  # client/closed stops it
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()


def test_every_chunk_comes_back_in_order_and_the_next_is_written_while_earlier_ones_run(volume: Volume) -> None:
    lines = ["line %d of the stream" % i for i in range(10_500)]
    made: List = []

    def new_handoff():
        h = volume.new_handoff()
        made.append(h)
        return h

    def feed() -> Iterator[str]:
        for i, line in enumerate(lines):
            if i and i % 1000 == 0:  # the first line of chunk i // 1000 is being cut
                started = [h for h in made if h._started]
                assert len(made) == i // 1000 and len(started) == len(made)
                running = [h for h in made if h.result is None and not h._closed]
                assert running, "the previous chunk was started, not awaited, before the next is written"
                assert len(running) <= 2, "at most in_flight hand-offs run while a chunk is written"
            yield line
    got = list(stream_lines(new_handoff, feed(), chunk_lines=1000, in_flight=2, timeout=60))
    assert got == [line.upper() for line in lines]
    assert len(made) == 11
    assert all(h._closed for h in made)
    assert os.listdir(os.path.join(volume.root, "requests")) == []
    assert os.listdir(os.path.join(volume.root, "done")) == []


def test_no_lines_make_no_handoff_and_bad_arguments_are_refused(volume: Volume) -> None:
    assert list(volume.stream_lines(iter([]))) == []
    assert os.listdir(os.path.join(volume.root, "requests")) == []
    with pytest.raises(ValueError, match="chunk_lines"):
        volume.stream_lines([], chunk_lines=0)
    with pytest.raises(ValueError, match="in_flight"):
        volume.stream_lines([], in_flight=0)


def test_a_failing_chunk_raises_its_exit_code_and_log_and_nothing_is_left(volume: Volume) -> None:
    lines = ["a"] * 2500 + ["boom"] + ["b"] * 2500
    got: List[str] = []
    with pytest.raises(HandoffError) as e:
        for line in volume.stream_lines(lines, chunk_lines=1000, timeout=60):
            got.append(line)
    assert e.value.exit_code == 7 and "boom seen" in str(e.value)
    assert got == ["A"] * 2000, "the chunks before the failing one were delivered, in order"
    assert os.listdir(os.path.join(volume.root, "requests")) == []


def test_leaving_early_cancels_and_removes_the_handoffs_still_running(volume: Volume) -> None:
    stream = volume.stream_lines(("x%d" % i for i in range(100_000)), chunk_lines=1000, in_flight=2, timeout=60)
    assert next(stream) == "X0"
    stream.close()
    requests = os.path.join(volume.root, "requests")
    await_condition(lambda: os.listdir(requests) == [], 10, "the running hand-offs were removed")
    assert os.listdir(os.path.join(volume.root, "queue")) == []
