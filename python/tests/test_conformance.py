"""Every conformance query (Tests/CLITests/Fixtures/conformance) through the Python client equals
the CLI's answer on the same data, with and without the index, and the sample's expected rows."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest

import masksearch
from conftest import CONFORMANCE, as_lists, cli, cli_query, optional_pandas, read_columns

QUERIES = [json.loads(line) for line in (CONFORMANCE / "queries.jsonl").read_text().splitlines() if line.strip()]
DATA = CONFORMANCE / "data"


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    """The sample loaded twice: by the CLI, and by the Python client from numpy + dict columns."""
    base = tmp_path_factory.mktemp("conformance")
    cli_db = base / "cli"
    cli("ingest", cli_db, DATA / "masks.npy", "--meta", DATA / "meta.csv")
    cli("roi", cli_db, "object", DATA / "rois" / "object.csv")
    db = masksearch.connect(base / "py")
    db.ingest(np.load(DATA / "masks.npy"), meta=read_columns(DATA / "meta.csv"))
    db.load_rois("object", read_columns(DATA / "rois" / "object.csv"))
    yield {"cli": cli_db, "py": db}
    db.close()


def close_enough(actual: List[List[Any]], expected: List[List[Any]]) -> bool:
    """The sample's rule: integers exactly, doubles to 1e-9 relative, order included."""
    if len(actual) != len(expected):
        return False
    for row_a, row_e in zip(actual, expected):
        if len(row_a) != len(row_e):
            return False
        for a, e in zip(row_a, row_e):
            if isinstance(e, float) and isinstance(a, float):
                if not math.isclose(a, e, rel_tol=1e-9, abs_tol=0.0):
                    return False
            elif a != e or type(a) is not type(e):
                return False
    return True


@pytest.mark.parametrize("use_index", [False, True], ids=["no-index", "index"])
@pytest.mark.parametrize("case", QUERIES, ids=[q["name"] for q in QUERIES])
def test_conformance_query_equals_cli(databases: Dict[str, Any], case: Dict[str, Any], use_index: bool) -> None:
    result = databases["py"].query(case["sql"], use_index=use_index)
    reference = cli_query(databases["cli"], case["sql"], use_index=use_index)
    assert result.columns == reference["columns"]
    assert as_lists(result.rows) == reference["rows"]
    assert [type(v) for row in result.rows for v in row] == [type(v) for row in reference["rows"] for v in row]
    assert result.columns == case["expected"]["columns"]
    assert close_enough(as_lists(result.rows), case["expected"]["rows"])
    assert set(reference["stats"]) <= set(result.stats)


def test_rows_hold_plain_python_values(databases: Dict[str, Any]) -> None:
    result = databases["py"].query("SELECT * FROM masks WHERE image_id = 3")
    assert all(isinstance(row, tuple) for row in result.rows)
    assert {type(v) for row in result.rows for v in row} <= {int, float, str, type(None)}
    assert result.columns[:4] == ["mask_id", "image_id", "model_id", "mask_type"]


def test_to_pandas(databases: Dict[str, Any]) -> None:
    pandas = optional_pandas()
    if pandas is None:
        pytest.skip("pandas is not installed")
    result = databases["py"].query("SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 5")
    frame = result.to_pandas()
    assert list(frame.columns) == ["mask_id", "v"]
    assert frame.values.tolist() == as_lists(result.rows)


def test_conformance_ingested_from_pandas_equals_cli(tmp_path: Path) -> None:
    pandas = optional_pandas()
    if pandas is None:
        pytest.skip("pandas is not installed")
    cli_db = tmp_path / "cli"
    cli("ingest", cli_db, DATA / "masks.npy", "--meta", DATA / "meta.csv")
    cli("roi", cli_db, "object", DATA / "rois" / "object.csv")
    with masksearch.connect(tmp_path / "py") as db:
        db.ingest(np.load(DATA / "masks.npy"), meta=pandas.read_csv(DATA / "meta.csv"))
        db.load_rois("object", pandas.read_csv(DATA / "rois" / "object.csv"))
        for case in QUERIES:
            assert as_lists(db.query(case["sql"]).rows) == cli_query(cli_db, case["sql"])["rows"], case["name"]
