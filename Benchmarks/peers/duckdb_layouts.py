#!/usr/bin/env python3
"""The DuckDB layouts tried for duckdb_peer.py, timed on a small dataset (uint8 only).

    duckdb_layouts.py DATASET [--work DIR] [--repeats 2]

  A  mask-per-row: pixels(mask_id, mask UTINYINT[H*W]) row-major flat list
  B  row-per-row:  pixels(mask_id, y, r UTINYINT[W])   one row per image row (the chosen layout)
  C  pixel-per-row: pixels(mask_id, y, x, v UTINYINT)  one row per pixel
For each: load time, file size, and the best of --repeats warm runs (one warm-up first) of
filter-const (box 56,56,168,168, v >= 0.8, CP > 9000), filter-object (CP > 5000) and the IoU of
topk-iou (t = 0.8), with the best formulation found for that layout. Prints a Markdown table.
"""
import argparse
import os
import shutil
import tempfile
import time

import numpy as np
import duckdb
import pyarrow as pa

LO = 204   # first uint8 code with q/255 >= 0.8
HOT = 205  # first uint8 code with q/255 > 0.8


def timed(con, sql, repeats):
    con.execute(sql).fetchall()
    best, rows = None, None
    for _ in range(repeats):
        s = time.perf_counter()
        rows = con.execute(sql).fetchall()
        t = time.perf_counter() - s
        best = t if best is None else min(best, t)
    return best * 1000, rows


