"""numpy arrays handed to the engine: mask stacks for ingest, mask ids for reads.

A mask stack is handed over in place: :func:`mask_stack` returns a C-contiguous little-endian
view of the caller's array whenever it already is one (``numpy.ascontiguousarray`` copies only
when the array is strided, Fortran-ordered or big-endian), so the engine reads the caller's
memory directly, in chunks, without a full copy or a temporary file.
"""
from __future__ import annotations

import operator
from typing import Any, Iterable, Tuple

import numpy as np

from ._errors import InputError
from ._native import MS_FLOAT16, MS_FLOAT32, MS_FLOAT64, MS_UINT8

__all__ = ["mask_stack", "storage_code", "mask_ids"]

# The element types `masksearch ingest` takes (CONTRACT.md section 4), by (kind, itemsize).
_ELEMENT_TYPES = {("u", 1): MS_UINT8, ("f", 2): MS_FLOAT16, ("f", 4): MS_FLOAT32, ("f", 8): MS_FLOAT64}
_STORAGE = {"uint8": MS_UINT8, "float16": MS_FLOAT16, "float32": MS_FLOAT32}


def mask_stack(masks: Any) -> Tuple[np.ndarray, int]:
    """``masks`` as a C-contiguous little-endian (N, H, W) array and its ``ms_dtype`` code.

    (H, W) becomes (1, H, W) (a view). Raises :class:`InputError` naming the dtype or shape when
    the array is not one the CLI's ingest takes (uint8, float16, float32, float64; 2-D or 3-D).
    O(1) when the array is already C-contiguous little-endian, else one O(N·H·W) copy.
    """
    array = masks if isinstance(masks, np.ndarray) else np.asarray(masks)
    code = _ELEMENT_TYPES.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise InputError(
            f"masks: dtype {array.dtype} is not supported (uint8, float16, float32 or float64, as `masksearch ingest`)"
        )
    if array.ndim == 2:
        array = array[np.newaxis, :, :]
    elif array.ndim != 3:
        raise InputError(f"masks: expected an (N, H, W) or (H, W) array, not {array.ndim}-D of shape {array.shape}")
    little = array.dtype.newbyteorder("<")
    return np.ascontiguousarray(array, dtype=little), code


def storage_code(dtype: Any) -> int:
    """The ``ms_dtype`` code of a storage precision (``None``: -1, the CLI's default)."""
    if dtype is None:
        return -1
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in _STORAGE:
        raise InputError(f"dtype must be uint8, float16 or float32 (the storage precision), not {dtype!r}")
    return _STORAGE[name]


def mask_ids(ids: Iterable[Any]) -> np.ndarray:
    """``ids`` as a C-contiguous int64 array; a non-integer id raises :class:`InputError`. O(n)."""
    array = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids) if not hasattr(ids, "__len__") else ids)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.ndim != 1:
        raise InputError(f"mask ids: expected a 1-D sequence of integers, not shape {array.shape}")
    if array.dtype.kind not in "iu":
        if array.dtype == object:
            try:
                return np.array([operator.index(v) for v in array], dtype=np.int64)
            except (TypeError, OverflowError):
                pass
        raise InputError(f"mask ids: expected integers, not {array.dtype}")
    if array.dtype.kind == "u" and array.size and int(array.max()) > np.iinfo(np.int64).max:
        raise InputError(f"mask ids: {int(array.max())} is not a mask id (larger than int64)")
    return np.ascontiguousarray(array, dtype=np.int64)
