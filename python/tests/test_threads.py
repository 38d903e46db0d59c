"""One connection queried from 8 threads at once gives the same answers as sequential calls, and
the queries really run outside the GIL (they overlap in time)."""
from __future__ import annotations

import concurrent.futures
import sys
import time
from pathlib import Path

import numpy as np

import masksearch

QUERIES = [
    "SELECT mask_id FROM masks WHERE CP(mask, (4, 4, 40, 30), 0.8, 1.0) > 60",
    "SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 7",
    "SELECT image_id, AVG(CP(mask, full, 0.5, 1.0)) AS a FROM masks GROUP BY image_id ORDER BY a ASC LIMIT 5",
    "SELECT image_id, CP(INTERSECT(mask > 0.5), full, 0.5, 1) / CP(UNION(mask > 0.5), full, 0.5, 1) AS iou "
    "FROM masks GROUP BY image_id ORDER BY iou DESC LIMIT 4",
    "SELECT mask_id, CP(mask, object, 0.1, 0.9) / AREA(object) AS r FROM masks WHERE model_id = 1 ORDER BY r DESC LIMIT 6",
]


def test_eight_threads_equal_sequential(tmp_db: Path) -> None:
    rng = np.random.default_rng(5)
    count = 240
    with masksearch.connect(tmp_db) as db:
        db.ingest(rng.random((count, 36, 48)).astype(np.float32),
                  meta={"image_id": [i // 4 for i in range(count)], "model_id": [i % 4 for i in range(count)]})
        db.load_rois("object", {"image_id": list(range(count // 4)), "x0": [i % 20 for i in range(count // 4)],
                                "y0": [3] * (count // 4), "x1": [30] * (count // 4), "y1": [33] * (count // 4)})
        work = [(sql, use_index) for sql in QUERIES for use_index in (True, False)] * 8
        expected = {(sql, u): (r.columns, r.rows) for sql, u in set(work) for r in [db.query(sql, use_index=u)]}
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda item: db.query(item[0], use_index=item[1]), work))
            masks = list(pool.map(lambda i: db.mask(i), range(0, count, 7)))
        for (sql, use_index), result in zip(work, answers):
            assert (result.columns, result.rows) == expected[(sql, use_index)], sql
        for i, mask in zip(range(0, count, 7), masks):
            np.testing.assert_array_equal(mask, db.mask(i))


def test_engine_calls_release_the_gil(tmp_db: Path) -> None:
    """While a slow query runs in the engine, a pure-Python thread keeps running: its longest
    pause is far shorter than one query (a call holding the GIL would stall it for the whole
    query). The switch interval is lowered so that Python threads alternate every 0.5 ms."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        with masksearch.connect(tmp_db) as db:
            count = 1500
            db.ingest(np.random.default_rng(6).random((count, 64, 64)).astype(np.float32),
                      meta={"image_id": [i // 3 for i in range(count)]})
            sql = ("SELECT image_id, CP(INTERSECT(mask > 0.5), full, 0.5, 1) AS v FROM masks "
                   "GROUP BY image_id ORDER BY v DESC LIMIT 3")
            start = time.perf_counter()
            db.query(sql, use_index=False)
            one_query = time.perf_counter() - start
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                future = pool.submit(lambda: [db.query(sql, use_index=False) for _ in range(3)])
                longest, last = 0.0, time.perf_counter()
                while not future.done():
                    now = time.perf_counter()
                    longest, last = max(longest, now - last), now
                future.result()
    finally:
        sys.setswitchinterval(previous)
    assert one_query > 0.01, f"the query is too fast ({one_query:.4f} s) to tell"
    assert longest < one_query / 2, (longest, one_query)
