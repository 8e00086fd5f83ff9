"""Streaming text through a sidecar: a long iterator of lines fed through a sequence of hand-offs,
the command running on one chunk while the task writes the next (what ``rdd.pipe`` gets from a pipe).

A v1 hand-off runs its command only once its inputs are complete, so one hand-off per partition
puts the command *after* the task has written everything: the two never overlap. :func:`stream_lines`
cuts the lines into chunks of ``chunk_lines``, starts a hand-off per chunk and, while up to
``in_flight`` of them run, writes the next; it yields each chunk's output lines in input order, so
memory stays bounded by ``in_flight + 1`` chunks whatever the partition size.

It fits any command whose result over the whole input can be put together from its results over
consecutive pieces: filters and per-line transforms (the outputs just follow one another),
counts and sums (add up the per-chunk results, e.g. with ``reduceByKey``), per-chunk sorts merged
later. Used as ``sidecar().stream_lines(...)`` in a task, or with a :class:`~sparksidecar.Volume`'s
``new_handoff``.
"""
from __future__ import annotations

import collections
import itertools
import sys
from typing import Callable, Deque, Iterable, Iterator, Optional

from .errors import HandoffError
from .volume import Handoff

__all__ = ["stream_lines", "DEFAULT_CHUNK_LINES", "DEFAULT_IN_FLIGHT"]

#: Lines per hand-off: large enough that the per-request cost (a few ms) vanishes, small enough
#: that the command of the last chunk, which nothing overlaps, is short.
DEFAULT_CHUNK_LINES = 250_000
#: Hand-offs that may run while the next chunk is written (match the agent's concurrency).
DEFAULT_IN_FLIGHT = 2


def stream_lines(new_handoff: Callable[[], Handoff], lines: Iterable[str], input_name: str = "in.txt",
                 output_name: str = "out.txt", *, chunk_lines: int = DEFAULT_CHUNK_LINES,
                 in_flight: int = DEFAULT_IN_FLIGHT, timeout: Optional[float] = None) -> Iterator[str]:
    """Feeds ``lines`` (text, without line ends) through hand-offs of up to ``chunk_lines`` lines,
    each written as the input ``input_name`` (UTF-8, ``\\n`` after every line), and yields the
    lines of each one's output ``output_name`` (declared with ``expect_output``, verified against
    the manifest), chunk after chunk in input order.

    While the next chunk is written, up to ``in_flight`` earlier hand-offs run; a finished one is
    read before the next chunk is cut. ``timeout`` bounds each hand-off's wait (seconds, ``None``:
    no limit). No lines at all make no hand-off. Blocks the calling thread while it waits; a
    failing hand-off raises its :class:`~sparksidecar.HandoffError` (exit code, log tail) from the
    iteration, and leaving the iteration early (an exception, ``close()``) cancels and removes the
    hand-offs still running. ``new_handoff`` is called once per chunk (e.g. ``volume.new_handoff``)."""
    if chunk_lines < 1:
        raise ValueError("chunk_lines must be >= 1, got %r" % (chunk_lines,))
    if in_flight < 1:
        raise ValueError("in_flight must be >= 1, got %r" % (in_flight,))
    return _stream(new_handoff, iter(lines), input_name, output_name, chunk_lines, in_flight, timeout)


def _stream(new_handoff: Callable[[], Handoff], lines: Iterator[str], input_name: str, output_name: str,
            chunk_lines: int, in_flight: int, timeout: Optional[float]) -> Iterator[str]:
    running: Deque[Handoff] = collections.deque()
    try:
        while True:
            chunk = list(itertools.islice(lines, chunk_lines))
            if not chunk:
                break
            h = new_handoff()
            running.append(h)
            h.write_lines(input_name, chunk).expect_output(output_name).start()
            del chunk
            while len(running) > in_flight:
                yield from _collect(running.popleft(), output_name, timeout)
        while running:
            yield from _collect(running.popleft(), output_name, timeout)
    finally:
        errors = []
        for h in running:  # left early: cancel what still runs, remove what it left
            try:
                h.close()
            except HandoffError as e:
                errors.append(e)
        running.clear()
        if errors and sys.exc_info()[0] is None:
            raise errors[0]


def _collect(h: Handoff, output_name: str, timeout: Optional[float]) -> Iterator[str]:
    with h:
        h.await_result(timeout)
        yield from h.iter_lines(output_name)
