"""The one exception type of the client."""
from __future__ import annotations

from typing import Optional

__all__ = ["HandoffError", "NO_EXIT_CODE"]

#: Exit code value meaning "the command did not run or its exit status is unknown".
NO_EXIT_CODE = -1


class HandoffError(Exception):
    """Every failure of a hand-off or a volume.

    The message names the request id (when there is one) and the offending name, path or exit
    code. :attr:`exit_code` and :attr:`log_tail` carry the command's exit status and the last lines
    of its log when known.
    """

    def __init__(self, message: str, request_id: Optional[str] = None, exit_code: int = NO_EXIT_CODE,
                 log_tail: str = "") -> None:
        super().__init__(message)
        self.message = message
        #: The request this failure belongs to, or ``None`` for volume-level failures.
        self.request_id = request_id
        #: The command's exit code, or :data:`NO_EXIT_CODE` (-1) when it never ran or is unknown.
        self.exit_code = exit_code
        #: The last lines of the request's log (may be empty, never ``None``).
        self.log_tail = log_tail or ""

    def __str__(self) -> str:
        return self.message
