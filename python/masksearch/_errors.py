"""The exceptions of the masksearch Python client (CONTRACT.md section 9).

Every error the engine reports through the C ABI (``masksearch.h``: ``ms_error``) becomes one of
these; nothing the engine can report aborts the Python process.
"""
from __future__ import annotations

__all__ = ["Error", "QueryError", "InputError", "InternalError"]


class Error(Exception):
    """Base class of every masksearch error (also raised for a closed connection)."""


class QueryError(Error):
    """Bad SQL (syntax or semantics): the CLI's exit 2.

    Attributes:
        position: 1-based character offset of ``token`` in the SQL text (as in the HTTP API).
        token: the offending token, ``""`` at the end of the input.
    """

    def __init__(self, message: str, position: int, token: str) -> None:
        super().__init__(message)
        self.position = position
        self.token = token


class InputError(Error):
    """Bad input: mask values (naming the mask and pixel), shapes, dtypes, metadata, ROI boxes, an
    unknown mask id, a bad argument, or a path that is not a database. The CLI's exit 2; the
    database is left as it was."""


class InternalError(Error):
    """An I/O failure, damaged files or a broken engine invariant: the CLI's exit 1."""
