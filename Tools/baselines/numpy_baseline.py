#!/usr/bin/env python3
"""NumPy baseline for masksearch benchmarks: evaluates one query family over a dataset in the
interchange layout (CONTRACT.md section 5) without any index, and prints
{"rows": [...], "elapsed_ms": ...} as JSON.

    numpy_baseline.py filter-const  DATASET --box X0,Y0,X1,Y1 --lv LV --uv UV --threshold T
    numpy_baseline.py filter-object DATASET --lv LV --uv UV --threshold T
    numpy_baseline.py topk-const    DATASET --box X0,Y0,X1,Y1 --lv LV --uv UV --k K
    numpy_baseline.py topk-agg      DATASET --lv LV --uv UV --k K
    numpy_baseline.py topk-iou      DATASET --t T --k K
    numpy_baseline.py split         DATASET OUT_DIR        # one OUT_DIR/<mask_id>.npy per mask
    numpy_baseline.py batch         FILE                   # each line a JSON array of the arguments
                                                           # of one query; one JSON line per query

The filter families also take --image-range A,B: only masks with A <= image_id <= B (the SQL adds
`image_id BETWEEN A AND B AND ...`); only those masks are read.

Every query also takes --per-file DIR (read masks one file at a time from DIR/<mask_id>.npy, the
paper's baseline, instead of slicing the memory-mapped DATASET/masks.npy) and --chunk N (masks
per vectorised step, default 2048). Metadata always comes from DATASET/meta.csv and
DATASET/rois/object.csv. The SQL each family stands for, and its rows:

    filter-const   SELECT mask_id FROM masks WHERE CP(mask, (x0,y0,x1,y1), lv, uv) > T
                   rows [[mask_id], ...] ascending
    filter-object  same with the image's `object` box (masks whose image has no box: CP is NULL,
                   never > T); rows [[mask_id], ...]
    topk-const     SELECT mask_id, CP(mask, box, lv, uv) AS v ... ORDER BY v DESC LIMIT k
                   rows [[mask_id, v], ...], ties by ascending mask_id
    topk-agg       SELECT image_id, AVG(CP(mask, object, lv, uv)) AS v FROM masks WHERE mask_type = 1
                   GROUP BY image_id ORDER BY v DESC LIMIT k; rows [[image_id, v|null], ...]
    topk-iou       SELECT image_id, CP(INTERSECT(mask > t), full, 0.5, 1) / CP(UNION(mask > t), full, 0.5, 1)
                   AS v FROM masks WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY v ASC LIMIT k
                   rows [[image_id, v|null], ...]; NULL (0/0) last, ties by image_id

Semantics (CONTRACT.md sections 1-2): a stored uint8 q means q/255.0 in float64, a float32 its
exact value; CP counts lv <= v < uv, or v >= lv when uv >= 1.0. Each threshold is turned into
the first *stored* value meeting it (exactly, by comparing in float64), so the comparisons run
on the raw uint8/float32 arrays without converting them and give the float64 answer.
Object boxes are rounded outward (floor x0, y0; ceil x1, y1) and clipped to the mask.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np


# ---------------------------------------------------------------- exact thresholds

def meaning(dtype, code):
    """The float64 value a stored code means."""
    return float(code) / 255.0 if dtype == np.uint8 else float(code)


def first_at_least(dtype, x, strict=False):
    """The smallest stored value whose meaning is >= x (> x if strict); None if none is."""
    ok = (lambda c: meaning(dtype, c) > x) if strict else (lambda c: meaning(dtype, c) >= x)
    if dtype == np.uint8:
        q = min(max(math.ceil(x * 255) - 1, 0), 255) if math.isfinite(x) else (0 if x < 0 else 256)
        while q > 0 and ok(q - 1):
            q -= 1
        while q <= 255 and not ok(q):
            q += 1
        return np.uint8(q) if q <= 255 else None
    f = np.float32(x)
    while not ok(f) and f != np.inf:
        f = np.nextafter(f, np.float32(np.inf))
    while f != -np.inf and ok(np.nextafter(f, np.float32(-np.inf))):
        f = np.nextafter(f, np.float32(-np.inf))
    return f if ok(f) else None


def value_range(dtype, lv, uv):
    """CP's predicate as stored-value bounds (lo, hi): lo <= v < hi, hi None = no upper bound,
    lo None = nothing qualifies."""
    lo = first_at_least(dtype, lv)
    hi = None if uv >= 1.0 else first_at_least(dtype, uv)
    return lo, hi


def count_in_range(masks, lo, hi):
    """CP over the last two axes of `masks` (any leading shape)."""
    if lo is None or masks.size == 0:
        return np.zeros(masks.shape[:-2], dtype=np.int64)
    hit = masks >= lo
    if hi is not None:
        hit &= masks < hi
    return hit.sum(axis=(-2, -1), dtype=np.int64)


# ---------------------------------------------------------------- data access

class Dataset:
    def __init__(self, path, per_file=None, chunk=2048):
        self.path, self.per_file, self.chunk = path, per_file, chunk
        self.masks = np.load(os.path.join(path, "masks.npy"), mmap_mode="r")
        _, self.height, self.width = self.masks.shape
        meta = np.loadtxt(os.path.join(path, "meta.csv"), delimiter=",", skiprows=1,
                          usecols=(0, 1, 2, 3), dtype=np.int64, ndmin=2)
        self.mask_id, self.image_id, self.model_id, self.mask_type = meta.T
        self.dtype = self.masks.dtype.type

    def object_boxes(self):
        """{image_id: (x0, y0, x1, y1)} as integer boxes rounded outward and clipped."""
        path = os.path.join(self.path, "rois", "object.csv")
        rows = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2) if os.path.exists(path) else np.zeros((0, 5))
        return {int(r[0]): self.clip((math.floor(r[1]), math.floor(r[2]), math.ceil(r[3]), math.ceil(r[4])))
                for r in rows}

    def clip(self, box):
        x0, y0, x1, y1 = box
        x0, x1 = min(max(x0, 0), self.width), min(max(x1, 0), self.width)
        y0, y1 = min(max(y0, 0), self.height), min(max(y1, 0), self.height)
        return x0, y0, max(x0, x1), max(y0, y1)

    def chunks(self, rows=None):
        """Yields (row indices, masks array) for the meta rows `rows` (default: all), in order."""
        rows = np.arange(len(self.mask_id)) if rows is None else np.asarray(rows)
        for start in range(0, len(rows), self.chunk):
            part = rows[start:start + self.chunk]
            if self.per_file:
                block = np.stack([np.load(os.path.join(self.per_file, f"{self.mask_id[r]}.npy")) for r in part]) \
                    if len(part) else np.zeros((0, self.height, self.width), self.masks.dtype)
            else:
                contiguous = len(part) and part[-1] - part[0] == len(part) - 1
                block = self.masks[part[0]:part[-1] + 1] if contiguous else self.masks[part]
            yield part, block


def object_cp(data, lo, hi, rows=None):
    """CP(mask, object, lv, uv) per meta row (NaN where the image has no box)."""
    boxes = data.object_boxes()
    rows = np.arange(len(data.mask_id)) if rows is None else rows
    out = np.full(len(rows), np.nan)
    k = 0
    for part, block in data.chunks(rows):
        for i, r in enumerate(part):
            box = boxes.get(int(data.image_id[r]))
            if box is not None:
                x0, y0, x1, y1 = box
                out[k + i] = count_in_range(block[i, y0:y1, x0:x1], lo, hi)
        k += len(part)
    return rows, out


# ---------------------------------------------------------------- query families

def image_rows(data, a):
    """Meta rows the filter families consider: all, or those with image_id in --image-range."""
    if getattr(a, "image_range", None) is None:
        return None
    lo, hi = a.image_range
    return np.flatnonzero((data.image_id >= lo) & (data.image_id <= hi))


def filter_const(data, a):
    lo, hi = value_range(data.dtype, a.lv, a.uv)
    x0, y0, x1, y1 = data.clip(a.box)
    hits = []
    for part, block in data.chunks(image_rows(data, a)):
        cp = count_in_range(block[:, y0:y1, x0:x1], lo, hi)
        hits.extend(int(data.mask_id[r]) for r in part[cp > a.threshold])
    return [[m] for m in sorted(hits)]


def filter_object(data, a):
    rows, cp = object_cp(data, *value_range(data.dtype, a.lv, a.uv), rows=image_rows(data, a))
    keep = ~np.isnan(cp) & (cp > a.threshold)
    return [[int(m)] for m in sorted(data.mask_id[rows[keep]])]


def topk_const(data, a):
    lo, hi = value_range(data.dtype, a.lv, a.uv)
    x0, y0, x1, y1 = data.clip(a.box)
    cp = np.concatenate([count_in_range(block[:, y0:y1, x0:x1], lo, hi) for _, block in data.chunks()] or [[]])
    order = np.lexsort((data.mask_id, -cp))[:a.k]
    return [[int(data.mask_id[r]), int(cp[r])] for r in order]


def topk_agg(data, a):
    rows = np.flatnonzero(data.mask_type == 1)
    rows, cp = object_cp(data, *value_range(data.dtype, a.lv, a.uv), rows=rows)
    groups, group_of = np.unique(data.image_id[rows], return_inverse=True)
    valid = ~np.isnan(cp)
    total = np.bincount(group_of[valid], weights=cp[valid], minlength=len(groups))
    count = np.bincount(group_of[valid], minlength=len(groups))
    avg = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    order = np.lexsort((groups, -np.nan_to_num(avg, nan=-np.inf), np.isnan(avg)))[:a.k]
    return [[int(groups[g]), None if np.isnan(avg[g]) else float(avg[g])] for g in order]


def topk_iou(data, a):
    rows = np.flatnonzero(np.isin(data.mask_type, (1, 2)))
    above = first_at_least(data.dtype, a.t, strict=True)
    remaining = dict(zip(*np.unique(data.image_id[rows], return_counts=True)))
    inter, union, result = {}, {}, {}
    for part, block in data.chunks(rows):
        hot = block >= above if above is not None else np.zeros(block.shape, bool)
        for i, r in enumerate(part):
            g = int(data.image_id[r])
            if g in inter:
                inter[g] &= hot[i]
                union[g] |= hot[i]
            else:
                inter[g], union[g] = hot[i].copy(), hot[i].copy()
            remaining[g] -= 1
            if remaining[g] == 0:          # group complete: reduce it and free its masks
                i_count, u_count = int(inter.pop(g).sum()), int(union.pop(g).sum())
                result[g] = i_count / u_count if u_count else None
    keys = sorted(result, key=lambda g: (result[g] is None, result[g] if result[g] is not None else 0.0, g))
    return [[g, result[g]] for g in keys[:a.k]]


def split(data, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for part, block in data.chunks():
        for i, r in enumerate(part):
            np.save(os.path.join(out_dir, f"{data.mask_id[r]}.npy"), np.ascontiguousarray(block[i]))


# ---------------------------------------------------------------- command line

def main(argv=None):
    def box(text):
        parts = [int(v) for v in text.split(",")]
        if len(parts) != 4:
            raise argparse.ArgumentTypeError("box must be X0,Y0,X1,Y1")
        return tuple(parts)

    def image_range(text):
        parts = [int(v) for v in text.split(",")]
        if len(parts) != 2:
            raise argparse.ArgumentTypeError("image range must be A,B")
        return tuple(parts)

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    families = {"filter-const": filter_const, "filter-object": filter_object, "topk-const": topk_const,
                "topk-agg": topk_agg, "topk-iou": topk_iou}
    for name in families:
        p = commands.add_parser(name)
        p.add_argument("dataset")
        p.add_argument("--per-file", metavar="DIR", help="read DIR/<mask_id>.npy one by one")
        p.add_argument("--chunk", type=int, default=2048, help="masks per vectorised step")
        if name in ("filter-const", "topk-const"):
            p.add_argument("--box", type=box, required=True, metavar="X0,Y0,X1,Y1")
        if name != "topk-iou":
            p.add_argument("--lv", type=float, required=True)
            p.add_argument("--uv", type=float, required=True)
        else:
            p.add_argument("--t", type=float, default=0.8, help="threshold of mask > t")
        if name.startswith("filter"):
            p.add_argument("--threshold", type=float, required=True)
            p.add_argument("--image-range", type=image_range, metavar="A,B",
                           help="only masks with A <= image_id <= B")
        else:
            p.add_argument("--k", type=int, required=True)
    p = commands.add_parser("split", help="write OUT_DIR/<mask_id>.npy for each mask")
    p.add_argument("dataset")
    p.add_argument("out_dir")
    p = commands.add_parser("batch", help="run the queries of FILE (one JSON array of arguments per line) in this "
                                          "process; one JSON line each")
    p.add_argument("file")
    args = parser.parse_args(argv)

    def run(args):
        start = time.perf_counter()
        if args.command == "split":
            split(Dataset(args.dataset), args.out_dir)
            rows = []
        else:
            data = Dataset(args.dataset, per_file=args.per_file, chunk=args.chunk)
            rows = families[args.command](data, args)
        elapsed_ms = (time.perf_counter() - start) * 1000
        json.dump({"rows": rows, "elapsed_ms": round(elapsed_ms, 3)}, sys.stdout)
        sys.stdout.write("\n")
        sys.stdout.flush()

    if args.command != "batch":
        run(args)
        return
    # batch: each query exactly as its own command line would run it (metadata read, masks.npy
    # mapped again), minus the interpreter's start-up and imports
    with open(args.file) as f:
        for line in f:
            if line.strip():
                one = parser.parse_args(json.loads(line))
                if one.command in ("batch", "split"):
                    parser.error("batch lines must be queries")
                run(one)


if __name__ == "__main__":
    main()
