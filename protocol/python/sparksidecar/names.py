"""The naming rules of PROTOCOL.md section 3."""
from __future__ import annotations

import os
import re
import stat
from typing import Optional

from .errors import HandoffError

__all__ = ["check_id", "name_problem", "check_name", "resolve_inside", "create_parents", "is_plain_file"]

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
ID_PATTERN = _ID.pattern
MAX_NAME_BYTES = 1024


def check_id(request_id: str) -> str:
    """Returns ``request_id`` if it is a valid request id, else raises naming it."""
    if not isinstance(request_id, str) or not _ID.fullmatch(request_id):
        raise HandoffError("invalid request id '%s': must match %s" % (request_id, ID_PATTERN))
    return request_id


def name_problem(name: object) -> Optional[str]:
    """Why ``name`` is not a valid input/output name, or ``None`` when it is valid."""
    if not isinstance(name, str) or name == "":
        return "name is empty" if name in ("", None) else "name is not a string"
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8"
    if len(encoded) > MAX_NAME_BYTES:
        return "name is longer than %d bytes" % MAX_NAME_BYTES
    if name.startswith("/"):
        return "absolute paths are refused"
    if any(c in name for c in ("\0", "\\", "\r", "\n")):
        return "NUL, backslash, CR and LF are refused"
    for part in name.split("/"):
        if part == "":
            return "empty path component"
        if part == "..":
            return "'..' leaves the request directory"
        if part.startswith("."):
            return "components starting with '.' are reserved"
    return None


def check_name(request_id: str, name: str) -> str:
    """Returns ``name`` if valid, else raises naming the request and the name."""
    problem = name_problem(name)
    if problem is not None:
        raise HandoffError("request %s: refused name '%s': %s" % (request_id, name, problem), request_id)
    return name


def _refuse_link(path: str, request_id: str, name: str) -> None:
    if os.path.islink(path):
        raise HandoffError("request %s: refused '%s': %s is a symbolic link" % (request_id, name, path), request_id)


def resolve_inside(directory: str, request_id: str, name: Optional[str]) -> str:
    """Resolves a validated ``name`` below ``directory`` refusing any symbolic link on the way
    (the directory itself included). ``None`` checks and returns ``directory`` itself."""
    _refuse_link(directory, request_id, "." if name is None else name)
    if name is None:
        return directory
    check_name(request_id, name)
    current = directory
    for part in name.split("/"):
        current = os.path.join(current, part)
        _refuse_link(current, request_id, name)
    return current


def is_plain_file(path: str) -> bool:
    """True when ``path`` is a regular file and not a symbolic link."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def create_parents(directory: str, request_id: str, name: str) -> None:
    """Creates the parent directories of a validated name below ``directory`` (no links followed)."""
    if "/" not in name:
        return
    parent = name.rsplit("/", 1)[0]
    current = directory
    for part in parent.split("/"):
        current = os.path.join(current, part)
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        _refuse_link(current, request_id, name)
        if not os.path.isdir(current):
            raise HandoffError("request %s: refused '%s': %s is not a directory" % (request_id, name, current),
                               request_id)
