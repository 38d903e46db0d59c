#!/usr/bin/env python3
"""Equality check of the peers against Tools/baselines/numpy_baseline.py.

    check.py DATASET [--peers tiledb,duckdb,duckdb-pixels] [--work DIR] [--keep]

Loads DATASET (interchange layout, uint8 or float32) into every peer (DuckDB in both of its
layouts) under a scratch directory, runs the five families with many parameter sets (constant
boxes aligned, unaligned, partly outside, empty and inverted; lv/uv on and off the 1/255
steps, uv = 1.0, lv = uv = 1.0, lv > 1; thresholds equal to an actual CP so that ties sit on the
boundary, negative thresholds; k = 25, k = 0 and k larger than the result; IoU thresholds t
giving NULLs) through the real command lines, and asserts that each peer's rows equal the
baseline's: same length, ids exact, values within 1e-9, NULLs equal. Prints one line per case and
"N passed, N failed"; exits 1 on any failure.
Run it with the peers' virtualenv Python (Benchmarks/peers/setup.sh).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE = os.path.join(HERE, "..", "..", "Tools", "baselines", "numpy_baseline.py")
sys.path.insert(0, HERE)
from common import nb  # noqa: E402

PEERS = {"tiledb": ("tiledb_peer.py", "--array", "tiledb", []),
         "duckdb": ("duckdb_peer.py", "--db", "rows.duckdb", ["--layout", "rows"]),
         "duckdb-pixels": ("duckdb_peer.py", "--db", "pixels.duckdb", ["--layout", "pixels"])}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return json.loads(p.stdout)


def same(a, b):
    """None when equal rows, else a description of the first difference."""
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)}"
    for i, (ra, rb) in enumerate(zip(a, b)):
        if len(ra) != len(rb) or ra[0] != rb[0] or type(ra[0]) is not type(rb[0]):
            return f"row {i}: {ra} vs {rb}"
        for va, vb in zip(ra[1:], rb[1:]):
            if (va is None) != (vb is None) or (va is not None and abs(va - vb) > 1e-9):
                return f"row {i}: {ra} vs {rb}"
    return None


def cases(dataset):
    data = nb.Dataset(dataset)
    h, w, n = data.height, data.width, len(data.mask_id)
    f = lambda v: f"{v!r}"  # noqa: E731
    # thresholds that equal an actual CP (the 10th largest), so masks sit exactly on the boundary
    lo, hi = nb.value_range(data.dtype, 0.8, 1.0)
    const_cp = np.sort(nb.count_in_range(np.asarray(data.masks[:, 56:168, 56:168]), lo, hi))[::-1]
    tie_const = int(const_cp[min(9, n - 1)])
    _, obj_cp = nb.object_cp(data, lo, hi)
    obj_sorted = np.sort(obj_cp[~np.isnan(obj_cp)])[::-1]
    tie_obj = int(obj_sorted[min(9, len(obj_sorted) - 1)]) if len(obj_sorted) else 0
    boxes = ["56,56,168,168", "13,7,201,150", "-5,200,300,260", "0,0,4,4", "10,10,10,50", "50,50,20,20",
             f"0,0,{w},{h}", f"{w - 1},{h - 1},{w + 10},{h + 10}"]
    ranges = [(0.8, 1.0), (0.5, 0.75), (51 / 255, 204 / 255), (0.2, 0.2000001), (0.0, 1.0), (1.0, 1.0),
              (0.3, 1.7), (1.5, 2.0), (-0.5, 0.1), (0.7, 0.3)]
    out = []
    for b in boxes:
        out.append(["filter-const", "--box=" + b, "--lv", "0.8", "--uv", "1.0", "--threshold", str(tie_const)])
        out.append(["topk-const", "--box=" + b, "--lv", "0.8", "--uv", "1.0", "--k", "25"])
    for lv, uv in ranges:
        out.append(["filter-const", "--box", "13,7,201,150", "--lv", f(lv), "--uv", f(uv), "--threshold", "3000"])
        out.append(["topk-const", "--box", "56,56,168,168", "--lv", f(lv), "--uv", f(uv), "--k", "25"])
        out.append(["filter-object", "--lv", f(lv), "--uv", f(uv), "--threshold", "1000"])
        out.append(["topk-agg", "--lv", f(lv), "--uv", f(uv), "--k", "25"])
    for t in ("9000", "0", "-1", "12544.5"):
        out.append(["filter-const", "--box", "56,56,168,168", "--lv", "0.8", "--uv", "1.0", "--threshold", t])
    for t in (str(tie_obj), "5000", "0", "-1"):
        out.append(["filter-object", "--lv", "0.8", "--uv", "1.0", "--threshold", t])
    for k in ("0", "1", str(n + 5)):
        out.append(["topk-const", "--box", "0,0,4,4", "--lv", "0.8", "--uv", "1.0", "--k", k])
        out.append(["topk-agg", "--lv", "0.8", "--uv", "1.0", "--k", k])
        out.append(["topk-iou", "--t", "0.8", "--k", k])
    for t in ("0.8", "0.5", f(204 / 255), "0.0", "0.999", "1.0", "-1"):
        out.append(["topk-iou", "--t", t, "--k", "25"])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset")
    p.add_argument("--peers", default=",".join(PEERS))
    p.add_argument("--work", help="scratch directory for the peers' stores (default: a new temporary one)")
    p.add_argument("--keep", action="store_true", help="keep the stores")
    a = p.parse_args()
    peers = [x for x in a.peers.split(",") if x]
    work = a.work or tempfile.mkdtemp(prefix="masksearch-peers-check-")
    os.makedirs(work, exist_ok=True)
    py = sys.executable
    passed = failed = 0
    try:
        stores = {}
        for name in peers:
            script, option, store, load_args = PEERS[name]
            stores[name] = os.path.join(work, store)
            for old in (stores[name],):
                if os.path.isdir(old):
                    shutil.rmtree(old)
                elif os.path.exists(old):
                    os.remove(old)
            subprocess.run([py, os.path.join(HERE, script), "load", a.dataset, stores[name]] + load_args, check=True)
        for case in cases(a.dataset):
            expected = run([py, BASELINE, case[0], a.dataset] + case[1:])["rows"]
            for name in peers:
                script, option, _, _ = PEERS[name]
                try:
                    got = run([py, os.path.join(HERE, script), case[0], a.dataset, option, stores[name]] + case[1:])["rows"]
                    diff = same(got, expected)
                except Exception as e:  # a crash is a failure of that case
                    diff = str(e)
                label = f"{name:13s} {' '.join(case)}  ({len(expected)} rows)"
                if diff is None:
                    passed += 1
                    print(f"ok      {label}", flush=True)
                else:
                    failed += 1
                    print(f"FAILED  {label}: {diff}", flush=True)
    finally:
        if not a.keep and not a.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
