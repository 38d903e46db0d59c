#!/usr/bin/env python3
"""DuckDB peer: the five query families of Tools/baselines/numpy_baseline.py answered by SQL inside
DuckDB (list slicing, list lambdas, joins, GROUP BY), over masks stored one row per image row
(or, with --layout pixels, one row per pixel).

    duckdb_peer.py load DATASET DB_FILE [--layout rows|pixels]   # interchange layout -> DuckDB file
    duckdb_peer.py filter-const  [DATASET] --db DB_FILE --box X0,Y0,X1,Y1 --lv LV --uv UV --threshold T
    duckdb_peer.py filter-object [DATASET] --db DB_FILE --lv LV --uv UV --threshold T
    duckdb_peer.py topk-const    [DATASET] --db DB_FILE --box X0,Y0,X1,Y1 --lv LV --uv UV --k K
    duckdb_peer.py topk-agg      [DATASET] --db DB_FILE --lv LV --uv UV --k K
    duckdb_peer.py topk-iou      [DATASET] --db DB_FILE --t T --k K
    duckdb_peer.py sql FAMILY    [DATASET] --db DB_FILE ...     # print the SQL instead of running it

Tables (README.md says why the default layout):
  info(height, width, dtype, layout)
  meta(mask_id, image_id, model_id, mask_type BIGINT)            one row per mask (meta.csv)
  object(image_id BIGINT, x0, y0, x1, y1 DOUBLE)                 rois/object.csv as written
  pixels, layout rows (default): (mask_id BIGINT, y SMALLINT, r UTINYINT[] | FLOAT[])
                                 one row per (mask, image row y), r = the W values of row y;
                                 a box reads its rows (y0 <= y < y1) and slices r[x0+1:x1]
  pixels, layout pixels:         (mask_id BIGINT, y SMALLINT, x SMALLINT, v UTINYINT | FLOAT)
                                 one row per pixel; plain WHERE / GROUP BY, no lambdas
Object boxes are rounded outward and clipped in SQL at query time. The value range [lv, uv) is
turned into the first stored value meeting each bound (numpy_baseline.value_range, exact in
float64), which the SQL compares the stored values against, so answers equal the baseline's.
Queries print {"rows": [...], "elapsed_ms": ...}; elapsed_ms covers connecting (read-only,
threads = 2), running the SQL and fetching the rows.
"""
import math
import os
import sys
import time

import numpy as np
import duckdb
import pyarrow as pa

from common import nb, raw_object_boxes, parser, run_query, dir_size

THREADS = 2
DEFAULT_LAYOUT = "rows"
BITS = 62          # hot pixels packed this many per BIGINT for INTERSECT / UNION (topk-iou)


def connect(path, read_only):
    return duckdb.connect(path, read_only=read_only, config={"threads": THREADS})


# ---------------------------------------------------------------- load

