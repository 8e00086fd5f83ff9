"""Temporary-name-then-rename writes, link-safe deletes and log tails (internal)."""
from __future__ import annotations

import itertools
import os
import secrets
import shutil
import stat
from typing import Iterable, Iterator, Optional, Tuple, Union

BUFFER = 1 << 20
_SMALL_READ = 64 * 1024

_token_prefix = ""
_token_counter: Iterator[int] = itertools.count()


def _reseed() -> None:
    """A fresh random prefix per process (also in a forked child: pyspark.daemon forks its workers)."""
    global _token_prefix, _token_counter
    _token_prefix = "%s%x" % (secrets.token_hex(4), os.getpid())
    _token_counter = itertools.count()


_reseed()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


def unique_token() -> str:
    """A name part unique on this host for this process's lifetime: random per process, then a
    counter (no system call per name; names are created with O_EXCL, so a clash fails, never mixes)."""
    return "%s-%x" % (_token_prefix, next(_token_counter))


def temp_sibling(target: str) -> str:
    """A hidden sibling of ``target`` (``.<name>.tmp.<token>``) to write before :func:`publish`."""
    head, tail = os.path.split(target)
    return os.path.join(head, ".%s.tmp.%s" % (tail, unique_token()))


def read_small(path: str) -> bytes:
    """The bytes of a small file (a marker) with plain system calls: open, read, close."""
    fd = os.open(path, os.O_RDONLY | _CLOEXEC)
    try:
        data = os.read(fd, _SMALL_READ)
        if len(data) < _SMALL_READ:
            return data
        parts = [data]
        while True:
            more = os.read(fd, BUFFER)
            if not more:
                return b"".join(parts)
            parts.append(more)
    finally:
        os.close(fd)


_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_NOFOLLOW | _CLOEXEC


def create_new(path: str) -> int:
    """Opens a new file for writing (fails if it exists, never follows a link)."""
    return os.open(path, _CREATE, 0o666)


def publish(temp: str, target: str) -> None:
    """Renames ``temp`` onto ``target`` atomically (rename(2) replaces a planted link, never follows it)."""
    os.rename(temp, target)


def write_atomically(target: str, data: Union[bytes, bytearray], temp: Optional[str] = None) -> None:
    """Writes ``data`` to a temporary file and renames it onto ``target``: a hidden sibling of
    ``target`` unless ``temp`` names another hidden path on the same file system."""
    if temp is None:
        temp = temp_sibling(target)
    try:
        fd = create_new(temp)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        finally:
            os.close(fd)
        publish(temp, target)
    except BaseException:
        unlink_quietly(temp)
        raise


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def delete_recursively(path: str) -> None:
    """Deletes ``path`` and everything below it without ever following a symbolic link, also one
    swapped in while it runs: directories are walked by descriptor (``shutil.rmtree``'s fd-based walk,
    which checks each directory it opens is the one it examined), never by path."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return
    for attempt in range(3):  # a concurrent writer may add a file: a few passes
        try:
            shutil.rmtree(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt == 2 or os.path.islink(path):
                raise


def delete_known(directory: str, files: Iterable[str], subdirectories: Iterable[Tuple[str, Iterable[str]]]) -> bool:
    """Deletes ``directory`` by the names it is known to hold, without listing it and without
    following any link: ``files`` directly in it, and for each ``(name, names)`` of
    ``subdirectories`` the single-component ``names`` in that subdirectory, then the subdirectory.
    Every step is relative to a descriptor opened with ``O_NOFOLLOW``, so a link planted anywhere
    is never followed. Missing names are fine. Returns False, with what was deleted staying
    deleted, as soon as anything is unexpected (a link, a directory where a file was known, an
    entry nobody announced): the caller then walks what is left with :func:`delete_recursively`."""
    try:
        top = os.open(directory, _DIRECTORY)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        for sub, names in subdirectories:
            try:
                fd = os.open(sub, _DIRECTORY, dir_fd=top)
            except FileNotFoundError:
                continue
            try:
                for name in names:
                    try:
                        os.unlink(name, dir_fd=fd)
                    except FileNotFoundError:
                        pass
            finally:
                os.close(fd)
            os.rmdir(sub, dir_fd=top)
        for name in files:
            try:
                os.unlink(name, dir_fd=top)
            except FileNotFoundError:
                pass
    except OSError:
        return False
    finally:
        os.close(top)
    try:
        os.rmdir(directory)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def delete_quietly(path: str) -> None:
    try:
        delete_recursively(path)
    except OSError:
        pass


def tail(path: str, lines: int) -> str:
    """The last ``lines`` lines of a text file, reading at most its last 64 KiB ("" if unreadable)."""
    if lines <= 0:
        return ""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            n = min(size, 64 * 1024)
            f.seek(size - n)
            data = f.read(n)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return "\n".join(parts[-lines:])
