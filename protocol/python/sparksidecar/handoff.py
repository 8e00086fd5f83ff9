"""Input writing and verified output reading shared by the v1 and legacy hand-offs."""
from __future__ import annotations

import contextlib
import errno
import io
import itertools
import os
import shutil
import stat
import time
from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, TypeVar, Union

from . import _files
from ._metering import HandoffMeter
from .checksum import new_digest
from .errors import NO_EXIT_CODE, HandoffError
from .names import check_name, create_parents, resolve_inside
from .result import HandoffResult, OutputEntry

__all__ = ["BaseHandoff", "VerifyingReader"]

_CHUNK = 1 << 20
_DIGEST_BATCH = 4 << 20  # the pure-Python CRCs are fastest on large pieces
_LINE_BATCH = 4096  # lines joined per write by write_lines
_TEXT_CHUNK = 256 << 10  # characters split per step by iter_lines
_WHOLE_READ = 16 << 20  # read_output reads outputs up to this size with plain system calls
_OPEN_OUTPUT = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)

BytesLike = Union[bytes, bytearray, memoryview]
_H = TypeVar("_H", bound="BaseHandoff")


class VerifyingReader(io.RawIOBase):
    """Passes an output's bytes through while checksumming them; at end of file it compares size
    and checksum with the manifest and raises :class:`HandoffError` (naming request and output)
    on any mismatch, so a caller that reads to the end never consumed unverified data as complete.
    With ``entry=None`` (legacy mode, no manifest) it only passes bytes through."""

    def __init__(self, raw: io.FileIO, request_id: str, name: str, entry: Optional[OutputEntry]) -> None:
        super().__init__()
        self._raw = raw
        self._request_id = request_id
        self._name = name
        self._entry = entry
        self._digest = new_digest(entry.algorithm) if entry is not None else None
        self._pending = bytearray()
        self._count = 0
        self._verified = entry is None

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        if n is None:
            return None  # type: ignore[return-value]
        if n == 0:
            if len(buffer) > 0:
                self._verify()
            return 0
        if self._entry is not None:
            self._count += n
            if self._count > self._entry.size:
                raise self._mismatch("is longer than the %d bytes in the manifest" % self._entry.size)
            data = memoryview(buffer)[:n]
            digest = self._digest
            assert digest is not None
            if not self._pending and n >= _DIGEST_BATCH:
                digest.update(data)
            else:
                self._pending += data
                if len(self._pending) >= _DIGEST_BATCH:
                    digest.update(self._pending)
                    self._pending = bytearray()
        return n

    def readall(self) -> bytes:
        out = bytearray()
        try:
            left = os.fstat(self._raw.fileno()).st_size - self._raw.tell()
        except OSError:
            left = _CHUNK
        buf = bytearray(max(io.DEFAULT_BUFFER_SIZE, min(_CHUNK, left + 1)))
        while True:
            n = self.readinto(buf)
            if not n:
                return bytes(out)
            out += memoryview(buf)[:n]

    def _verify(self) -> None:
        if self._verified:
            return
        entry = self._entry
        assert entry is not None and self._digest is not None
        if self._pending:
            self._digest.update(self._pending)
            self._pending = bytearray()
        if self._count != entry.size:
            raise self._mismatch("has %d bytes, the manifest says %d" % (self._count, entry.size))
        actual = self._digest.hexdigest()
        if actual != entry.checksum:
            raise self._mismatch("has %s %s, the manifest says %s" % (entry.algorithm, actual, entry.checksum))
        self._verified = True

    @property
    def verified(self) -> bool:
        """True once the end was reached and size and checksum matched (always True without a manifest)."""
        return self._verified

    def _mismatch(self, what: str) -> HandoffError:
        return _mismatch(self._request_id, self._name, what)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class BaseHandoff:
    """One request: write inputs, :meth:`start`, :meth:`await_result`, read verified outputs,
    :meth:`close`. A hand-off belongs to one thread at a time; different hand-offs of one volume
    may be used from many threads at once. Every method raises :class:`HandoffError` naming the
    request id and the offending name. Use it as a context manager: leaving the block cancels a
    request still running and removes everything it left on the volume."""

    def __init__(self, request_id: str, log_tail_lines: int, max_output_bytes: Optional[int],
                 meter: Optional[HandoffMeter] = None) -> None:
        self._id = request_id
        self._meter = meter
        self._started_at = 0.0
        self._log_tail_lines = log_tail_lines
        self._max_output_bytes = max_output_bytes
        self._inputs: Dict[str, int] = {}
        self._expected: List[str] = []
        self._open_inputs = 0
        self._started = False
        self._result: Optional[HandoffResult] = None
        self._closed = False

    # ---- to be provided by the mode ------------------------------------------------------
    def _input_dir(self) -> str:
        raise NotImplementedError

    def _output_dir(self) -> str:
        raise NotImplementedError

    def _log_path(self) -> str:
        raise NotImplementedError

    def _do_start(self) -> None:
        raise NotImplementedError

    def _do_await(self, timeout: Optional[float]) -> HandoffResult:
        raise NotImplementedError

    def _manifest_entry(self, name: str) -> Optional[OutputEntry]:
        raise NotImplementedError

    def output_names(self) -> List[str]:
        """The names of the outputs of a successful request."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # ---- basics --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The request id."""
        return self._id

    @property
    def result(self) -> Optional[HandoffResult]:
        """The result once :meth:`await_result` returned (``None`` before)."""
        return self._result

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<%s %s>" % (type(self).__name__, self._id)

    # ---- inputs ----------------------------------------------------------------------------
    def write_input(self: _H, name: str, data: Union[BytesLike, BinaryIO]) -> _H:
        """Writes an input atomically (temporary name, then rename) from bytes or a binary stream
        (read in 1 MiB chunks, never loaded whole; the stream is not closed). Returns ``self``."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            view = memoryview(data).cast("B")

            def write_bytes(fd: int) -> None:
                v = view
                while v:
                    v = v[os.write(fd, v):]
            return self._write_with(name, write_bytes, view.nbytes)
        if hasattr(data, "readinto") or hasattr(data, "read"):
            return self.write_input_stream(name, data)
        raise TypeError("request %s: input '%s' must be bytes-like or a binary stream, got %s"
                        % (self._id, name, type(data).__name__))

    def write_input_stream(self: _H, name: str, stream: BinaryIO) -> _H:
        """Streams an input in from a binary stream; nothing is loaded whole. Does not close it."""
        def write_stream(fd: int) -> None:
            while True:
                chunk = stream.read(_CHUNK)
                if chunk is None:
                    continue
                if not chunk:
                    return
                if isinstance(chunk, str):
                    raise TypeError("input '%s': the stream yields str, a binary stream is needed" % name)
                v = memoryview(chunk)
                while v:
                    v = v[os.write(fd, v):]
        return self._write_with(name, write_stream)

    def write_input_file(self: _H, name: str, source: Union[str, "os.PathLike[str]"]) -> _H:
        """Copies a file in as an input (in the kernel where possible: sendfile)."""
        source = os.fspath(source)
        if not os.path.isfile(source):
            raise HandoffError("request %s: input source %s for '%s' is not a readable regular file"
                               % (self._id, source, name), self._id)

        def copy(fd: int) -> None:
            with open(source, "rb") as src:
                size = os.fstat(src.fileno()).st_size
                offset = 0
                try:
                    while offset < size:
                        n = os.sendfile(fd, src.fileno(), offset, min(size - offset, 1 << 30))
                        if n == 0:
                            break
                        offset += n
                except OSError:
                    if offset:
                        raise
                    src.seek(0)
                    with os.fdopen(os.dup(fd), "wb") as dst:
                        shutil.copyfileobj(src, dst, _CHUNK)
        return self._write_with(name, copy)

    def write_lines(self: _H, name: str, lines: Iterable[str]) -> _H:
        """Writes text lines (UTF-8, each followed by ``\\n``)."""
        def write(fd: int) -> None:
            with os.fdopen(os.dup(fd), "w", encoding="utf-8", newline="\n", buffering=_CHUNK) as w:
                it = iter(lines)
                while True:  # batches: one join and one write per _LINE_BATCH lines, not two writes a line
                    batch = list(itertools.islice(it, _LINE_BATCH))
                    if not batch:
                        return
                    batch.append("")
                    w.write("\n".join(batch))
        return self._write_with(name, write)

    def write_input_with(self: _H, name: str, writer: Callable[[BinaryIO], Any]) -> _H:
        """Calls ``writer(file)`` with a binary file to fill; the input is published (renamed into
        place) only when ``writer`` returns normally: the entire input or nothing. An exception
        from ``writer`` deletes the temporary file and propagates unchanged."""
        with self.open_input(name) as f:
            writer(f)
        return self

    @contextlib.contextmanager
    def open_input(self, name: str) -> Iterator[BinaryIO]:
        """A context manager yielding a binary file for an input. The input becomes visible
        (renamed into place) only when the ``with`` block exits cleanly; on an exception the
        temporary file is deleted and the input does not exist. :meth:`start` refuses to run while
        such a block is open."""
        target = self._input_target(name)
        temp = _files.temp_sibling(target)
        try:
            fd = _files.create_new(temp)
        except OSError as e:
            raise HandoffError("request %s: cannot create input '%s' at %s: %s" % (self._id, name, temp, e),
                               self._id) from e
        f = os.fdopen(fd, "wb", buffering=_CHUNK)
        self._open_inputs += 1
        try:
            try:
                yield f
            except BaseException:
                f.close()
                _files.unlink_quietly(temp)
                raise
            try:
                if not f.closed:
                    f.close()
                size = os.lstat(temp).st_size
                _files.publish(temp, target)
            except OSError as e:
                _files.unlink_quietly(temp)
                raise HandoffError("request %s: cannot write input '%s' to %s: %s" % (self._id, name, target, e),
                                   self._id) from e
            self._inputs[name] = size
        finally:
            self._open_inputs -= 1

    def expect_output(self: _H, name: str) -> _H:
        """Declares an output that must exist for the request to succeed."""
        self._require(not self._started, "outputs can only be declared before start()")
        check_name(self._id, name)
        self._expected.append(name)
        return self

    def _write_with(self: _H, name: str, fill: Callable[[int], None], known_size: int = -1) -> _H:
        target = self._input_target(name)
        temp = _files.temp_sibling(target)
        try:
            fd = _files.create_new(temp)
            try:
                fill(fd)
                size = known_size if known_size >= 0 else os.fstat(fd).st_size
            finally:
                os.close(fd)
            _files.publish(temp, target)
        except OSError as e:
            _files.unlink_quietly(temp)
            raise HandoffError("request %s: cannot write input '%s' to %s: %s" % (self._id, name, target, e),
                               self._id) from e
        except BaseException:
            _files.unlink_quietly(temp)
            raise
        self._inputs[name] = size
        return self

    def _input_target(self, name: str) -> str:
        self._require(not self._started, "inputs can only be written before start()")
        check_name(self._id, name)
        if name in self._inputs:
            raise self._error("input '%s' was already written" % name)
        try:
            create_parents(self._input_dir(), self._id, name)
        except OSError as e:
            raise self._error("cannot create the directories of input '%s': %s" % (name, e)) from e
        # the leaf is written by rename(2), which replaces a planted link instead of following it
        return os.path.join(self._input_dir(), name)

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Announces that the inputs are complete; the agent may run the request from now on."""
        self._require(not self._started, "start() was already called")
        self._require(self._open_inputs == 0,
                      "%d input stream(s) are still open; finish them before start()" % self._open_inputs)
        self._started = True
        self._started_at = time.monotonic()
        try:
            self._do_start()
        except OSError as e:
            raise self._error("cannot start: %s" % e) from e

    def await_result(self, timeout: Optional[float] = None) -> HandoffResult:
        """Blocks until the request finishes, the agent is gone, or ``timeout`` seconds pass
        (``None``: no limit). Returns the result when the command exited 0 and every check passed;
        otherwise raises :class:`HandoffError` with the exit code and the log tail (and cancels
        the request on timeout)."""
        self._require(self._started, "await_result() before start()")
        if self._result is None:
            try:
                self._result = self._do_await(timeout)
            except BaseException:
                self._metered(None)
                raise
            self._metered(self._result)
        r = self._result
        if not r.ok:
            tail = self.log_tail()
            exit_part = "" if r.exit_code == NO_EXIT_CODE else " (exit code %d)" % r.exit_code
            raise HandoffError("request %s %s%s: %s%s" % (self._id, r.status, exit_part, r.error, _tail_section(tail)),
                               self._id, r.exit_code, tail)
        return r

    def _metered(self, r: Optional[HandoffResult]) -> None:
        """Counts this hand-off's outcome once (success only with status ok, as the Java client)."""
        meter, self._meter = self._meter, None
        if meter is None:
            return
        bytes_in = sum(self._inputs.values())
        if r is not None and r.ok:
            meter.succeeded(time.monotonic() - self._started_at, bytes_in, sum(o.size for o in r.outputs))
        else:
            meter.failed(bytes_in)

    def run(self, timeout: Optional[float] = None) -> HandoffResult:
        """:meth:`start` then :meth:`await_result`."""
        self.start()
        return self.await_result(timeout)

    # ---- outputs -----------------------------------------------------------------------------
    def open_output(self, name: str) -> io.BufferedReader:
        """A binary stream over an output that verifies size and checksum as it reaches the end
        (raising :class:`HandoffError` there on a mismatch). Use it as a context manager."""
        return self._reader(name, *self._open_output_fd(name))

    def _reader(self, name: str, fd: int, size: int, entry: Optional[OutputEntry]) -> io.BufferedReader:
        raw = io.FileIO(fd, "rb", closefd=True)
        buffer_size = max(io.DEFAULT_BUFFER_SIZE, min(_CHUNK, size + 1))  # small outputs, small buffers
        return io.BufferedReader(VerifyingReader(raw, self._id, name, entry), buffer_size=buffer_size)

    def read_output(self, name: str) -> bytes:
        """The whole (verified) output in memory."""
        fd, size, entry = self._open_output_fd(name)
        if size > _WHOLE_READ:
            with self._reader(name, fd, size, entry) as f:
                return f.read()
        try:
            data = os.read(fd, size + 1)  # one more byte: an output that grew is noticed
            while True:
                more = os.read(fd, _CHUNK)
                if not more:
                    break
                data += more
                if len(data) > _WHOLE_READ + 1:
                    break
        except OSError as e:
            raise self._error("cannot read output '%s': %s" % (name, e)) from e
        finally:
            os.close(fd)
        if entry is not None:
            if len(data) != entry.size:
                raise _mismatch(self._id, name, "has %d bytes, the manifest says %d" % (len(data), entry.size))
            digest = new_digest(entry.algorithm)
            digest.update(data)
            actual = digest.hexdigest()
            if actual != entry.checksum:
                raise _mismatch(self._id, name, "has %s %s, the manifest says %s"
                                % (entry.algorithm, actual, entry.checksum))
        return data

    def iter_lines(self, name: str) -> Iterator[str]:
        """The output's text lines (UTF-8, universal newlines, line ends stripped), streamed; the
        last iteration step raises if verification fails."""
        with io.TextIOWrapper(self.open_output(name), encoding="utf-8", newline=None) as text:
            rest = ""
            while True:  # split chunks (newlines already translated), not a readline a line
                chunk = text.read(_TEXT_CHUNK)
                if not chunk:
                    break
                lines = (rest + chunk).split("\n") if rest else chunk.split("\n")
                rest = lines.pop()
                yield from lines
            if rest:
                yield rest

    def read_lines(self, name: str) -> List[str]:
        """All text lines of the (verified) output."""
        return list(self.iter_lines(name))

    def copy_output(self, name: str, target: Union[str, "os.PathLike[str]"]) -> None:
        """Copies an output to ``target``: written under a temporary name, verified, then renamed."""
        target = os.path.abspath(os.fspath(target))
        temp = _files.temp_sibling(target)
        with self.open_output(name) as src:
            try:
                fd = _files.create_new(temp)
                with os.fdopen(fd, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
                _files.publish(temp, target)
            except OSError as e:
                _files.unlink_quietly(temp)
                raise self._error("cannot copy output '%s' to %s: %s" % (name, target, e)) from e
            except BaseException:
                _files.unlink_quietly(temp)
                raise

    def log(self) -> str:
        """The request's whole log (stdout and stderr of the command), UTF-8."""
        try:
            with open(self._log_path(), "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        except OSError as e:
            raise self._error("cannot read the request log %s: %s" % (self._log_path(), e)) from e

    def log_tail(self, lines: Optional[int] = None) -> str:
        """The last lines of the request log (the volume's ``log_tail_lines`` by default)."""
        return _files.tail(self._log_path(), self._log_tail_lines if lines is None else lines)

    def _open_output_fd(self, name: str) -> Tuple[int, int, Optional[OutputEntry]]:
        """Opens an output that may be read now (the request succeeded, the name is safe, it is in
        the manifest, a regular file and not a link, not over the size limit): ``(fd, size, entry)``."""
        self._require(self._result is not None and self._result.ok,
                      "outputs can only be read after a successful await_result()")
        check_name(self._id, name)
        entry = self._manifest_entry(name)
        limit = self._max_output_bytes
        if entry is not None and limit is not None and entry.size > limit:
            raise self._error("output '%s' has %d bytes, over the limit of %d" % (name, entry.size, limit))
        parent, _, leaf = name.rpartition("/")
        directory = resolve_inside(self._output_dir(), self._id, parent or None)
        path = os.path.join(directory, leaf)
        try:  # O_NOFOLLOW: a link fails (ELOOP); O_NONBLOCK: a FIFO does not block the open
            fd = os.open(path, _OPEN_OUTPUT)
        except FileNotFoundError:
            raise self._error("output '%s' does not exist (%s)" % (name, path)) from None
        except OSError as e:
            if e.errno == errno.ELOOP or os.path.islink(path):
                raise self._error("refused output '%s': %s is a symbolic link" % (name, path)) from None
            raise self._error("cannot open output '%s': %s" % (name, e)) from e
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise self._error("output '%s' is not a regular file (%s)" % (name, path))
            if limit is not None and st.st_size > limit:
                raise self._error("output '%s' has %d bytes, over the limit of %d" % (name, st.st_size, limit))
        except BaseException:
            os.close(fd)
            raise
        return fd, st.st_size, entry

    def _require(self, ok: bool, what: str) -> None:
        if self._closed:
            raise self._error("the hand-off is closed")
        if not ok:
            raise self._error(what)

    def _error(self, message: str) -> HandoffError:
        return HandoffError("request %s: %s" % (self._id, message), self._id,
                            NO_EXIT_CODE if self._result is None else self._result.exit_code)


def _mismatch(request_id: str, name: str, what: str) -> HandoffError:
    return HandoffError("request %s: output '%s' %s (changed or truncated after the agent finished)"
                        % (request_id, name, what), request_id)


def _tail_section(tail: str) -> str:
    return "\n--- last lines of the request log ---\n" + tail if tail else ""
