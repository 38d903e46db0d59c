"""ctypes bindings of the C ABI's "Sharded databases" block (``masksearch.h``), used by
:mod:`masksearch.distributed`: shard map, partition rule, one shard's partial query and the
engine's merge, and sharded writes by several processes (the driver begins, plans, commits or
rolls back; Ray tasks write the shards).

Every function here is a thin call: arguments checked by ctypes, the engine's error raised as
:class:`masksearch.Error` (``check_error``), returned text parsed as JSON. No partition rule,
merge or format logic is re-implemented in Python.
"""
from __future__ import annotations

import ctypes
import json
from ctypes import POINTER, byref, c_char_p, c_double, c_int32, c_int64, c_void_p
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ._errors import Error
from ._native import ErrorStruct, IngestRequest, check_error, lib, take_text

__all__ = ["shard_create", "shard_map", "shard_of", "ShardWrite", "shard_ingest", "query_partial",
           "merge_partials", "shard_call"]


def _declare() -> None:
    err = POINTER(ErrorStruct)
    signatures = {
        "ms_shard_create": ([c_char_p, c_int32, err], c_void_p),
        "ms_shard_map": ([c_char_p, err], c_void_p),
        "ms_shard_of": ([POINTER(c_int64), c_int64, c_int32, POINTER(c_int32), err], c_int32),
        "ms_query_partial": ([c_void_p, c_char_p, c_int32, c_int32, POINTER(c_int64), err], c_void_p),
        "ms_merge_partials": ([c_char_p, c_char_p, POINTER(c_void_p), POINTER(c_int64), c_int64, c_double, err], c_void_p),
        "ms_shard_write_begin": ([c_char_p, err], c_void_p),
        "ms_shard_write_map": ([c_void_p, err], c_void_p),
        "ms_shard_write_plan": ([c_void_p, c_int64, c_int32, c_int32, c_char_p, err], c_void_p),
        "ms_shard_ingest": ([c_char_p, POINTER(IngestRequest), c_char_p, c_int32, err], c_void_p),
        "ms_shard_write_commit": ([c_void_p, err], c_void_p),
        "ms_shard_write_rollback": ([c_void_p, err], c_int32),
    }
    for name, (argtypes, restype) in signatures.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise ImportError(f"masksearch: the engine library has no {name} (rebuild it: pip install ./python)") from None
        function.argtypes = argtypes
        function.restype = restype


_declare()


def _text(function: Any, *arguments: Any) -> str:
    error = ErrorStruct()
    pointer = function(*arguments, byref(error))
    check_error(error)
    return take_text(pointer)


def _json(function: Any, *arguments: Any) -> Dict[str, Any]:
    value: Dict[str, Any] = json.loads(_text(function, *arguments))
    return value


def _path(path: str) -> bytes:
    return str(path).encode("utf-8")


def shard_create(path: str, shards: int) -> Dict[str, Any]:
    """``ms_shard_create``: a new sharded database; its map."""
    return _json(lib.ms_shard_create, _path(path), int(shards))


def shard_map(path: str) -> Dict[str, Any]:
    """``ms_shard_map``: the map of a sharded database no write is changing."""
    return _json(lib.ms_shard_map, _path(path))


def shard_of(image_ids: Any, shard_count: int) -> np.ndarray:
    """The engine's partition rule (SplitMix64(image_id) mod N) for each id. O(n)."""
    ids = np.ascontiguousarray(np.asarray(image_ids, dtype=np.int64))
    out = np.empty(ids.shape[0], dtype=np.int32)
    error = ErrorStruct()
    lib.ms_shard_of(ids.ctypes.data_as(POINTER(c_int64)), ids.shape[0], int(shard_count),
                    out.ctypes.data_as(POINTER(c_int32)), byref(error))
    check_error(error)
    return out