def common_tables(con, dataset, meta, h, w):
    mt = pa.table({"mask_id": meta[:, 0], "image_id": meta[:, 1], "mask_type": meta[:, 3]})  # noqa: F841
    con.execute("CREATE TABLE meta AS SELECT * FROM mt")
    con.execute(f"""CREATE TABLE b AS SELECT m.mask_id, m.image_id,
        greatest(least(floor(o.x0), {w}), 0)::INT bx0, greatest(least(floor(o.y0), {h}), 0)::INT by0,
        greatest(least(ceil(o.x1), {w}), 0)::INT bx1, greatest(least(ceil(o.y1), {h}), 0)::INT by1
        FROM meta m JOIN read_csv('{dataset}/rois/object.csv') o USING (image_id)""")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset")
    p.add_argument("--work")
    p.add_argument("--repeats", type=int, default=2)
    a = p.parse_args()
    masks = np.load(os.path.join(a.dataset, "masks.npy"), mmap_mode="r")
    assert masks.dtype == np.uint8, "uint8 datasets only"
    n, h, w = masks.shape
    meta = np.loadtxt(os.path.join(a.dataset, "meta.csv"), delimiter=",", skiprows=1, usecols=(0, 1, 2, 3),
                      dtype=np.int64, ndmin=2)
    ids = meta[:, 0]
    flat = pa.array(np.ascontiguousarray(masks).reshape(-1))
    work = a.work or tempfile.mkdtemp(prefix="masksearch-layouts-")
    iou_tail = "GROUP BY image_id ORDER BY v ASC NULLS LAST, image_id LIMIT 25"

    def build(path, create):
        if os.path.exists(path):
            os.remove(path)
        con = duckdb.connect(path, config={"threads": 2})
        s = time.perf_counter()
        create(con)
        common_tables(con, a.dataset, meta, h, w)
        con.execute("CHECKPOINT")
        return con, time.perf_counter() - s, os.path.getsize(path)

    layouts = {}

    def a_create(con):
        t = pa.table({"mask_id": ids, "m": pa.FixedSizeListArray.from_arrays(flat, h * w)})  # noqa: F841
        con.execute("CREATE TABLE pixels AS SELECT mask_id, m::UTINYINT[] AS m FROM t")
    layouts["A mask per row"] = (a_create, {
        "filter-const": f"""SELECT mask_id FROM pixels WHERE len(list_filter(range({h * w}), lambda i:
            i // {w} >= 56 AND i // {w} < 168 AND i % {w} >= 56 AND i % {w} < 168 AND m[i + 1] >= {LO})) > 9000""",
        "filter-object": f"""SELECT mask_id FROM pixels JOIN b USING (mask_id) WHERE len(list_filter(range({h * w}), lambda i:
            i // {w} >= by0 AND i // {w} < by1 AND i % {w} >= bx0 AND i % {w} < bx1 AND m[i + 1] >= {LO})) > 5000""",
        "iou": None})   # too slow with the positional lambda; the per-row words of B apply after UNNEST only

    def b_create(con):
        t = pa.table({"mask_id": np.repeat(ids, h), "y": np.tile(np.arange(h, dtype=np.int16), n),  # noqa: F841
                      "r": pa.FixedSizeListArray.from_arrays(flat, w)})
        con.execute("CREATE TABLE pixels AS SELECT mask_id, y, r::UTINYINT[] AS r FROM t")
    words = (w + 61) // 62
    layouts["B image row per row"] = (b_create, {
        "filter-const": f"""SELECT mask_id FROM pixels WHERE y >= 56 AND y < 168 GROUP BY mask_id
            HAVING sum(len(list_filter(r[57:168], lambda v: v >= {LO}))) > 9000""",
        "filter-object": f"""SELECT p.mask_id FROM pixels p JOIN b ON p.mask_id = b.mask_id AND p.y >= b.by0 AND p.y < b.by1
            GROUP BY p.mask_id HAVING sum(len(list_filter(p.r[b.bx0 + 1:b.bx1], lambda v: v >= {LO}))) > 5000""",
        "iou": f"""SELECT image_id, sum(ic)::DOUBLE / sum(uc) v FROM (
            SELECT image_id, bit_count(bit_and(b)) ic, bit_count(bit_or(b)) uc FROM (
              SELECT m.image_id, p.y, j.j, list_sum(list_transform(p.r[j.j * 62 + 1:j.j * 62 + 62], lambda v, i:
                     CASE WHEN v >= {HOT} THEN 1::BIGINT << (i - 1)::BIGINT ELSE 0::BIGINT END))::BIGINT b
              FROM pixels p JOIN meta m USING (mask_id), range({words}) j(j) WHERE m.mask_type IN (1, 2))
            GROUP BY image_id, y, j) {iou_tail}"""})

    def c_create(con):
        t = pa.table({"mask_id": np.repeat(ids, h * w), "y": np.tile(np.repeat(np.arange(h, dtype=np.int16), w), n),  # noqa: F841
                      "x": np.tile(np.arange(w, dtype=np.int16), n * h), "v": flat})
        con.execute("CREATE TABLE pixels AS SELECT * FROM t")
    layouts["C pixel per row"] = (c_create, {
        "filter-const": f"""SELECT mask_id FROM pixels WHERE y >= 56 AND y < 168 AND x >= 56 AND x < 168 AND v >= {LO}
            GROUP BY mask_id HAVING count(*) > 9000""",
        "filter-object": f"""SELECT p.mask_id FROM pixels p JOIN b USING (mask_id)
            WHERE p.y >= by0 AND p.y < by1 AND p.x >= bx0 AND p.x < bx1 AND v >= {LO} GROUP BY p.mask_id HAVING count(*) > 5000""",
        "iou": f"""SELECT image_id, count(*) FILTER (WHERE c = k)::DOUBLE / count(*) v FROM (
            SELECT image_id, y, x, count(*) c FROM pixels JOIN meta USING (mask_id)
            WHERE mask_type IN (1, 2) AND v >= {HOT} GROUP BY image_id, y, x)
            JOIN (SELECT image_id, count(*) k FROM meta WHERE mask_type IN (1, 2) GROUP BY image_id) USING (image_id)
            {iou_tail}"""})

    print(f"{n} masks {h}x{w} uint8; best of {a.repeats} warm runs, DuckDB {duckdb.__version__}, threads 2\n")
    print("| layout | load s | file MB | filter-const ms | filter-object ms | IoU ms |")
    print("|---|---|---|---|---|---|")
    answers = {}
    try:
        for i, (name, (create, sqls)) in enumerate(layouts.items()):
            con, load_s, size = build(os.path.join(work, f"layout{i}.duckdb"), create)
            cells = []
            for q in ("filter-const", "filter-object", "iou"):
                if sqls[q] is None:
                    cells.append("—")
                    continue
                ms, rows = timed(con, sqls[q], a.repeats)
                rows = sorted(rows) if q != "iou" else rows
                if q in answers and answers[q] != rows:
                    cells.append(f"{ms:.0f} (rows DIFFER)")
                else:
                    answers.setdefault(q, rows)
                    cells.append(f"{ms:.0f}")
            con.close()
            print(f"| {name} | {load_s:.2f} | {size / 1e6:.1f} | " + " | ".join(cells) + " |", flush=True)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
