"""What the peers share: the exact value semantics and the command line of
Tools/baselines/numpy_baseline.py, imported from it so that there is one definition of both."""
import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tools", "baselines"))

import numpy as np  # noqa: E402
import numpy_baseline as nb  # noqa: E402  (value_range, first_at_least, count_in_range, Dataset)

FAMILIES = ("filter-const", "filter-object", "topk-const", "topk-agg", "topk-iou")


def clip_box(box, height, width):
    """A box (x0, y0, x1, y1) of integers clipped to the mask; x1 >= x0, y1 >= y0 (empty when equal)."""
    x0, y0, x1, y1 = box
    x0, x1 = min(max(x0, 0), width), min(max(x1, 0), width)
    y0, y1 = min(max(y0, 0), height), min(max(y1, 0), height)
    return x0, y0, max(x0, x1), max(y0, y1)


def object_box(raw, height, width):
    """The integer box of a raw float object box (floor x0, y0; ceil x1, y1; clipped), None when NaN."""
    if any(math.isnan(v) for v in raw):
        return None
    return clip_box((math.floor(raw[0]), math.floor(raw[1]), math.ceil(raw[2]), math.ceil(raw[3])), height, width)


def raw_object_boxes(dataset):
    """{image_id: (x0, y0, x1, y1)} as the floats DATASET/rois/object.csv holds (parsed like the
    baseline: numpy.loadtxt into float64)."""
    path = os.path.join(dataset, "rois", "object.csv")
    rows = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2) if os.path.exists(path) else np.zeros((0, 5))
    return {int(r[0]): (float(r[1]), float(r[2]), float(r[3]), float(r[4])) for r in rows}


def parser(description, store_option, store_help, load_help):
    """The baseline's arguments for the five families, plus `load` and the peer's store option.
    DATASET stays an (optional, unused) positional so that a driver can call a peer exactly like
    numpy_baseline.py with one extra option."""
    def box(text):
        parts = [int(v) for v in text.split(",")]
        if len(parts) != 4:
            raise argparse.ArgumentTypeError("box must be X0,Y0,X1,Y1")
        return tuple(parts)

    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = p.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help=load_help)
    load.add_argument("dataset")
    load.add_argument("store")
    for name in FAMILIES:
        q = commands.add_parser(name)
        q.add_argument("dataset", nargs="?", help="accepted for numpy_baseline.py compatibility; unused")
        q.add_argument(store_option, dest="store", required=True, help=store_help)
        if name in ("filter-const", "topk-const"):
            q.add_argument("--box", type=box, required=True, metavar="X0,Y0,X1,Y1")
        if name != "topk-iou":
            q.add_argument("--lv", type=float, required=True)
            q.add_argument("--uv", type=float, required=True)
        else:
            q.add_argument("--t", type=float, default=0.8, help="threshold of mask > t")
        if name.startswith("filter"):
            q.add_argument("--threshold", type=float, required=True)
        else:
            q.add_argument("--k", type=int, required=True)
    return p, commands


def run_query(function, args):
    """Times `function(args)` (opening the store included) and prints the baseline's JSON."""
    start = time.perf_counter()
    rows = function(args)
    elapsed_ms = (time.perf_counter() - start) * 1000
    json.dump({"rows": rows, "elapsed_ms": round(elapsed_ms, 3)}, sys.stdout)
    sys.stdout.write("\n")


def dir_size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
