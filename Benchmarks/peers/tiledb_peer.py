#!/usr/bin/env python3
"""TileDB peer: the five query families of Tools/baselines/numpy_baseline.py answered from a dense
TileDB array (LZ4 tiles) read through TileDB's slicing and evaluated with NumPy.

    tiledb_peer.py load DATASET ARRAY_DIR [--tile M,TY,TX]    # interchange layout -> TileDB group
    tiledb_peer.py filter-const  [DATASET] --array ARRAY_DIR --box X0,Y0,X1,Y1 --lv LV --uv UV --threshold T
    tiledb_peer.py filter-object [DATASET] --array ARRAY_DIR --lv LV --uv UV --threshold T
    tiledb_peer.py topk-const    [DATASET] --array ARRAY_DIR --box X0,Y0,X1,Y1 --lv LV --uv UV --k K
    tiledb_peer.py topk-agg      [DATASET] --array ARRAY_DIR --lv LV --uv UV --k K
    tiledb_peer.py topk-iou      [DATASET] --array ARRAY_DIR --t T --k K

ARRAY_DIR is a TileDB group of two arrays:
  masks  dense uint8|float32 [mask 0..N-1, y 0..H-1, x 0..W-1], attribute v, LZ4 per tile;
         array metadata height, width, dtype, count, tile
  meta   dense [row 0..N-1], attributes mask_id, image_id, model_id, mask_type (int64) and the
         image's raw `object` box ox0, oy0, ox1, oy1 (float64, NaN when the image has none)
Row i of both is row i of DATASET/meta.csv / masks.npy. Queries print {"rows": [...], "elapsed_ms": ...}
with exactly the baseline's rows; elapsed_ms covers opening the arrays, reading and evaluating.

Reads (memory O(chunk * H * W)): constant boxes slice [c0:c1, y0:y1, x0:x1] per chunk of masks;
object boxes read, per chunk, the bounding box of the chunk's boxes and cut each mask's box out of it
in NumPy (one TileDB read per chunk: one read per mask or per image costs more in per-query overhead
than it saves); topk-agg / topk-iou read only the rows of the wanted mask types, as runs of
consecutive rows in one multi-range read per chunk.
"""
import math
import os
import sys
import time

import numpy as np
import tiledb

from common import nb, clip_box, object_box, raw_object_boxes, parser, run_query, dir_size

CHUNK = 2048          # masks per read
TILE_BYTES = 1 << 20  # target tile size


