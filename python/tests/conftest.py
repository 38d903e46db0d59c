"""Shared fixtures of the Python client's tests: the project's paths, the `masksearch` CLI (the
reference these tests compare with), directory snapshots and table readers.

The CLI is `$MASKSEARCH_BIN`, default `<root>/.build/debug/masksearch` (Tools/test.sh builds it
before running these tests).
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "Tests" / "CLITests" / "Fixtures" / "conformance"
CLI = Path(os.environ.get("MASKSEARCH_BIN", ROOT / ".build" / "debug" / "masksearch"))


class CLIError(Exception):
    def __init__(self, code: int, stderr: str) -> None:
        super().__init__(f"exit {code}: {stderr}")
        self.code = code
        self.stderr = stderr


def cli(*args: Any, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the masksearch CLI; raises CLIError on a non-zero exit when ``check``."""
    if not CLI.exists():
        pytest.fail(f"the masksearch CLI {CLI} is missing: build it (swift build) or set MASKSEARCH_BIN")
    done = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise CLIError(done.returncode, done.stderr)
    return done


def cli_query(db: Path, sql: str, use_index: bool = True) -> Dict[str, Any]:
    """The JSON object `masksearch query DB SQL --format json [--no-index]` prints."""
    args = ["query", db, sql, "--format", "json"] + ([] if use_index else ["--no-index"])
    return json.loads(cli(*args).stdout)


def snapshot(directory: Path) -> Dict[str, str]:
    """{relative path: sha256} of every file under ``directory`` (plus directories as "dir")."""
    out: Dict[str, str] = {}
    if not directory.exists():
        return out
    for path in sorted(directory.rglob("*")):
        key = str(path.relative_to(directory))
        out[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _typed(cells: List[str]) -> List[Any]:
    """A CSV column as the engine types it: ints, else floats, else text; empty cells None."""
    present = [c for c in cells if c != ""]
    for kind in (int, float):
        try:
            [kind(c) for c in present]
        except ValueError:
            continue
        return [kind(c) if c != "" else None for c in cells]
    return [c if c != "" else None for c in cells]


def read_columns(path: Path) -> Dict[str, List[Any]]:
    """A CSV file as a dict of typed columns."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    return {name: _typed([row[i] for row in body]) for i, name in enumerate(header)}


def write_columns(path: Path, columns: Dict[str, List[Any]]) -> Path:
    """Writes a dict of columns as a CSV file (None as an empty cell, floats with repr)."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(columns))
        for row in zip(*columns.values()):
            writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
    return path


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    return tmp_path / "db"


def as_lists(rows: Any) -> List[List[Any]]:
    return [list(row) for row in rows]


def save_npy(path: Path, array: np.ndarray) -> Path:
    np.save(path, array)
    return path


def optional_pandas() -> Optional[Any]:
    try:
        import pandas
    except ImportError:
        return None
    return pandas
