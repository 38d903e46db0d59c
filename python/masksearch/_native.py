"""The engine's C ABI (``masksearch.h``, library ``libMaskSearchABI.so``) loaded with ctypes.

The library is looked for beside this file (where ``pip install ./python`` bundles it), or at the
path in the environment variable ``MASKSEARCH_LIBRARY`` when set (for development against a
build tree). ``ctypes.CDLL`` releases the GIL for the duration of every foreign call, so engine
calls from several Python threads run in parallel.

Every function returning ``char *`` is declared with ``restype = c_void_p`` so that the pointer
can be read with ``ctypes.string_at`` and then freed with ``ms_free`` (see :func:`take_text`).
"""
from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, byref, c_char_p, c_float, c_int32, c_int64, c_void_p
from typing import Optional

from ._errors import Error, InputError, InternalError, QueryError

__all__ = ["LIBRARY_NAME", "ErrorStruct", "IngestRequest", "lib", "take_text", "check_error"]

LIBRARY_NAME = "libMaskSearchABI.so"
ABI_VERSION = 1

MS_OK, MS_ERROR_QUERY, MS_ERROR_INPUT, MS_ERROR_INTERNAL, MS_ERROR_CLOSED = 0, 1, 2, 3, 4
MS_UINT8, MS_FLOAT16, MS_FLOAT32, MS_FLOAT64 = 0, 1, 2, 3


class ErrorStruct(ctypes.Structure):
    """``ms_error``: kind, position, token, message (the strings are freed by ``ms_error_clear``)."""

    _fields_ = [("kind", c_int32), ("position", c_int64), ("token", c_char_p), ("message", c_char_p)]


class IngestRequest(ctypes.Structure):
    """``ms_ingest_request``: the masks buffer (read in place), its shape and types, and the
    metadata CSV text."""

    _fields_ = [
        ("data", c_void_p),
        ("count", c_int64),
        ("height", c_int64),
        ("width", c_int64),
        ("element_type", c_int32),
        ("storage", c_int32),
        ("clip", c_int32),
        ("meta_csv", c_char_p),
    ]


def _library_path() -> str:
    override = os.environ.get("MASKSEARCH_LIBRARY")
    if override:
        return override
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), LIBRARY_NAME)


def _load() -> ctypes.CDLL:
    path = _library_path()
    if not os.path.exists(path):
        raise ImportError(
            f"masksearch: the engine library {path} is missing; install the package with "
            "`pip install ./python` from the project's root (or set MASKSEARCH_LIBRARY)"
        )
    library = ctypes.CDLL(path)
    _declare(library)
    return library


def _declare(library: ctypes.CDLL) -> None:
    """Sets argtypes/restype of every function of masksearch.h (ctypes checks the arguments)."""
    err = POINTER(ErrorStruct)
    signatures = {
        "ms_version": ([], c_char_p),
        "ms_free": ([c_void_p], None),
        "ms_error_clear": ([err], None),
        "ms_open": ([c_char_p, c_int32, err], c_void_p),
        "ms_close": ([c_void_p], None),
        "ms_query_json": ([c_void_p, c_char_p, c_int32, err], c_void_p),
        "ms_ingest": ([c_void_p, POINTER(IngestRequest), err], c_void_p),
        "ms_load_rois": ([c_void_p, c_char_p, c_char_p, err], c_void_p),
        "ms_index": ([c_void_p, c_int32, c_int32, err], c_void_p),
        "ms_info": ([c_void_p, err], c_void_p),
        "ms_read_masks": ([c_void_p, POINTER(c_int64), c_int64, POINTER(c_float), err], c_int32),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(library, name)
        function.argtypes = argtypes
        function.restype = restype


lib = _load()


def take_text(pointer: Optional[int]) -> str:
    """Copies the library-allocated UTF-8 string at ``pointer`` into a ``str`` and frees it."""
    if not pointer:
        raise InternalError("masksearch: the engine returned no text and no error")
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.ms_free(pointer)


def check_error(error: ErrorStruct) -> None:
    """Raises the exception for a filled ``ms_error`` (and clears it); returns on ``MS_OK``."""
    if error.kind == MS_OK:
        return
    kind = error.kind
    message = (error.message or b"").decode("utf-8", "replace")
    token = (error.token or b"").decode("utf-8", "replace")
    position = int(error.position)
    lib.ms_error_clear(byref(error))
    if kind == MS_ERROR_QUERY:
        raise QueryError(message, position, token)
    if kind == MS_ERROR_INPUT:
        raise InputError(message)
    if kind == MS_ERROR_CLOSED:
        raise Error("connection is closed")
    raise InternalError(message or f"masksearch: engine error of kind {kind}")


def engine_version() -> str:
    """The library's version string (``ms_version``)."""
    return (lib.ms_version() or b"").decode("utf-8")
