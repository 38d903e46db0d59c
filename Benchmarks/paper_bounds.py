#!/usr/bin/env python3
"""FML that the MaskSearch paper's bounds alone would give (used by Benchmarks/evaluate.py, part grid).

    paper_bounds.py DATASET --bins B --cell C QUERIES.json     # prints {"fml": [...], "verified": [...]}

QUERIES.json is a list of {"family": "filter-const"|"filter-object"|"topk-const", "params": {...}}
with the parameters of Benchmarks/bench.py (box "x0, y0, x1, y1", lv, uv, t | k), on a uint8
dataset in the interchange layout.

The paper's bounds (VLDB 2024, section 3.3) of CP(mask, roi, lv, uv) from a CHI with B value bins
and a grid of C-pixel cells: the lower bound counts the pixels of the largest grid-aligned
rectangle inside the ROI whose bin lies wholly inside [lv, uv); the upper bound counts the pixels
of the smallest grid-aligned rectangle containing the ROI whose bin overlaps [lv, uv). Grid
corners are at min(i*C, H) and min(i*C, W) and bins over the uint8 codes have edges
ceil(b*256/B), as in Format/index.md, so the rectangles and bins are those masksearch's index
has; masksearch adds its cell-by-cell refinement on top, which can only tighten them.

Masks read ("verified"), given these bounds:
- filter `CP > T`: every mask with lower <= T < upper (the bounds decide the others); a mask
  whose image has no object box (CP NULL) or whose box is empty is decided without reading;
- top-k `ORDER BY CP DESC LIMIT k` (ties by ascending mask_id): the masks read by the best
  possible order for these bounds -- descending upper bound, stopping as soon as the k-th best
  exact value beats every unread upper bound; masks whose bounds are equal are known exactly and
  not read. No top-k algorithm that uses only these bounds reads fewer masks.
FML = verified / number of masks.
"""
import argparse
import heapq
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tools", "baselines"))
import numpy_baseline as nb  # noqa: E402


def code_interval(lv, uv):
    """[qlo, qhi) over uint8 codes, or None when empty."""
    lo, hi = nb.value_range(np.uint8, lv, uv)
    if lo is None:
        return None
    qlo, qhi = int(lo), (256 if hi is None else int(hi))
    return (qlo, qhi) if qlo < qhi else None


def bin_intervals(q, bins):
    """(inside, overlapping) code intervals: unions of whole bins inside / overlapping [qlo, qhi)."""
    if q is None:
        return None, None
    qlo, qhi = q
    edges = [math.ceil(b * 256 / bins) for b in range(bins + 1)]
    inside = [b for b in range(bins) if edges[b] >= qlo and edges[b + 1] <= qhi and edges[b + 1] > edges[b]]
    over = [b for b in range(bins) if edges[b + 1] > qlo and edges[b] < qhi]
    inner = (edges[inside[0]], edges[inside[-1] + 1]) if inside else None
    outer = (edges[over[0]], edges[over[-1] + 1]) if over else None
    return inner, outer


def rects(box, cell, h, w):
    """(inner, outer) grid-aligned rectangles of a clipped box; inner may be None (empty)."""
    x0, y0, x1, y1 = box

    def up(v, size):
        return min(-(-v // cell) * cell, size)

    def down(v, size):
        return size if v >= size else (v // cell) * cell

    ix0, iy0, ix1, iy1 = up(x0, w), up(y0, h), down(x1, w), down(y1, h)
    inner = (ix0, iy0, ix1, iy1) if ix0 < ix1 and iy0 < iy1 else None
    outer = ((x0 // cell) * cell, (y0 // cell) * cell, up(x1, w), up(y1, h))
    return inner, outer


def count(block, rect, q):
    """CP over rect of every mask of block (N, H, W) for codes in [q0, q1)."""
    n = block.shape[0]
    if rect is None or q is None:
        return np.zeros(n, np.int64)
    x0, y0, x1, y1 = rect
    part = block[:, y0:y1, x0:x1]
    return ((part >= q[0]) & (part < q[1])).sum(axis=(1, 2), dtype=np.int64) if q[1] <= 255 else \
        (part >= q[0]).sum(axis=(1, 2), dtype=np.int64)


def bounds_const(data, box, q, inner_q, outer_q, cell):
    h, w = data.height, data.width
    box = data.clip(box)
    inner, outer = rects(box, cell, h, w)
    lo, up, exact = [], [], []
    for _, block in data.chunks():
        lo.append(count(block, inner, inner_q))
        up.append(count(block, outer, outer_q))
        exact.append(count(block, box, q))
    return np.concatenate(lo), np.concatenate(up), np.concatenate(exact), box[0] < box[2] and box[1] < box[3]


def filter_object(data, q, inner_q, outer_q, cell, t):
    h, w = data.height, data.width
    boxes = data.object_boxes()
    verified = 0
    order = np.argsort(data.image_id, kind="stable")
    ids = data.image_id[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    for s, e in zip(starts, ends):
        box = boxes.get(int(ids[s]))
        if box is None or box[0] >= box[2] or box[1] >= box[3] or q is None:
            continue                     # CP NULL, or 0 for an empty box / range: decided
        rows = np.sort(order[s:e])
        block = data.masks[rows]
        inner, outer = rects(box, cell, h, w)
        lo, up = count(block, inner, inner_q), count(block, outer, outer_q)
        verified += int(((lo <= t) & (up > t)).sum())
    return verified


def topk(lo, up, exact, mask_id, k):
    """Masks read in the best order for the bounds (see module docstring)."""
    n = len(lo)
    if k <= 0 or n == 0:
        return 0
    order = np.lexsort((mask_id, -up))
    best = []            # min-heap of (value, -mask_id): the current top-k, worst at best[0]
    verified = 0
    for r in order:
        if len(best) == k:
            kv, kid = best[0]
            if not (up[r] > kv or (up[r] == kv and -mask_id[r] > kid)):
                break
        if lo[r] != up[r]:
            verified += 1
        item = (int(exact[r]), -int(mask_id[r]))
        if len(best) < k:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)
    return verified


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset")
    p.add_argument("--bins", type=int, required=True)
    p.add_argument("--cell", type=int, required=True)
    p.add_argument("queries")
    a = p.parse_args()
    data = nb.Dataset(a.dataset, chunk=1024)
    if data.dtype != np.uint8:
        sys.exit("paper_bounds.py: uint8 datasets only")
    with open(a.queries) as f:
        queries = json.load(f)
    n = len(data.mask_id)
    out = []
    for qd in queries:
        fam, prm = qd["family"], qd["params"]
        q = code_interval(float(prm["lv"]), float(prm["uv"]))
        inner_q, outer_q = bin_intervals(q, a.bins)
        if fam == "filter-object":
            v = filter_object(data, q, inner_q, outer_q, a.cell, float(prm["t"]))
        else:
            box = tuple(int(x) for x in prm["box"].split(","))
            lo, up, exact, nonempty = bounds_const(data, box, q, inner_q, outer_q, a.cell)
            if fam == "filter-const":
                t = float(prm["t"])
                v = int(((lo <= t) & (up > t)).sum()) if nonempty and q is not None else 0
            elif fam == "topk-const":
                v = topk(lo, up, exact, data.mask_id, int(prm["k"]))
            else:
                raise SystemExit(f"paper_bounds.py: family {fam} not supported")
        out.append(v)
    json.dump({"verified": out, "fml": [v / n for v in out]}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
