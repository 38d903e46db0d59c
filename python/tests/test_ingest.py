"""Ingest from numpy: round trips of every dtype (db.mask returns the stored value), in-place
hand-over, metadata from dicts and DataFrames, and every bad input of the CLI's ingest raising
InputError with the directory left byte-identical (the CLI rejecting the same input with exit 2)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import pytest

import masksearch
from masksearch._arrays import mask_stack
from conftest import cli, optional_pandas, save_npy, snapshot, write_columns

H, W = 6, 9


def unit(shape: tuple, seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).random(shape)
    values.flat[0], values.flat[1] = 0.0, 1.0
    return values


def stored_uint8(q: np.ndarray) -> np.ndarray:
    return (q.astype(np.float64) / 255.0).astype(np.float32)


ROUND_TRIPS: Dict[str, Callable[[], tuple]] = {
    # input, storage dtype, expected float32 values of db.mask
    "uint8": lambda: (lambda q: (q, None, stored_uint8(q)))(np.random.default_rng(1).integers(0, 256, (5, H, W), dtype=np.uint8)),
    "float16": lambda: (lambda v: (v, None, v.astype(np.float32)))(unit((5, H, W), 2).astype(np.float16)),
    "float32": lambda: (lambda v: (v, None, v))(unit((5, H, W), 3).astype(np.float32)),
    "float64->float32": lambda: (lambda v: (v, None, v.astype(np.float32)))(unit((5, H, W), 4)),
    "float64->float16": lambda: (lambda v: (v, "float16", v.astype(np.float16).astype(np.float32)))(unit((5, H, W), 5)),
    "float32->uint8": lambda: (lambda v: (v, "uint8", stored_uint8(np.rint(v.astype(np.float64) * 255).astype(np.uint8))))(
        unit((5, H, W), 6).astype(np.float32)),
    "2-D uint8": lambda: (lambda q: (q, None, stored_uint8(q)[None]))(np.arange(H * W, dtype=np.uint8).reshape(H, W)),
}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
def test_round_trip(tmp_db: Path, case: str) -> None:
    masks, dtype, expected = ROUND_TRIPS[case]()
    with masksearch.connect(tmp_db) as db:
        summary = db.ingest(masks, dtype=dtype)
        assert summary["masks"] == len(expected) and summary["created_database"] is True
        for i in range(len(expected)):
            got = db.mask(i)
            assert got.dtype == np.float32 and got.shape == (H, W)
            np.testing.assert_array_equal(got, expected[i])
        np.testing.assert_array_equal(db.masks(list(range(len(expected)))[::-1]), expected[::-1])
        assert db.masks([]).shape == (0, H, W)


def test_round_trip_matches_cli_ingest_of_same_npy(tmp_path: Path) -> None:
    values = unit((4, H, W), 7).astype(np.float32)
    cli("ingest", tmp_path / "cli", save_npy(tmp_path / "m.npy", values), "--dtype", "float16")
    with masksearch.connect(tmp_path / "py") as db, masksearch.connect(tmp_path / "cli", create=False) as other:
        db.ingest(values, dtype="float16")
        np.testing.assert_array_equal(db.masks(range(4)), other.masks(range(4)))


def test_array_is_handed_over_in_place_when_possible() -> None:
    array = np.zeros((3, H, W), dtype=np.float32)
    assert np.shares_memory(mask_stack(array)[0], array)
    assert np.shares_memory(mask_stack(array[0])[0], array)
    assert not np.shares_memory(mask_stack(np.asfortranarray(array))[0], array)
    big_endian = array.astype(">f4")
    converted = mask_stack(big_endian)[0]
    assert converted.dtype == np.dtype("<f4") and not np.shares_memory(converted, big_endian)


def test_strided_and_big_endian_inputs_store_their_values(tmp_db: Path) -> None:
    values = unit((4, H, W * 2), 8).astype(">f4")[:, :, ::2]
    with masksearch.connect(tmp_db) as db:
        db.ingest(values)
        np.testing.assert_array_equal(db.masks(range(4)), values.astype(np.float32))


def test_append_counts_on_and_meta_types(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        db.ingest(np.zeros((2, H, W), np.uint8))
        db.ingest(np.ones((3, H, W), np.uint8) * 255)
        rows = db.query("SELECT mask_id, image_id, model_id, mask_type FROM masks").rows
        assert rows == [(i, i, 0, 0) for i in range(5)]
        assert db.info()["masks"] == 5


def test_meta_values_round_trip(tmp_db: Path) -> None:
    meta = {
        "mask_id": [10, 11, 12, 13], "image_id": [1, 1, 2, 2],
        "score": [0.1, 1 / 3, float("nan"), 2.5e-17],
        "count": [1, None, 3, -4],
        "name": ["a,b", 'say "hi"', "", "line\nbreak"],
        "flag": [True, False, True, None],
    }
    with masksearch.connect(tmp_db) as db:
        db.ingest(np.zeros((4, H, W), np.uint8), meta=meta)
        rows = db.query("SELECT mask_id, image_id, score, count, name, flag FROM masks").rows
        types = {c["name"]: c["type"] for c in db.info()["columns"]}
    assert rows == [(10, 1, 0.1, 1, "a,b", 1), (11, 1, 1 / 3, None, 'say "hi"', 0),
                    (12, 2, None, 3, None, 1), (13, 2, 2.5e-17, -4, "line\nbreak", None)]
    assert (types["score"], types["count"], types["name"], types["flag"]) == ("FLOAT64", "INT64", "TEXT", "INT64")


def test_meta_from_dataframe_with_missing_values(tmp_db: Path) -> None:
    pandas = optional_pandas()
    if pandas is None:
        pytest.skip("pandas is not installed")
    frame = pandas.DataFrame({"image_id": [5, 6, 7], "label": pandas.array([1, None, 3], dtype="Int64"),
                              "split": ["train", None, "test"], "w": np.array([0.5, np.nan, 1.0])})
    with masksearch.connect(tmp_db) as db:
        db.ingest(np.zeros((3, H, W), np.float32), meta=frame)
        result = db.query("SELECT mask_id, image_id, label, split, w FROM masks")
        assert result.rows == [(0, 5, 1, "train", 0.5), (1, 6, None, None, None), (2, 7, 3, "test", 1.0)]
        assert result.to_pandas()["image_id"].tolist() == [5, 6, 7]


# Bad inputs: (name, base ingest or None, bad masks, meta, dtype, clip, CLI flags or None when the
# CLI cannot express it (a Python-side check), a fragment the message must hold).
def _meta(ids: List[int]) -> Dict[str, List[int]]:
    return {"mask_id": ids, "image_id": ids}


def _with(value: float, at: tuple = (1, 2, 3), dtype: Any = np.float32) -> np.ndarray:
    masks = np.full((3, H, W), 0.5, dtype=dtype)
    masks[at] = value
    return masks


BAD = [
    ("nan", _with(np.nan), None, None, False, "mask 1"),
    ("nan with clip", _with(np.nan), None, None, True, "mask 1"),
    ("inf", _with(np.inf), None, None, False, "mask 1"),
    ("negative", _with(-0.25, dtype=np.float64), None, None, False, "mask 1"),
    ("above one", _with(1.5, dtype=np.float16), None, None, False, "mask 1"),
    ("second shape", np.zeros((2, H + 1, W), np.uint8), None, None, False, ""),
    ("dtype differs from the database", np.zeros((2, H, W), np.uint8), None, "float16", False, ""),
    ("duplicate mask_id in the database", np.zeros((2, H, W), np.uint8), _meta([7, 2]), None, False, "2"),
    ("duplicate mask_id in one ingest", np.zeros((2, H, W), np.uint8), _meta([20, 20]), None, False, "20"),
    ("meta row count", np.zeros((2, H, W), np.uint8), _meta([30, 31, 32]), None, False, ""),
    ("meta columns differ", np.zeros((2, H, W), np.uint8), {"mask_id": [40, 41], "extra": [1, 2]}, None, False, ""),
    ("meta non-integer id", np.zeros((2, H, W), np.uint8), {"mask_id": [50, "x"]}, None, False, ""),
]


def _base(db_path: Path) -> None:
    with masksearch.connect(db_path) as db:
        db.ingest(np.zeros((3, H, W), np.uint8), meta={"mask_id": [0, 1, 2], "image_id": [0, 0, 1]})
        db.load_rois("object", {"image_id": [0], "x0": [0], "y0": [0], "x1": [3], "y1": [3]})


@pytest.mark.parametrize("name,masks,meta,dtype,clip,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_and_changes_nothing(tmp_path: Path, name: str, masks: np.ndarray, meta: Optional[dict],
                                              dtype: Optional[str], clip: bool, fragment: str) -> None:
    db_path = tmp_path / "db"
    _base(db_path)
    before = snapshot(db_path)
    with masksearch.connect(db_path) as db:
        with pytest.raises(masksearch.InputError) as caught:
            db.ingest(masks, meta=meta, dtype=dtype, clip=clip)
        assert fragment in str(caught.value)
        assert db.info()["masks"] == 3
    assert snapshot(db_path) == before
    # The CLI rejects the same input with exit 2 and changes nothing either.
    cli_db = tmp_path / "cli"
    shutil.copytree(db_path, cli_db)
    args = ["ingest", cli_db, save_npy(tmp_path / "bad.npy", masks)]
    if meta is not None:
        args += ["--meta", write_columns(tmp_path / "bad.csv", meta)]
    if dtype is not None:
        args += ["--dtype", dtype]
    if clip:
        args += ["--clip"]
    done = cli(*args, check=False)
    assert done.returncode == 2, done.stderr
    assert snapshot(cli_db) == before


def test_bad_values_name_mask_and_pixel(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        with pytest.raises(masksearch.InputError) as caught:
            db.ingest(_with(1.5, at=(2, 4, 7)))
    message = str(caught.value)
    assert "mask 2" in message and "4" in message and "7" in message and "1.5" in message
    assert snapshot(tmp_db) == {}  # nothing written: the directory connect() made is still empty


def test_clip_clips(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        db.ingest(_with(1.5), clip=True)
        db.ingest(_with(-2.0), clip=True)
        assert db.mask(1)[2, 3] == 1.0 and db.mask(4)[2, 3] == 0.0


@pytest.mark.parametrize("masks,fragment", [
    (np.zeros((2, H, W), np.int32), "int32"),
    (np.zeros((2, H, W), np.bool_), "bool"),
    (np.zeros((2, H, W), np.uint16), "uint16"),
    (np.zeros((2, H, W), np.complex64), "complex64"),
    (np.zeros(W, np.uint8), "1-D"),
    (np.zeros((1, 2, H, W), np.uint8), "4-D"),
    ([[0.5, 0.25]], "float64"),  # a list becomes float64 (accepted), see below
])
def test_unsupported_arrays(tmp_db: Path, masks: Any, fragment: str) -> None:
    with masksearch.connect(tmp_db) as db:
        if fragment == "float64":
            db.ingest(masks)
            assert db.mask(0).tolist() == [[0.5, 0.25]]
            return
        with pytest.raises(masksearch.InputError, match=fragment):
            db.ingest(masks)
    assert not any(p.is_file() for p in tmp_db.rglob("*"))


@pytest.mark.parametrize("dtype", ["int8", "float64", "bogus", 3])
def test_bad_storage_dtype(tmp_db: Path, dtype: Any) -> None:
    with masksearch.connect(tmp_db) as db:
        with pytest.raises(masksearch.InputError, match="dtype"):
            db.ingest(np.zeros((1, H, W), np.uint8), dtype=dtype)


@pytest.mark.parametrize("meta,fragment", [
    ({"mask_id": [1, 2], "image_id": [1]}, "different lengths"),
    ({"mask_id": [1.0, float("inf")]}, "finite"),
    ([1, 2], "DataFrame or a dict"),
    ({}, "no columns"),
])
def test_bad_meta_tables(tmp_db: Path, meta: Any, fragment: str) -> None:
    with masksearch.connect(tmp_db) as db:
        with pytest.raises(masksearch.InputError, match=fragment):
            db.ingest(np.zeros((2, H, W), np.uint8), meta=meta)


def test_unknown_mask_id_and_bad_ids(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        db.ingest(np.zeros((2, H, W), np.uint8))
        before = snapshot(tmp_db)
        with pytest.raises(masksearch.InputError, match="99"):
            db.mask(99)
        with pytest.raises(masksearch.InputError, match="99"):
            db.masks([0, 99])
        for bad in (1.5, "0", True, None):
            with pytest.raises(masksearch.InputError):
                db.mask(bad)  # type: ignore[arg-type]
        with pytest.raises(masksearch.InputError):
            db.masks([0.5])
    assert snapshot(tmp_db) == before


def test_bad_rois_raise_and_change_nothing(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        db.ingest(np.zeros((2, H, W), np.uint8))
        before = snapshot(tmp_db)
        for name, boxes in [("full", {"image_id": [0], "x0": [0], "y0": [0], "x1": [1], "y1": [1]}),
                            ("obj", {"image_id": [0], "x0": [0], "y0": [0], "x1": [1]}),
                            ("obj", {"image_id": [0, 0], "x0": [0, 1], "y0": [0, 1], "x1": [1, 2], "y1": [1, 2]}),
                            ("obj", {"image_id": [0], "x0": [float("inf")], "y0": [0], "x1": [1], "y1": [1]})]:
            with pytest.raises(masksearch.InputError):
                db.load_rois(name, boxes)
        assert snapshot(tmp_db) == before
        summary = db.load_rois("obj", {"mask_id": [1], "x0": [0.5], "y0": [0], "x1": [2.2], "y1": [3]})
        assert summary["key"] == "mask_id" and summary["boxes"] == 1 and summary["replaced"] is False
        assert db.query("SELECT mask_id, AREA(obj) AS a FROM masks").rows == [(0, None), (1, 9)]


def test_index_and_info(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        assert db.info()["masks"] == 0
        db.ingest(np.random.default_rng(0).random((10, 32, 32)).astype(np.float32))
        built = db.index(bins=10, cell=8)
        assert (built["built"], built["bins"], built["cell"], built["roi_histogram_files"]) == (10, 10, 8, 0)
        assert db.index()["already_indexed"] == 10
        # A named ROI set gets its ROI histograms at the next index; answers are the scan's.
        db.load_rois("obj", {"mask_id": [1, 2], "x0": [0, 1.5], "y0": [0, 2], "x1": [8, 30], "y1": [8, 9]})
        assert db.index()["roi_histogram_files"] == 1
        sql = "SELECT mask_id, CP(mask, obj, 0.5, 1.0) AS v FROM masks ORDER BY mask_id"
        assert db.query(sql).rows == db.query(sql, use_index=False).rows
        with pytest.raises(masksearch.InputError):
            db.index(bins=0)
        info = db.info()
        assert (info["masks"], info["height"], info["width"], info["pixel_format"]) == (10, 32, 32, "float32")
        stats = db.query("SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1.0) > 2000").stats
        assert stats["masks_total"] == 10 and stats["pruned"] + stats["accepted_by_index"] + stats["verified"] >= 10