def load(dataset, path, layout=None, chunk=1024):
    start = time.perf_counter()
    if os.path.exists(path):
        sys.exit(f"duckdb_peer: {path} exists; remove it first")
    masks = np.load(os.path.join(dataset, "masks.npy"), mmap_mode="r")
    n, h, w = masks.shape
    sql_type = {np.dtype(np.uint8): "UTINYINT", np.dtype(np.float32): "FLOAT"}.get(masks.dtype)
    if sql_type is None:
        sys.exit(f"duckdb_peer: {dataset}/masks.npy is {masks.dtype}; uint8 or float32 expected")
    data = nb.Dataset(dataset)
    boxes = raw_object_boxes(dataset)
    con = connect(path, read_only=False)
    layout = layout or DEFAULT_LAYOUT
    con.execute("CREATE TABLE info(height INTEGER, width INTEGER, dtype VARCHAR, layout VARCHAR)")
    con.execute("INSERT INTO info VALUES (?, ?, ?, ?)", [h, w, masks.dtype.name, layout])
    meta_arrow = pa.table({"mask_id": data.mask_id, "image_id": data.image_id,
                           "model_id": data.model_id, "mask_type": data.mask_type})
    con.execute("CREATE TABLE meta AS SELECT mask_id::BIGINT mask_id, image_id::BIGINT image_id, "
                "model_id::BIGINT model_id, mask_type::BIGINT mask_type FROM meta_arrow")
    ids = sorted(boxes)
    obj = np.array([boxes[g] for g in ids], dtype=np.float64).reshape(len(ids), 4)
    obj_arrow = pa.table({"image_id": np.array(ids, dtype=np.int64), "x0": obj[:, 0], "y0": obj[:, 1],
                          "x1": obj[:, 2], "y1": obj[:, 3]})
    con.execute("CREATE TABLE object AS SELECT image_id, x0::DOUBLE x0, y0::DOUBLE y0, x1::DOUBLE x1, "
                "y1::DOUBLE y1 FROM obj_arrow")
    if layout == "rows":
        con.execute(f"CREATE TABLE pixels(mask_id BIGINT, y SMALLINT, r {sql_type}[])")
    else:
        con.execute(f"CREATE TABLE pixels(mask_id BIGINT, y SMALLINT, x SMALLINT, v {sql_type})")
        chunk = max(1, chunk // 8)
    xs = np.arange(w, dtype=np.int16)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        block = np.ascontiguousarray(masks[s:e])
        if layout == "rows":
            part = pa.table({"mask_id": np.repeat(data.mask_id[s:e], h),
                             "y": np.tile(np.arange(h, dtype=np.int16), e - s),
                             "r": pa.FixedSizeListArray.from_arrays(pa.array(block.reshape(-1)), w)})
            con.execute(f"INSERT INTO pixels SELECT mask_id, y, r::{sql_type}[] FROM part")
        else:
            part = pa.table({"mask_id": np.repeat(data.mask_id[s:e], h * w),  # noqa: F841
                             "y": np.tile(np.repeat(np.arange(h, dtype=np.int16), w), e - s),
                             "x": np.tile(xs, (e - s) * h), "v": block.reshape(-1)})
            con.execute("INSERT INTO pixels SELECT mask_id, y, x, v FROM part")
    con.execute("CHECKPOINT")
    con.close()
    elapsed = time.perf_counter() - start
    print(f"duckdb_peer: loaded {n} masks {h}x{w} {masks.dtype} into {path} ({layout} layout) "
          f"in {elapsed:.2f} s, {dir_size(path) / 1e6:.1f} MB", file=sys.stderr)


# ---------------------------------------------------------------- SQL

def literal(dtype, code):
    """A stored value as an exact SQL literal of the stored type."""
    if dtype == np.uint8:
        return f"{int(code)}::UTINYINT"
    return f"{float(code)!r}::FLOAT"


def predicate(dtype, lv, uv):
    """`lambda v: ...` true for stored values in CP's range (numpy_baseline.value_range)."""
    lo, hi = nb.value_range(dtype, lv, uv)
    if lo is None:
        return "lambda v: false"
    if hi is None:
        return f"lambda v: v >= {literal(dtype, lo)}"
    return f"lambda v: v >= {literal(dtype, lo)} AND v < {literal(dtype, hi)}"


def condition(dtype, lv, uv, column="v"):
    """SQL condition on one stored value: in CP's range (numpy_baseline.value_range)."""
    lo, hi = nb.value_range(dtype, lv, uv)
    if lo is None:
        return "false"
    if hi is None:
        return f"{column} >= {literal(dtype, lo)}"
    return f"{column} >= {literal(dtype, lo)} AND {column} < {literal(dtype, hi)}"


def num(x):
    """A float argument as an exact DOUBLE literal."""
    if math.isnan(x):
        return "'nan'::DOUBLE"
    if math.isinf(x):
        return "'inf'::DOUBLE" if x > 0 else "'-inf'::DOUBLE"
    return f"{float(x)!r}::DOUBLE"


def const_cp_sql(info, a):
    """(mask_id, cp) for every mask, constant box."""
    h, w, dtype, layout = info
    x0, y0, x1, y1 = nb_clip(a.box, h, w)
    if x1 <= x0 or y1 <= y0:
        return "SELECT mask_id, 0::BIGINT AS cp FROM meta"
    if layout == "pixels":
        return f"""SELECT m.mask_id, coalesce(c.cp, 0)::BIGINT AS cp FROM meta m LEFT JOIN (
    SELECT mask_id, count(*) AS cp FROM pixels
    WHERE y >= {y0} AND y < {y1} AND x >= {x0} AND x < {x1} AND {condition(dtype, a.lv, a.uv)}
    GROUP BY mask_id) c USING (mask_id)"""
    return f"""SELECT m.mask_id, coalesce(c.cp, 0)::BIGINT AS cp FROM meta m LEFT JOIN (
    SELECT mask_id, sum(len(list_filter(r[{x0 + 1}:{x1}], {predicate(dtype, a.lv, a.uv)}))) AS cp
    FROM pixels WHERE y >= {y0} AND y < {y1} GROUP BY mask_id) c USING (mask_id)"""


def object_cp_sql(info, a, where=""):
    """(mask_id, image_id, cp) for the masks of `where`, cp NULL where the image has no box."""
    h, w, dtype, layout = info
    if layout == "pixels":
        counted = f"""SELECT p.mask_id, count(*) AS cp
    FROM pixels p JOIN b ON p.mask_id = b.mask_id
    WHERE b.has AND p.y >= b.by0 AND p.y < b.by1 AND p.x >= b.bx0 AND p.x < b.bx1 AND {condition(dtype, a.lv, a.uv, "p.v")}
    GROUP BY p.mask_id"""
    else:
        counted = f"""SELECT p.mask_id, sum(len(list_filter(p.r[b.bx0 + 1:b.bx1], {predicate(dtype, a.lv, a.uv)}))) AS cp
    FROM pixels p JOIN b ON p.mask_id = b.mask_id AND p.y >= b.by0 AND p.y < b.by1
    WHERE b.has AND b.bx1 > b.bx0 AND b.by1 > b.by0
    GROUP BY p.mask_id"""
    return f"""WITH b AS (
    SELECT mask_id, image_id, has, bx0, by0, greatest(bx1, bx0) AS bx1, greatest(by1, by0) AS by1 FROM (
        SELECT m.mask_id, m.image_id, o.image_id IS NOT NULL AS has,
               greatest(least(floor(o.x0), {w}), 0)::INTEGER AS bx0, greatest(least(floor(o.y0), {h}), 0)::INTEGER AS by0,
               greatest(least(ceil(o.x1), {w}), 0)::INTEGER AS bx1, greatest(least(ceil(o.y1), {h}), 0)::INTEGER AS by1
        FROM meta m LEFT JOIN object o USING (image_id) {where})),
c AS (
    {counted})
SELECT b.mask_id, b.image_id, CASE WHEN NOT b.has THEN NULL ELSE coalesce(c.cp, 0)::BIGINT END AS cp
FROM b LEFT JOIN c USING (mask_id)"""


def nb_clip(box, h, w):
    x0, y0, x1, y1 = box
    x0, x1 = min(max(x0, 0), w), min(max(x1, 0), w)
    y0, y1 = min(max(y0, 0), h), min(max(y1, 0), h)
    return x0, y0, max(x0, x1), max(y0, y1)


def sql_filter_const(info, a):
    return f"SELECT mask_id FROM ({const_cp_sql(info, a)}) WHERE cp > {num(a.threshold)} ORDER BY mask_id"


def sql_filter_object(info, a):
    return f"SELECT mask_id FROM ({object_cp_sql(info, a)}) WHERE cp > {num(a.threshold)} ORDER BY mask_id"


def sql_topk_const(info, a):
    return f"SELECT mask_id, cp FROM ({const_cp_sql(info, a)}) ORDER BY cp DESC, mask_id ASC LIMIT {int(a.k)}"


def sql_topk_agg(info, a):
    return f"""SELECT image_id, CASE WHEN count(cp) = 0 THEN NULL ELSE sum(cp)::DOUBLE / count(cp) END AS v
FROM ({object_cp_sql(info, a, where="WHERE m.mask_type = 1")})
GROUP BY image_id ORDER BY v DESC NULLS LAST, image_id ASC LIMIT {int(a.k)}"""


def sql_topk_iou(info, a):
    """INTERSECT / UNION of (mask > t): each image row's hot pixels packed BITS to a BIGINT word
    (the sum of distinct powers of two: list_sum measured faster than list_aggregate 'bit_or'),
    bit_and / bit_or over the image's masks per (row, word), bit_count, summed per image."""
    h, w, dtype, layout = info
    above = nb.first_at_least(dtype, a.t, strict=True)
    if layout == "pixels":
        hot = "false" if above is None else f"p.v >= {literal(dtype, above)}"
        return f"""WITH g AS (SELECT image_id, count(*) AS k FROM meta WHERE mask_type IN (1, 2) GROUP BY image_id),
h AS (SELECT m.image_id, p.y::INTEGER * {w} + p.x AS px, count(*) AS c
      FROM pixels p JOIN meta m USING (mask_id) WHERE m.mask_type IN (1, 2) AND {hot}
      GROUP BY m.image_id, px),
s AS (SELECT image_id, count(*) FILTER (WHERE h.c = g.k) AS ic, count(*) AS uc FROM h JOIN g USING (image_id) GROUP BY image_id)
SELECT g.image_id, CASE WHEN coalesce(s.uc, 0) = 0 THEN NULL ELSE s.ic::DOUBLE / s.uc END AS v
FROM g LEFT JOIN s USING (image_id) ORDER BY v ASC NULLS LAST, g.image_id ASC LIMIT {int(a.k)}"""
    words = (w + BITS - 1) // BITS
    if above is None:
        hot = "0::BIGINT"
    else:
        hot = f"CASE WHEN v >= {literal(dtype, above)} THEN 1::BIGINT << (i - 1)::BIGINT ELSE 0::BIGINT END"
    return f"""SELECT image_id, CASE WHEN sum(uc) = 0 THEN NULL ELSE sum(ic)::DOUBLE / sum(uc) END AS v FROM (
    SELECT image_id, bit_count(bit_and(b)) AS ic, bit_count(bit_or(b)) AS uc FROM (
        SELECT m.image_id, p.y, j.j,
               list_sum(list_transform(p.r[j.j * {BITS} + 1:j.j * {BITS} + {BITS}], lambda v, i: {hot}))::BIGINT AS b
        FROM pixels p JOIN meta m USING (mask_id), range({words}) j(j)
        WHERE m.mask_type IN (1, 2))
    GROUP BY image_id, y, j)
GROUP BY image_id ORDER BY v ASC NULLS LAST, image_id ASC LIMIT {int(a.k)}"""


SQL = {"filter-const": sql_filter_const, "filter-object": sql_filter_object, "topk-const": sql_topk_const,
       "topk-agg": sql_topk_agg, "topk-iou": sql_topk_iou}


def read_info(con):
    h, w, dtype, layout = con.execute("SELECT height, width, dtype, layout FROM info").fetchone()
    return int(h), int(w), np.dtype(dtype).type, layout


def query(a):
    con = connect(a.store, read_only=True)
    try:
        rows = con.execute(SQL[a.command](read_info(con), a)).fetchall()
    finally:
        con.close()
    out = []
    for row in rows:
        out.append([None if v is None else (float(v) if isinstance(v, float) else int(v)) for v in row])
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    show = bool(argv) and argv[0] == "sql"
    if show:
        argv = argv[1:]
    p, commands = parser(__doc__.split("\n\n")[0], "--db", "DuckDB file written by `load`",
                         "write DATASET into a DuckDB file DB_FILE")
    commands.choices["load"].add_argument("--layout", choices=("rows", "pixels"), default=None,
                                          help=f"pixels table layout (default {DEFAULT_LAYOUT}; README.md)")
    args = p.parse_args(argv)
    if args.command == "load":
        load(args.dataset, args.store, args.layout)
    elif show:
        con = connect(args.store, read_only=True)
        print(SQL[args.command](read_info(con), args))
    else:
        run_query(query, args)


if __name__ == "__main__":
    main()