def default_tile(height, width, itemsize):
    """Whole masks per tile, as many as fit in TILE_BYTES rounded down to a power of two (16 masks of
    224 x 224 uint8, 4 of float32). Whole-mask tiles are read fully by every family anyway except
    constant boxes, where spatial tiles only pay off when the box is tile-aligned (README.md)."""
    per = max(1, TILE_BYTES // (height * width * itemsize))
    return 1 << (per.bit_length() - 1), 0, 0


def context():
    return tiledb.Ctx(tiledb.Config({"sm.compute_concurrency_level": "2", "sm.io_concurrency_level": "2"}))


# ---------------------------------------------------------------- load

def load(dataset, uri, tile=None):
    start = time.perf_counter()
    masks = np.load(os.path.join(dataset, "masks.npy"), mmap_mode="r")
    n, h, w = masks.shape
    if masks.dtype not in (np.uint8, np.float32):
        sys.exit(f"tiledb_peer: {dataset}/masks.npy is {masks.dtype}; uint8 or float32 expected")
    tm, ty, tx = tile or default_tile(h, w, masks.dtype.itemsize)
    tm, ty, tx = max(1, min(tm, n)), min(ty or h, h), min(tx or w, w)
    data = nb.Dataset(dataset)
    boxes = raw_object_boxes(dataset)
    ctx = context()
    if os.path.exists(uri):
        sys.exit(f"tiledb_peer: {uri} exists; remove it first")
    tiledb.group_create(uri, ctx=ctx)

    masks_uri, meta_uri = os.path.join(uri, "masks"), os.path.join(uri, "meta")
    dom = tiledb.Domain(tiledb.Dim("mask", domain=(0, n - 1), tile=tm, dtype=np.int64),
                        tiledb.Dim("y", domain=(0, h - 1), tile=ty, dtype=np.int64),
                        tiledb.Dim("x", domain=(0, w - 1), tile=tx, dtype=np.int64), ctx=ctx)
    schema = tiledb.ArraySchema(domain=dom, sparse=False, cell_order="row-major", tile_order="row-major",
                                attrs=[tiledb.Attr("v", dtype=masks.dtype,
                                                   filters=tiledb.FilterList([tiledb.LZ4Filter()]), ctx=ctx)],
                                ctx=ctx)
    tiledb.Array.create(masks_uri, schema, ctx=ctx)
    # Write whole tiles along the mask dimension, a bounded number of masks at a time.
    step = max(tm, (256 // tm) * tm) if tm < 256 else tm
    with tiledb.open(masks_uri, "w", ctx=ctx) as a:
        for s in range(0, n, step):
            e = min(n, s + step)
            a[s:e, 0:h, 0:w] = np.ascontiguousarray(masks[s:e])
        a.meta["height"], a.meta["width"], a.meta["count"] = h, w, n
        a.meta["dtype"] = np.dtype(masks.dtype).name
        a.meta["tile"] = f"{tm},{ty},{tx}"

    nan = (math.nan,) * 4
    obj = np.array([boxes.get(int(g), nan) for g in data.image_id], dtype=np.float64).reshape(n, 4)
    cols = {"mask_id": data.mask_id, "image_id": data.image_id, "model_id": data.model_id,
            "mask_type": data.mask_type, "ox0": obj[:, 0], "oy0": obj[:, 1], "ox1": obj[:, 2], "oy1": obj[:, 3]}
    zstd = tiledb.FilterList([tiledb.ZstdFilter()])
    schema = tiledb.ArraySchema(
        domain=tiledb.Domain(tiledb.Dim("row", domain=(0, n - 1), tile=min(n, 65536), dtype=np.int64), ctx=ctx),
        sparse=False, attrs=[tiledb.Attr(k, dtype=v.dtype, filters=zstd, ctx=ctx) for k, v in cols.items()], ctx=ctx)
    tiledb.Array.create(meta_uri, schema, ctx=ctx)
    with tiledb.open(meta_uri, "w", ctx=ctx) as a:
        a[0:n] = {k: np.ascontiguousarray(v) for k, v in cols.items()}
    with tiledb.Group(uri, "w", ctx=ctx) as g:
        g.add("masks", name="masks", relative=True)
        g.add("meta", name="meta", relative=True)
    elapsed = time.perf_counter() - start
    print(f"tiledb_peer: loaded {n} masks {h}x{w} {masks.dtype} into {uri} (tile {tm},{ty},{tx}, LZ4) "
          f"in {elapsed:.2f} s, {dir_size(uri) / 1e6:.1f} MB", file=sys.stderr)


# ---------------------------------------------------------------- reading

class Store:
    def __init__(self, uri, chunk=None):
        chunk = chunk or CHUNK
        self.ctx = context()
        self.masks = tiledb.open(os.path.join(uri, "masks"), ctx=self.ctx)
        self.height, self.width = int(self.masks.meta["height"]), int(self.masks.meta["width"])
        self.count = int(self.masks.meta["count"])
        self.dtype = np.dtype(self.masks.meta["dtype"]).type
        tm = int(self.masks.meta["tile"].split(",")[0])
        self.chunk = max(tm, (chunk // tm) * tm)           # whole tiles per read
        with tiledb.open(os.path.join(uri, "meta"), ctx=self.ctx) as m:
            cols = m[0:self.count]
        self.mask_id, self.image_id = cols["mask_id"], cols["image_id"]
        self.mask_type = cols["mask_type"]
        self.raw_box = np.stack([cols["ox0"], cols["oy0"], cols["ox1"], cols["oy1"]], axis=1)

    def read(self, rows, y0, y1, x0, x1):
        """masks[rows, y0:y1, x0:x1] for sorted meta rows (one TileDB read)."""
        if len(rows) == 0 or y1 <= y0 or x1 <= x0:
            return np.zeros((len(rows), max(y1 - y0, 0), max(x1 - x0, 0)), self.masks.dtype)
        if rows[-1] - rows[0] == len(rows) - 1:
            return self.masks[int(rows[0]):int(rows[-1]) + 1, y0:y1, x0:x1]["v"]
        breaks = np.flatnonzero(np.diff(rows) != 1)
        starts = np.concatenate(([rows[0]], rows[breaks + 1]))
        ends = np.concatenate((rows[breaks], [rows[-1]]))
        ranges = [slice(int(s), int(e)) for s, e in zip(starts, ends)]      # inclusive in multi_index
        return self.masks.query(attrs=["v"]).multi_index[ranges, y0:y1 - 1, x0:x1 - 1]["v"]

    def chunks(self, rows):
        """Yields runs of sorted meta rows, each within one aligned chunk of the mask dimension."""
        rows = np.asarray(rows)
        if len(rows) == 0:
            return
        bucket = rows // self.chunk
        cuts = np.flatnonzero(np.diff(bucket)) + 1
        yield from np.split(rows, cuts)

    def boxes(self, rows):
        """Integer object boxes for the rows (None where the image has no box)."""
        return [object_box(self.raw_box[r], self.height, self.width) for r in rows]


def const_cp(store, box, lo, hi):
    x0, y0, x1, y1 = clip_box(box, store.height, store.width)
    out = np.zeros(store.count, np.int64)
    for part in store.chunks(np.arange(store.count)):
        out[part] = nb.count_in_range(store.read(part, y0, y1, x0, x1), lo, hi)
    return out


def object_cp(store, lo, hi, rows):
    """CP(mask, object, lv, uv) per row of `rows` (NaN where the image has no box)."""
    out = np.full(len(rows), np.nan)
    k = 0
    for part in store.chunks(rows):
        boxes = store.boxes(part)
        present = [b for b in boxes if b is not None and b[2] > b[0] and b[3] > b[1]]
        for i, b in enumerate(boxes):
            if b is not None:
                out[k + i] = 0
        if present:
            bx0, by0 = min(b[0] for b in present), min(b[1] for b in present)
            bx1, by1 = max(b[2] for b in present), max(b[3] for b in present)
            block = store.read(part, by0, by1, bx0, bx1)
            for i, b in enumerate(boxes):
                if b is not None and b[2] > b[0] and b[3] > b[1]:
                    out[k + i] = nb.count_in_range(block[i, b[1] - by0:b[3] - by0, b[0] - bx0:b[2] - bx0], lo, hi)
        k += len(part)
    return out


# ---------------------------------------------------------------- query families

def filter_const(a):
    s = Store(a.store)
    cp = const_cp(s, a.box, *nb.value_range(s.dtype, a.lv, a.uv))
    return [[int(m)] for m in np.sort(s.mask_id[cp > a.threshold])]


def filter_object(a):
    s = Store(a.store)
    rows = np.arange(s.count)
    cp = object_cp(s, *nb.value_range(s.dtype, a.lv, a.uv), rows)
    keep = ~np.isnan(cp) & (cp > a.threshold)
    return [[int(m)] for m in np.sort(s.mask_id[rows[keep]])]


def topk_const(a):
    s = Store(a.store)
    cp = const_cp(s, a.box, *nb.value_range(s.dtype, a.lv, a.uv))
    order = np.lexsort((s.mask_id, -cp))[:a.k]
    return [[int(s.mask_id[r]), int(cp[r])] for r in order]


def topk_agg(a):
    s = Store(a.store)
    rows = np.flatnonzero(s.mask_type == 1)
    cp = object_cp(s, *nb.value_range(s.dtype, a.lv, a.uv), rows)
    groups, group_of = np.unique(s.image_id[rows], return_inverse=True)
    valid = ~np.isnan(cp)
    total = np.bincount(group_of[valid], weights=cp[valid], minlength=len(groups))
    count = np.bincount(group_of[valid], minlength=len(groups))
    avg = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    order = np.lexsort((groups, -np.nan_to_num(avg, nan=-np.inf), np.isnan(avg)))[:a.k]
    return [[int(groups[g]), None if np.isnan(avg[g]) else float(avg[g])] for g in order]


def topk_iou(a):
    s = Store(a.store)
    rows = np.flatnonzero(np.isin(s.mask_type, (1, 2)))
    above = nb.first_at_least(s.dtype, a.t, strict=True)
    remaining = dict(zip(*np.unique(s.image_id[rows], return_counts=True)))
    inter, union, result = {}, {}, {}
    for part in s.chunks(rows):
        block = s.read(part, 0, s.height, 0, s.width)
        hot = block >= above if above is not None else np.zeros(block.shape, bool)
        for i, r in enumerate(part):
            g = int(s.image_id[r])
            if g in inter:
                inter[g] &= hot[i]
                union[g] |= hot[i]
            else:
                inter[g], union[g] = hot[i].copy(), hot[i].copy()
            remaining[g] -= 1
            if remaining[g] == 0:
                i_count, u_count = int(inter.pop(g).sum()), int(union.pop(g).sum())
                result[g] = i_count / u_count if u_count else None
    keys = sorted(result, key=lambda g: (result[g] is None, result[g] if result[g] is not None else 0.0, g))
    return [[g, result[g]] for g in keys[:a.k]]


def main(argv=None):
    global CHUNK
    p, commands = parser(__doc__.split("\n\n")[0], "--array", "TileDB group written by `load`",
                         "write DATASET into a TileDB group ARRAY_DIR")
    load_parser = commands.choices["load"]
    load_parser.add_argument("--tile", help="tile extents M,TY,TX (0 = full H or W); default: whole masks, "
                             "the most that fit in 1 MiB (a power of two)")
    for name in ("filter-const", "filter-object", "topk-const", "topk-agg", "topk-iou"):
        commands.choices[name].add_argument("--chunk", type=int, default=CHUNK, help="masks per read")
    args = p.parse_args(argv)
    if args.command == "load":
        tile = tuple(int(v) for v in args.tile.split(",")) if args.tile else None
        load(args.dataset, args.store, tile)
        return
    CHUNK = args.chunk
    functions = {"filter-const": filter_const, "filter-object": filter_object, "topk-const": topk_const,
                 "topk-agg": topk_agg, "topk-iou": topk_iou}
    run_query(functions[args.command], args)


if __name__ == "__main__":
    main()
