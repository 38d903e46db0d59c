"""A connection: one open database handle of the engine, running in this process.

Threads: every engine call goes through ``ctypes.CDLL``, which releases the GIL while the call
runs, so queries from several threads run in parallel in the engine (which serialises ingest,
``load_rois`` and ``index`` against everything else on the handle). :meth:`Connection.close`
marks the connection closed, waits for the calls in flight on other threads, then closes the
handle; a call after that raises :class:`masksearch.Error` ("connection is closed").
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import weakref
from ctypes import POINTER, byref, c_float, c_int64
from typing import Any, Dict, Iterable, Iterator, Optional, Tuple, Union

import numpy as np

from ._arrays import mask_ids, mask_stack, storage_code
from ._csvtext import table_csv
from ._errors import Error, InputError
from ._native import ErrorStruct, IngestRequest, check_error, lib, take_text
from ._result import Result

__all__ = ["Connection", "connect"]

PathLike = Union[str, "os.PathLike[str]"]


def connect(path: PathLike, create: bool = True) -> "Connection":
    """Opens the database directory ``path`` in this process.

    With ``create`` (the default) a missing directory is created, empty: the first
    :meth:`Connection.ingest` makes it a database. Without it a missing path raises
    :class:`InputError`. Use the connection as a context manager, or call ``close()``.
    """
    error = ErrorStruct()
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise InputError(f"path {path!r} contains a NUL character")
    handle = lib.ms_open(encoded, 1 if create else 0, byref(error))
    check_error(error)
    if not handle:
        raise Error(f"masksearch: cannot open {os.fsdecode(encoded)}")
    return Connection(handle, os.fsdecode(encoded))


class Connection:
    """An open masksearch database (CONTRACT.md section 9); made by :func:`connect`."""

    def __init__(self, handle: int, path: str) -> None:
        self._handle = handle
        self._path = path
        self._state = threading.Condition()
        self._in_flight = 0
        self._closed = False
        self._shape: Optional[Tuple[int, int]] = None
        # Closes the handle if the connection is garbage-collected without close(); not at exit
        # (threads still calling into the engine would make ms_close wait for them).
        self._finalizer = weakref.finalize(self, lib.ms_close, handle)
        self._finalizer.atexit = False

    @property
    def path(self) -> str:
        """The database directory as given to :func:`connect`."""
        return self._path

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    @contextlib.contextmanager
    def _call(self) -> Iterator[int]:
        """Yields the handle for one engine call; counts the call as in flight so that close()
        waits for it. Raises :class:`Error` when the connection is closed."""
        with self._state:
            if self._closed:
                raise Error("connection is closed")
            self._in_flight += 1
        try:
            yield self._handle
        finally:
            with self._state:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._state.notify_all()

    def _text_call(self, function: Any, *arguments: Any) -> str:
        """Calls a ``char *``-returning ABI function with (handle, *arguments, &error) and returns
        its text (raising the error it reports)."""
        error = ErrorStruct()
        with self._call() as handle:
            pointer = function(handle, *arguments, byref(error))
        check_error(error)
        return take_text(pointer)

    def close(self) -> None:
        """Closes the connection: waits for calls running on other threads, then frees the
        engine's handle. Closing twice is allowed; any other call afterwards raises
        :class:`Error`."""
        with self._state:
            if self._closed:
                return
            self._closed = True
            while self._in_flight > 0:
                self._state.wait()
        self._finalizer()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<masksearch.Connection {self._path!r} {state}>"

    def query(self, sql: str, use_index: bool = True) -> Result:
        """Runs one query (CONTRACT.md section 3) and returns its :class:`Result`: exactly the
        ``columns``, ``rows`` and ``stats`` of ``masksearch query --format json`` (``use_index``
        False is ``--no-index``). Masks the query reads are indexed and the entries kept, as in
        the CLI. Raises :class:`QueryError` (with ``.position`` and ``.token``) for bad SQL."""
        if not isinstance(sql, str):
            raise InputError(f"sql must be a str, not {type(sql).__name__}")
        return Result.from_json(self._text_call(lib.ms_query_json, _c_text(sql, "sql"), 1 if use_index else 0))

    def ingest(self, masks: Any, meta: Any = None, dtype: Any = None, clip: bool = False) -> Dict[str, Any]:
        """Adds masks (as ``masksearch ingest``) and returns the engine's summary
        (``masks``, ``segment``, ``raw_bytes``, ``stored_bytes``, ``created_database``).

        Args:
            masks: a numpy array (N, H, W) or (H, W) of uint8, float16, float32 or float64 (the
                CLI's dtypes; another dtype raises :class:`InputError` naming it). Values must be in
                [0, 1] (uint8 q means q/255). The array is handed to the engine in place when it is
                C-contiguous and little-endian (``numpy.ascontiguousarray`` copies only otherwise);
                no temporary file is written.
            meta: ``None``, a pandas DataFrame or a dict of columns, one row per mask in order;
                columns ``mask_id, image_id, model_id, mask_type`` are recognised, others become
                metadata columns. Turned into CSV text read exactly as ``ingest --meta``: ``None``,
                NaN and ``pandas.NA`` (and an empty string) are NULL; see :mod:`masksearch._csvtext`.
                A DataFrame's index is ignored (``reset_index()`` makes it a column).
            dtype: storage precision ``"uint8"``, ``"float16"`` or ``"float32"`` (or the numpy
                dtype); ``None`` is the CLI's default (uint8 for uint8 input, else float32; a
                database keeps its first precision).
            clip: clip values into [0, 1] instead of rejecting them (NaN is still rejected).

        Raises :class:`InputError` (naming the mask and pixel for a bad value) and leaves the
        database as it was.
        """
        stack, element_type = mask_stack(masks)
        meta_text = None if meta is None else _c_text(table_csv(meta, "meta"), "meta")
        count, height, width = stack.shape
        request = IngestRequest(
            data=stack.ctypes.data, count=count, height=height, width=width, element_type=element_type,
            storage=storage_code(dtype), clip=1 if clip else 0, meta_csv=meta_text,
        )
        summary = _json_object(self._text_call(lib.ms_ingest, byref(request)))
        del stack  # the engine is done with the buffer
        return summary

    def load_rois(self, name: str, boxes: Any) -> Dict[str, Any]:
        """Loads (or replaces) the ROI set ``name`` (as ``masksearch roi``) from a DataFrame or a
        dict of columns ``image_id`` (or ``mask_id``), ``x0, y0, x1, y1``; float coordinates are
        rounded outward. Returns ``{"name", "boxes", "key", "replaced"}``."""
        text = _c_text(table_csv(boxes, "boxes"), "boxes")
        return _json_object(self._text_call(lib.ms_load_rois, _c_text(str(name), "ROI set name"), text))

    def index(self, bins: Optional[int] = None, cell: Optional[int] = None) -> Dict[str, Any]:
        """Builds the index for every mask now (as ``masksearch index``); ``None`` means the
        default bins (20) and cell, and each named ROI set's histograms where missing. Returns
        ``{"built", "already_indexed", "roi_histogram_files", "bins", "cell", "seconds",
        "index_bytes"}``."""
        return _json_object(self._text_call(lib.ms_index, _positive(bins, "bins"), _positive(cell, "cell")))

    def info(self) -> Dict[str, Any]:
        """What the database holds: ``masks``, ``height``, ``width``, ``pixel_format``,
        ``columns``, ``roi_sets`` (zeros for a just-created database)."""
        return _json_object(self._text_call(lib.ms_info))

    def _mask_shape(self) -> Tuple[int, int]:
        if self._shape is None:
            info = self.info()
            if not info.get("masks"):
                return (0, 0)
            self._shape = (int(info["height"]), int(info["width"]))  # fixed once the database has masks
        return self._shape

    def masks(self, ids: Iterable[int]) -> np.ndarray:
        """The stored masks with these ids as an (n, H, W) float32 array: q/255 (rounded to
        float32) for uint8 storage, exact for float16 and float32. An unknown id raises
        :class:`InputError` naming it. O(n·H·W)."""
        wanted = mask_ids(ids)
        height, width = self._mask_shape()
        out = np.empty((len(wanted), height, width), dtype=np.float32)
        if len(wanted) == 0:
            return out
        error = ErrorStruct()
        with self._call() as handle:
            status = lib.ms_read_masks(
                handle, wanted.ctypes.data_as(POINTER(c_int64)), len(wanted),
                out.ctypes.data_as(POINTER(c_float)), byref(error),
            )
        check_error(error)
        if status != 0:
            raise Error("masksearch: reading masks failed without an error report")
        return out

    def mask(self, mask_id: int) -> np.ndarray:
        """The stored mask ``mask_id`` as an (H, W) float32 array (see :meth:`masks`)."""
        if isinstance(mask_id, bool) or not isinstance(mask_id, (int, np.integer)):
            raise InputError(f"mask id must be an integer, not {mask_id!r}")
        one: np.ndarray = self.masks([int(mask_id)])[0]
        return one


def _c_text(text: str, what: str) -> bytes:
    """``text`` as NUL-terminated UTF-8 for the C ABI; a NUL inside would cut it short, so it is
    refused."""
    if "\0" in text:
        raise InputError(f"{what}: contains a NUL character at offset {text.index(chr(0))}")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(f"{what}: not encodable as UTF-8 at offset {error.start}") from None


def _json_object(text: str) -> Dict[str, Any]:
    """A JSON object the engine returned, as a dict."""
    value: Dict[str, Any] = json.loads(text)
    return value


def _positive(value: Optional[int], name: str) -> int:
    """An optional positive int argument; ``None`` is 0 (the engine's default)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) <= 0:
        raise InputError(f"{name} must be a positive integer or None, not {value!r}")
    if int(value) > 2**31 - 1:
        raise InputError(f"{name} is too large: {value}")
    return int(value)
