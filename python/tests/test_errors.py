"""QueryError's position and token (as the CLI reports them), errors leaving the database as it
was, and a closed connection raising masksearch.Error instead of crashing."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import masksearch
from conftest import cli, snapshot


@pytest.fixture
def db(tmp_db: Path):
    connection = masksearch.connect(tmp_db)
    connection.ingest(np.random.default_rng(0).random((12, 8, 10)).astype(np.float32),
                      meta={"image_id": [i // 2 for i in range(12)], "label": [i % 3 for i in range(12)],
                            "kind": ["é" if i % 2 else "b" for i in range(12)]})
    yield connection
    connection.close()


BAD_SQL = [
    ("SELECT mask_id FROM masks WHERE nosuch > 1", "nosuch"),
    ("SELECT mask_id FROM masks WHERE CP(mask, nobox, 0.5, 1) > 1", "nobox"),
    ("SELECT FOO(mask_id) FROM masks", "FOO"),
    ("SELECT mask_id FROM masks WHERE", ""),
    ("SELECT mask_id FROM masks ORDER BY mask_id LIMIT", ""),
    ("SELECT image_id, CP(UNION(mask > 0.5), full, 0, 1) FROM masks", "image_id"),
    ("SELECT mask_id FROM masks GROUP BY image_id", None),
    ("SELECT mask_id FROM masks WHERE label = 'a", None),
]


@pytest.mark.parametrize("sql,token", BAD_SQL)
def test_query_error_position_and_token(db: masksearch.Connection, tmp_db: Path, sql: str, token) -> None:
    before = snapshot(tmp_db)
    with pytest.raises(masksearch.QueryError) as caught:
        db.query(sql)
    error = caught.value
    assert isinstance(error, masksearch.Error)
    if token is not None:
        assert error.token == token
        expected = len(sql) + 1 if token == "" else sql.index(token) + 1
        assert error.position == expected
    assert 1 <= error.position <= len(sql) + 1
    assert snapshot(tmp_db) == before
    done = cli("query", tmp_db, sql, check=False)
    assert done.returncode == 2
    assert str(error) in done.stderr or str(error).split("\n")[0] in done.stderr


def test_positions_count_characters_not_bytes(db: masksearch.Connection) -> None:
    sql = "SELECT mask_id FROM masks WHERE kind = 'ééé' AND nosuch > 1"
    with pytest.raises(masksearch.QueryError) as caught:
        db.query(sql)
    assert caught.value.token == "nosuch" and caught.value.position == sql.index("nosuch") + 1


def test_closed_connection_raises(tmp_db: Path) -> None:
    db = masksearch.connect(tmp_db)
    db.ingest(np.zeros((2, 4, 4), np.uint8))
    assert "open" in repr(db) and str(tmp_db) in repr(db)
    db.close()
    db.close()
    assert db.closed and "closed" in repr(db)
    calls = [lambda: db.query("SELECT mask_id FROM masks"), lambda: db.ingest(np.zeros((1, 4, 4), np.uint8)),
             lambda: db.mask(0), lambda: db.masks([0]), lambda: db.index(), lambda: db.info(),
             lambda: db.load_rois("o", {"image_id": [0], "x0": [0], "y0": [0], "x1": [1], "y1": [1]})]
    for call in calls:
        with pytest.raises(masksearch.Error, match="connection is closed"):
            call()


def test_context_manager_closes(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        db.ingest(np.zeros((1, 4, 4), np.uint8))
    assert db.closed
    with pytest.raises(masksearch.Error):
        db.query("SELECT mask_id FROM masks")
    with pytest.raises(ZeroDivisionError):
        with masksearch.connect(tmp_db) as again:
            1 / 0
    assert again.closed


def test_close_while_other_threads_query(tmp_db: Path) -> None:
    db = masksearch.connect(tmp_db)
    db.ingest(np.random.default_rng(1).random((200, 32, 32)).astype(np.float32))
    outcomes: list = []
    started = threading.Barrier(5)

    def work() -> None:
        started.wait()
        for _ in range(200):
            try:
                db.query("SELECT mask_id, CP(mask, full, 0.3, 0.7) AS v FROM masks ORDER BY v DESC LIMIT 3", use_index=False)
                outcomes.append("ok")
            except masksearch.Error as error:
                outcomes.append(str(error))
                return

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait()
    db.close()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert set(outcomes) <= {"ok", "connection is closed"}
    assert outcomes.count("connection is closed") == 4


def test_connect_without_create(tmp_path: Path) -> None:
    with pytest.raises(masksearch.InputError):
        masksearch.connect(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(masksearch.Error):
        masksearch.connect(tmp_path / "file").query("SELECT mask_id FROM masks")


def test_query_on_empty_database(tmp_db: Path) -> None:
    with masksearch.connect(tmp_db) as db:
        with pytest.raises(masksearch.Error):
            db.query("SELECT mask_id FROM masks")
        with pytest.raises(masksearch.InputError):
            db.mask(0)


def test_nul_characters_are_refused(db: masksearch.Connection) -> None:
    with pytest.raises(masksearch.InputError, match="NUL"):
        db.query("SELECT mask_id FROM masks\0 WHERE nosuch")
    with pytest.raises(masksearch.InputError, match="NUL"):
        db.load_rois("o\0x", {"image_id": [0], "x0": [0], "y0": [0], "x1": [1], "y1": [1]})
    with pytest.raises(masksearch.InputError, match="NUL"):
        db.ingest(np.zeros((1, 8, 10), np.float32), meta={"label": ["a\0b"]})
