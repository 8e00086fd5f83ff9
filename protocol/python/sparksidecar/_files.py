"""Temporary-name-then-rename writes, link-safe deletes and log tails (internal)."""
from __future__ import annotations

import os
import secrets
import stat
from typing import Union

BUFFER = 1 << 20


def temp_sibling(target: str) -> str:
    """A hidden sibling of ``target`` (``.<name>.tmp.<rand>``) to write before :func:`publish`."""
    head, tail = os.path.split(target)
    return os.path.join(head, ".%s.tmp.%s" % (tail, secrets.token_hex(8)))


def create_new(path: str) -> int:
    """Opens a new file for writing (fails if it exists, never follows a link)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o666)


def publish(temp: str, target: str) -> None:
    """Renames ``temp`` onto ``target`` atomically (rename(2) replaces a planted link, never follows it)."""
    os.rename(temp, target)


def write_atomically(target: str, data: Union[bytes, bytearray]) -> None:
    """Writes ``data`` to a temporary sibling and renames it onto ``target``."""
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
    """Deletes ``path`` and everything below it without ever following a symbolic link."""
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
    for _ in range(3):  # a concurrent writer may add a file: a few passes
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except FileNotFoundError:
            return
        for e in entries:
            delete_recursively(e.path)
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            continue


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