class ShardWrite:
    """A sharded write held by this process (``ms_shard_write_*``): ``commit()`` or
    ``rollback()`` exactly once; as a context manager, rolled back when the block raises."""

    def __init__(self, path: str) -> None:
        error = ErrorStruct()
        handle = lib.ms_shard_write_begin(_path(path), byref(error))
        check_error(error)
        self._handle: Optional[int] = handle

    def _live(self) -> int:
        if self._handle is None:
            raise Error("the sharded write has already ended")
        return self._handle

    def map(self) -> Dict[str, Any]:
        return _json(lib.ms_shard_write_map, self._live())

    def plan(self, count: int, element_type: int, storage: int, meta_csv: Optional[bytes]) -> Dict[str, Any]:
        return _json(lib.ms_shard_write_plan, self._live(), int(count), element_type, storage, meta_csv)

    def commit(self) -> Dict[str, Any]:
        handle, self._handle = self._live(), None
        return _json(lib.ms_shard_write_commit, handle)

    def rollback(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        error = ErrorStruct()
        lib.ms_shard_write_rollback(handle, byref(error))
        check_error(error)

    def __enter__(self) -> "ShardWrite":
        return self

    def __exit__(self, kind: Any, *rest: Any) -> None:
        if kind is not None:
            self.rollback()
        elif self._handle is not None:
            self.commit()


def shard_ingest(shard_path: str, stack: np.ndarray, element_type: int, storage: int, meta_csv: bytes,
                 extra_columns: str, band_rows: int, clip: bool) -> Dict[str, Any]:
    """``ms_shard_ingest``: one shard's part of a planned ingest (``stack`` C-contiguous)."""
    count, height, width = stack.shape
    request = IngestRequest(data=stack.ctypes.data, count=count, height=height, width=width, element_type=element_type,
                            storage=storage, clip=1 if clip else 0, meta_csv=meta_csv)
    return _json(lib.ms_shard_ingest, _path(shard_path), byref(request), extra_columns.encode("utf-8"), int(band_rows))


def shard_call(shard_path: str, body: Any) -> Any:
    """Opens the shard database (no create), runs ``body(handle)``, closes it."""
    error = ErrorStruct()
    handle = lib.ms_open(_path(shard_path), 0, byref(error))
    check_error(error)
    try:
        return body(handle)
    finally:
        lib.ms_close(handle)


def query_partial(shard_path: str, sql: str, use_index: bool, shard_count: int, expected_masks: int) -> bytes:
    """One shard's partial result of ``sql`` (``ms_query_partial``), after checking that the
    shard holds the number of masks the map says (else :class:`Error`: damage, no answer)."""
    def run(handle: int) -> bytes:
        info = _json(lib.ms_info, handle)
        if info["masks"] != expected_masks:
            raise Error(f"error: {shard_path}: the shard holds {info['masks']} masks, the shard map says {expected_masks}")
        error = ErrorStruct()
        length = c_int64(0)
        pointer = lib.ms_query_partial(handle, sql.encode("utf-8"), 1 if use_index else 0, int(shard_count),
                                       byref(length), byref(error))
        check_error(error)
        try:
            return ctypes.string_at(pointer, length.value)
        finally:
            lib.ms_free(pointer)
    result: bytes = shard_call(shard_path, run)
    return result


def merge_partials(path: str, sql: str, partials: Sequence[bytes], elapsed_ms: float) -> str:
    """The engine's merge of every shard's partial (``ms_merge_partials``): the JSON text of
    ``masksearch query --format json``."""
    buffers: List[Any] = [ctypes.create_string_buffer(p, len(p)) for p in partials]
    pointers = (c_void_p * len(buffers))(*[ctypes.addressof(b) for b in buffers])
    lengths = (c_int64 * len(buffers))(*[len(p) for p in partials])
    return _text(lib.ms_merge_partials, _path(path), sql.encode("utf-8"), pointers, lengths, len(buffers),
                 float(elapsed_ms))
