#!/usr/bin/env python3
"""masksearch benchmarks for issues 2 (ingest), 3 (full scan), 4 (index) and 10 (open cost).

    python3 Benchmarks/bench.py [--quick] [ingest|scan|index|open|all ...]

Drives the `masksearch` CLI and the in-process `masksearch-bench` tool (Tools/bench), compares
against the NumPy baseline (Tools/baselines/numpy_baseline.py), and writes a Markdown summary
plus CSVs (Benchmarks/results/issues-2-4.md by default; `--quick` writes under the scratch
directory). Every figure is a median of several runs, with the command that made it and the
load average (/proc/loadavg) when it was taken. See Benchmarks/README.md.

Python 3 + numpy only. Cold runs drop the page cache of the files read with
os.posix_fadvise(POSIX_FADV_DONTNEED) after os.sync() (no root needed).
"""
import argparse
import csv
import json
import math
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = os.path.join(REPO, "Tools", "baselines", "numpy_baseline.py")

# The paper's example queries, as `masksearch demo` runs them (Tools/masksearch/DemoCommand.swift),
# each with the NumPy family doing the same work (exact = same SQL, rows cross-checked).
DEMO = [
    ("Q1 filter const ROI", "SELECT mask_id FROM masks WHERE CP(mask, (56, 56, 168, 168), 0.8, 1.0) > 9000",
     ("filter-const", ["--box", "56,56,168,168", "--lv", "0.8", "--uv", "1.0", "--threshold", "9000"]), True,
     dict(roi="box", box=(56, 56, 168, 168), types=None)),
    ("Q2 filter object ROI", "SELECT mask_id, image_id FROM masks WHERE mask_type = 1 AND CP(mask, object, 0.8, 1.0) < 200",
     ("filter-object", ["--lv", "0.8", "--uv", "1.0", "--threshold", "200"]), False,
     dict(roi="object", types=(1,))),
    ("Q3 top-25 object share", "SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r FROM masks WHERE mask_type = 1 ORDER BY r ASC LIMIT 25",
     ("filter-object", ["--lv", "0.8", "--uv", "1.0", "--threshold", "0"]), False,
     dict(roi="object", types=(1,))),
    ("Q4 top-25 full (0.2,0.6)", "SELECT mask_id, CP(mask, full, (0.2, 0.6)) AS v FROM masks WHERE mask_type = 1 ORDER BY v DESC LIMIT 25",
     ("topk-const", ["--box", "0,0,{W},{H}", "--lv", "0.2", "--uv", "0.6", "--k", "25"]), False,
     dict(roi="full", types=(1,))),
    ("Q5 per-image AVG top-25", "SELECT image_id, AVG(CP(mask, object, 0.8, 1.0)) AS a FROM masks WHERE mask_type = 1 GROUP BY image_id ORDER BY a DESC LIMIT 25",
     ("topk-agg", ["--lv", "0.8", "--uv", "1.0", "--k", "25"]), True,
     dict(roi="object", types=(1,))),
    ("Q6 IoU top-25", "SELECT image_id, CP(INTERSECT(mask > 0.8), full, 0.5, 1) / CP(UNION(mask > 0.8), full, 0.5, 1) AS iou FROM masks WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY iou ASC LIMIT 25",
     ("topk-iou", ["--t", "0.8", "--k", "25"]), True,
     dict(roi="full", types=(1, 2))),
]

FAMILIES = ["filter-const", "filter-object", "topk-const", "topk-agg", "topk-iou"]
FAMILY_TITLE = {"filter-const": "Q1 filter const ROI", "filter-object": "Q2 filter object ROI",
                "topk-const": "Q3 top-25 const ROI", "topk-agg": "Q4 per-image AVG top-25",
                "topk-iou": "Q5 IoU top-25"}


def family_query(family, p):
    """(SQL, numpy_baseline.py arguments) of a family with parameters p (strings as written)."""
    if family == "filter-const":
        return (f"SELECT mask_id FROM masks WHERE CP(mask, ({p['box']}), {p['lv']}, {p['uv']}) > {p['t']}",
                ["--box", p["box"].replace(" ", ""), "--lv", p["lv"], "--uv", p["uv"], "--threshold", p["t"]])
    if family == "filter-object":
        return (f"SELECT mask_id FROM masks WHERE CP(mask, object, {p['lv']}, {p['uv']}) > {p['t']}",
                ["--lv", p["lv"], "--uv", p["uv"], "--threshold", p["t"]])
    if family == "topk-const":
        return (f"SELECT mask_id, CP(mask, ({p['box']}), {p['lv']}, {p['uv']}) AS v FROM masks ORDER BY v DESC LIMIT {p['k']}",
                ["--box", p["box"].replace(" ", ""), "--lv", p["lv"], "--uv", p["uv"], "--k", p["k"]])
    if family == "topk-agg":
        return (f"SELECT image_id, AVG(CP(mask, object, {p['lv']}, {p['uv']})) AS v FROM masks WHERE mask_type = 1 "
                f"GROUP BY image_id ORDER BY v DESC LIMIT {p['k']}",
                ["--lv", p["lv"], "--uv", p["uv"], "--k", p["k"]])
    if family == "topk-iou":
        return (f"SELECT image_id, CP(INTERSECT(mask > {p['t']}), full, 0.5, 1) / CP(UNION(mask > {p['t']}), full, 0.5, 1) AS v "
                f"FROM masks WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY v ASC LIMIT {p['k']}",
                ["--t", p["t"], "--k", p["k"]])
    raise ValueError(family)


FIXED = {  # the paper's constants (MaskSearch sections 1 and 4; the demo's Q1, Q5, Q6)
    "filter-const": dict(box="56, 56, 168, 168", lv="0.8", uv="1.0", t="9000"),
    "filter-object": dict(lv="0.8", uv="1.0", t="5000"),
    "topk-const": dict(box="56, 56, 168, 168", lv="0.8", uv="1.0", k="25"),
    "topk-agg": dict(lv="0.8", uv="1.0", k="25"),
    "topk-iou": dict(t="0.8", k="25"),
}


def random_params(family, rng, h, w):
    """Section 4.3 style: a random constant box, a random value range and threshold."""
    def box():
        x0 = rng.randrange(0, w - 16); y0 = rng.randrange(0, h - 16)
        x1 = rng.randrange(x0 + 16, w + 1); y1 = rng.randrange(y0 + 16, h + 1)
        return f"{x0}, {y0}, {x1}, {y1}", (x1 - x0) * (y1 - y0)

    def value_range():
        lv = round(rng.uniform(0.0, 0.9), 2)
        uv = round(rng.uniform(lv + 0.05, 1.0), 2) if rng.random() < 0.7 else 1.0
        return f"{lv:.2f}", f"{min(uv, 1.0):.2f}"

    if family in ("filter-const", "topk-const"):
        b, area = box()
        lv, uv = value_range()
        p = dict(box=b, lv=lv, uv=uv)
        if family == "filter-const":
            p["t"] = str(int(area * rng.uniform(0.02, 0.5)))
        else:
            p["k"] = "25"
        return p
    if family == "filter-object":
        lv, uv = value_range()
        return dict(lv=lv, uv=uv, t=str(int(rng.uniform(0.02, 0.5) * h * w / 4)))
    if family == "topk-agg":
        lv, uv = value_range()
        return dict(lv=lv, uv=uv, k="25")
    return dict(t=f"{rng.uniform(0.5, 0.95):.2f}", k="25")


# ------------------------------------------------------------------------------ utilities

def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine():
    model = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return dict(nproc=os.cpu_count(), memory=mem, cpu=model, kernel=platform.release(),
                python=platform.python_version(), numpy=np.__version__)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def p95(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, math.ceil(0.95 * len(xs)) - 1)]


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, int):
        return str(x)
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}g}"


def files_under(path):
    if os.path.isfile(path):
        yield path
        return
    for root, _, names in os.walk(path):
        for n in names:
            yield os.path.join(root, n)


def drop_cache(*paths):
    """Evicts the files under `paths` from the page cache (dirty pages are written first)."""
    os.sync()
    for p in paths:
        for f in files_under(p):
            try:
                fd = os.open(f, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def warm_cache(*paths):
    for p in paths:
        for f in files_under(p):
            with open(f, "rb") as fh:
                while fh.read(1 << 24):
                    pass


def dir_bytes(path, suffix=None):
    """Bytes of the files under `path` (ending with `suffix`); index files (`.chi`) count the
    bytes they occupy on disk, not their apparent size (version 4's delta records are sparse)."""
    def size(f):
        if not f.endswith(".chi"):
            return os.path.getsize(f)
        st = os.stat(f)
        return min(st.st_size, st.st_blocks * 512)
    return sum(size(f) for f in files_under(path) if suffix is None or f.endswith(suffix))


class Runner:
    def __init__(self, args):
        self.args = args
        self.nice = ["nice", "-n", str(args.nice)] if args.nice else []
        self.log = open(os.path.join(args.scratch, "bench.log"), "a")
        self.last_cpu = 0.0  # CPU seconds of the last `run`

    def cmd_text(self, cmd):
        return " ".join(shlex.quote(c) for c in cmd)

    def run(self, cmd, check=True, timed=False):
        """Runs cmd (nice'd); returns (stdout, stderr, seconds)."""
        full = self.nice + cmd
        self.log.write(f"$ {self.cmd_text(full)}\n")
        self.log.flush()
        t = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(full, capture_output=True, text=True)
        s = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds (user + system) of the command: per-core rates that other tenants'
        # use of the cores does not move (they move the wall time).
        self.last_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if p.stderr:
            self.log.write(p.stderr[-2000:] + "\n")
        if check and p.returncode != 0:
            sys.stderr.write(f"command failed ({p.returncode}): {self.cmd_text(full)}\n{p.stderr}\n")
            raise SystemExit(1)
        return p.stdout, p.stderr, s


# ------------------------------------------------------------------------------ the benchmark

class Bench:
    def __init__(self, args):
        self.a = args
        os.makedirs(args.scratch, exist_ok=True)
        self.r = Runner(args)
        self.bin = args.bin_dir or os.path.join(REPO, ".build-bench", "release")
        self.ms = os.path.join(self.bin, "masksearch")
        self.msb = os.path.join(self.bin, "masksearch-bench")
        self.md = []
        self.csv = {}
        self.commands = {}
        self.limits_json = None
        self.summary = []   # (target, measured, verdict)

    # ---- setup
    def build(self):
        if self.a.bin_dir:
            return
        if os.path.exists(self.ms) and os.path.exists(self.msb) and not self.a.build:
            return
        print("building (swift build -c release --static-swift-stdlib --scratch-path .build-bench) ...", flush=True)
        for product in ("masksearch", "masksearch-bench"):
            # The Swift runtime linked in statically: no dynamic loading and relocation of the
            # Swift and Foundation libraries at each process start (part `open`).
            subprocess.run(self.r.nice + ["swift", "build", "-c", "release", "--static-swift-stdlib",
                                          "--scratch-path", os.path.join(REPO, ".build-bench"),
                                          "--product", product], cwd=REPO, check=True)

    def dataset(self, n, dtype):
        h, w = self.a.size
        d = os.path.join(self.a.scratch, f"data-{n}-{h}x{w}-{dtype}")
        if not os.path.exists(os.path.join(d, ".complete")):
            shutil.rmtree(d, ignore_errors=True)
            print(f"generating {n} {dtype} masks of {h}x{w} into {d} ...", flush=True)
            self.r.run([self.ms, "generate", d, "--masks", str(n), "--size", f"{h},{w}", "--dtype", dtype, "--no-images"])
            open(os.path.join(d, ".complete"), "w").close()
        return d

    def ingest_db(self, data, db):
        shutil.rmtree(db, ignore_errors=True)
        self.r.run([self.ms, "ingest", db, os.path.join(data, "masks.npy"), "--meta", os.path.join(data, "meta.csv")])
        self.r.run([self.ms, "roi", db, "object", os.path.join(data, "rois", "object.csv")])

    def main_data(self):
        return self.dataset(self.a.masks, "uint8")

    def main_db(self):
        """The unindexed uint8 database of the scan part (built once per scratch dir)."""
        data = self.main_data()
        db = os.path.join(self.a.scratch, f"db-scan-{self.a.masks}")
        if not os.path.exists(os.path.join(db, ".bench-complete")):
            self.ingest_db(data, db)
            open(os.path.join(db, ".bench-complete"), "w").close()
        return data, db

    def limits(self, db):
        cmd = [self.msb, "limits", db, "--repeats", str(self.a.repeats), "--buffer-mb", str(self.a.buffer_mb)]
        load = loadavg()
        out, _, _ = self.r.run(cmd)
        j = json.loads(out)
        j["_load"] = load + " → " + loadavg()
        j["_cmd"] = self.r.cmd_text(self.r.nice + cmd)
        self.limits_json = j
        rows = []
        for key in ("lz4_decode_engine", "lz4_decode_raw", "lz4_compress_raw", "count_in_cache", "count_streaming",
                    "crc32c", "chi_build", "bounds_database_index", "bounds_planned", "bounds_column_wise"):
            v = j.get(key)
            if isinstance(v, dict):
                rows.append(dict(figure=key, unit=v["unit"], threads_1=v["threads_1"]["median"],
                                 threads_2=v.get("threads_2", {}).get("median"),
                                 per_cpu_1=v["threads_1"].get("per_cpu_second"), per_cpu_2=v.get("threads_2", {}).get("per_cpu_second"),
                                 load=j["_load"], command=j["_cmd"]))
        self.csv["limits"] = rows
        return j

    def limit(self, key, threads=2):
        v = (self.limits_json or {}).get(key)
        return v[f"threads_{threads}"]["median"] if isinstance(v, dict) and f"threads_{threads}" in v else float("nan")

    def limits_section(self):
        j = self.limits_json
        if not j:
            return
        self.md.append("### Machine limits (`masksearch-bench limits`)\n")
        self.md.append(f"Database: {j['masks']} masks {j['height']}×{j['width']} {j['pixel_format']}, {j['blocks']} blocks "
                       f"(band {j['band_rows']} rows), ISA {j['isa']} (3 = AVX-512, 2 = AVX2), decoded buffer {j['buffer_masks']} masks. "
                       f"Load {j['_load']}.\n")
        self.md.append("Wall-clock rates (median of the passes), and per CPU-second (work ÷ process CPU time: the per-core rate, "
                       "insensitive to other processes taking the cores; with 2 threads it falls below the 1-thread rate when "
                       "the threads contend for memory or wait).\n")
        self.md.append("| figure | unit | 1 thread | 2 threads | per CPU-s, 1 thread | per CPU-s, 2 threads |\n|---|---|---:|---:|---:|---:|")
        for r in self.csv["limits"]:
            self.md.append(f"| {r['figure']} | {r['unit']} | {fmt(r['threads_1'])} | {fmt(r['threads_2'])} | "
                           f"{fmt(r['per_cpu_1'])} | {fmt(r['per_cpu_2'])} |")
        self.md.append(f"\nCommand: `{j['_cmd']}`\n")

    # ---- numpy
    def numpy(self, family, args, data, per_file=None):
        cmd = [sys.executable, BASELINE, family, data] + args + (["--per-file", per_file] if per_file else [])
        out, _, wall = self.r.run(cmd)
        j = json.loads(out)
        return j["rows"], j["elapsed_ms"], self.r.cmd_text(self.r.nice + cmd)

    # ---- masksearch
    def warm_queries(self, db, sqls, no_index, repeats, warmup=True):
        path = os.path.join(self.a.scratch, "queries.sql")
        with open(path, "w") as f:
            f.write("\n".join(sqls) + "\n")
        cmd = [self.msb, "queries", db, path, "--repeats", str(repeats)] + (["--no-index"] if no_index else []) \
            + ([] if warmup else ["--no-warmup"])
        load0 = loadavg()
        out, _, _ = self.r.run(cmd)
        res = [json.loads(line) for line in out.splitlines() if line.strip()]
        for r in res:
            r["_load"] = load0
            r["_cmd"] = self.r.cmd_text(self.r.nice + [self.msb, "queries", db, "FILE", "--repeats", str(repeats)]
                                        + (["--no-index"] if no_index else []))
        return res

    def cold_query(self, db, sql, no_index, extra_drop=()):
        drop_cache(db, *extra_drop)
        cmd = [self.ms, "query", db, sql, "--format", "json"] + (["--no-index"] if no_index else [])
        out, _, wall = self.r.run(cmd)
        j = json.loads(out)
        return j, wall * 1000, self.r.cmd_text(self.r.nice + cmd)

    # ------------------------------------------------------------------ part: ingest
    def part_ingest(self):
        a = self.a
        rows = []
        for dtype, n in (("uint8", a.masks), ("float32", a.float_masks)):
            data = self.dataset(n, dtype)
            arr = np.load(os.path.join(data, "masks.npy"), mmap_mode="r")
            raw = arr.size * arr.itemsize
            warm_cache(os.path.join(data, "masks.npy"))
            times, rss, ratios, loads = [], [], [], []
            for i in range(a.repeats):
                db = os.path.join(a.scratch, f"db-ingest-{dtype}-{i}")
                shutil.rmtree(db, ignore_errors=True)
                cmd = ["/usr/bin/time", "-f", "%M", self.ms, "ingest", db, os.path.join(data, "masks.npy"),
                       "--meta", os.path.join(data, "meta.csv")]
                loads.append(loadavg())
                _, err, s = self.r.run(cmd)
                times.append(s)
                rss.append(int(err.strip().splitlines()[-1]) / 1024)
                seg = dir_bytes(db, ".mss") or max((os.path.getsize(f) for f in files_under(db)), default=0)
                ratios.append(raw / seg)
                shutil.rmtree(db, ignore_errors=True)
            cmd_text = self.r.cmd_text(self.r.nice + ["/usr/bin/time", "-f", "%M", self.ms, "ingest", "DB (fresh)",
                                                      os.path.join(data, "masks.npy"), "--meta", os.path.join(data, "meta.csv")])
            s = med(times)
            rows.append(dict(dtype=dtype, masks=n, shape=f"{arr.shape[1]}x{arr.shape[2]}", raw_mb=raw / 1e6,
                             seconds_median=s, runs=" ".join(f"{t:.2f}" for t in times), mb_per_s=raw / 1e6 / s,
                             peak_rss_mb=max(rss), compression_ratio=med(ratios), load="; ".join(loads), command=cmd_text))
        self.csv["ingest"] = rows
        lz4c = self.limit("lz4_compress_raw", 1), self.limit("lz4_compress_raw", 2)
        lz4d = self.limit("lz4_decode_raw", 2)
        self.md.append("## Issue 2 — ingest\n")
        self.md.append(f"Wall time of `masksearch ingest` into a fresh database (process start to exit, input `.npy` warm in the page "
                       f"cache), median of {a.repeats} runs; MB/s of raw input (N·H·W·itemsize); peak RSS from `/usr/bin/time -f %M`; "
                       f"compression = raw bytes / segment file bytes.\n")
        self.md.append("| dtype | masks | raw MB | median s (runs) | MB/s | peak RSS MB | compression | load (per run) |\n|---|---:|---:|---|---:|---:|---:|---|")
        for r in rows:
            self.md.append(f"| {r['dtype']} | {r['masks']} | {r['raw_mb']:.0f} | {r['seconds_median']:.2f} ({r['runs']}) | "
                           f"**{r['mb_per_s']:.0f}** | {r['peak_rss_mb']:.0f} | {r['compression_ratio']:.2f} | {r['load']} |")
        self.md.append(f"\nLZ4 limits on this machine (uint8 data, `masksearch-bench limits`): compress {fmt(lz4c[0])} GB/s (1 thread), "
                       f"{fmt(lz4c[1])} GB/s (2 threads); decode {fmt(lz4d)} GB/s (2 threads).\n")
        for r in rows:
            self.md.append(f"- `{r['command']}`")
        u8 = rows[0]
        self.summary.append(("ingest uint8 ≥ 400 MB/s", f"{u8['mb_per_s']:.0f} MB/s", u8["mb_per_s"] >= 400))
        self.summary.append(("ingest peak RSS < 1 GB", ", ".join(f"{r['dtype']} {r['peak_rss_mb']:.0f} MB" for r in rows),
                             all(r["peak_rss_mb"] < 1024 for r in rows)))
        self.md.append("")

    # ------------------------------------------------------------------ part: scan
    def bytes_read(self, data, spec, band_rows):
        """Decoded bytes a full scan of the query must read: the bands covering each targeted mask's ROI."""
        h, w = self.a.size
        meta = np.loadtxt(os.path.join(data, "meta.csv"), delimiter=",", skiprows=1, usecols=(0, 1, 2, 3), dtype=np.int64, ndmin=2)
        types = meta[:, 3]
        rows = np.ones(len(meta), bool) if spec["types"] is None else np.isin(types, spec["types"])
        bpp = np.load(os.path.join(data, "masks.npy"), mmap_mode="r").itemsize
        if spec["roi"] == "full":
            return int(rows.sum()) * h * w * bpp, int(rows.sum())
        if spec["roi"] == "box":
            x0, y0, x1, y1 = spec["box"]
            bands = (y1 - 1) // band_rows - y0 // band_rows + 1
            return int(rows.sum()) * bands * band_rows * w * bpp, int(rows.sum())
        boxes = {}
        ob = np.loadtxt(os.path.join(data, "rois", "object.csv"), delimiter=",", skiprows=1, ndmin=2)
        for r in ob:
            y0 = max(0, math.floor(r[2])); y1 = min(h, math.ceil(r[4]))
            x0 = max(0, math.floor(r[1])); x1 = min(w, math.ceil(r[3]))
            boxes[int(r[0])] = (y0, y1) if y1 > y0 and x1 > x0 else None
        total, masks = 0, 0
        for i in np.flatnonzero(rows):
            b = boxes.get(int(meta[i, 1]))
            if b is None:
                continue
            y0, y1 = b
            total += ((y1 - 1) // band_rows - y0 // band_rows + 1) * band_rows * w * bpp
            masks += 1
        return total, masks

    def part_scan(self):
        a = self.a
        data, db = self.main_db()
        h, w = a.size
        if not self.limits_json:
            self.limits(db)
        decode_gbs = self.limit("lz4_decode_engine", 2)
        count_gbs = self.limit("count_streaming", 2)
        band_rows = self.limits_json["band_rows"]
        sqls = [q[1] for q in DEMO]
        warm = self.warm_queries(db, sqls, no_index=True, repeats=a.repeats)
        rows = []
        npy = os.path.join(data, "masks.npy")
        for (title, sql, (family, nargs), exact, spec), wres in zip(DEMO, warm):
            nargs = [x.format(W=w, H=h) for x in nargs]
            cold_ms, cold_wall, cold_loads = [], [], []
            for _ in range(a.repeats):
                cold_loads.append(loadavg())
                j, wall, cold_cmd = self.cold_query(db, sql, no_index=True)
                cold_ms.append(j["stats"]["elapsed_ms"]); cold_wall.append(wall)
            np_warm, np_cold = [], []
            np_rows, _, np_cmd = self.numpy(family, nargs, data)          # warm-up
            np_load = loadavg()
            for _ in range(a.repeats):
                np_warm.append(self.numpy(family, nargs, data)[1])
            for _ in range(a.repeats):
                drop_cache(npy)
                np_cold.append(self.numpy(family, nargs, data)[1])
            res = wres["result"]
            ms_warm = med(wres["elapsed_ms"])
            nbytes, nmasks = self.bytes_read(data, spec, band_rows)
            limit_ms = nbytes / (decode_gbs * 1e9) * 1000
            count_ms = nbytes / (count_gbs * 1e9) * 1000
            check = ""
            if exact:
                check = "equal" if rows_equal(res["rows"], np_rows) else "DIFFERENT"
            rows.append(dict(query=title, sql=sql, numpy_family=family + (" (same query)" if exact else " (nearest family)"),
                             verified=res["stats"]["verified"], expected_masks=nmasks, decoded_mb=nbytes / 1e6,
                             warm_ms=ms_warm, warm_runs=" ".join(f"{x:.1f}" for x in wres["elapsed_ms"]), warm_load=wres["_load"],
                             cold_ms=med(cold_ms), cold_wall_ms=med(cold_wall), cold_load="; ".join(cold_loads),
                             lz4_limit_ms=limit_ms, count_limit_ms=count_ms, ratio_to_lz4=ms_warm / limit_ms,
                             numpy_warm_ms=med(np_warm), numpy_cold_ms=med(np_cold), numpy_load=np_load,
                             speedup_warm=med(np_warm) / ms_warm, speedup_cold=med(np_cold) / med(cold_ms), rows_check=check,
                             warm_command=wres["_cmd"], cold_command=cold_cmd, numpy_command=np_cmd))
        self.csv["scan"] = rows
        self.md.append("## Issue 3 — full scan (`--no-index`)\n")
        self.md.append(f"{a.masks} masks {h}×{w} uint8. **warm**: engine `elapsed_ms` in one session "
                       f"(`masksearch-bench queries --no-index`, one warm-up run, median of {a.repeats}); **cold**: `masksearch query "
                       f"--no-index --format json` in a fresh process after dropping the database's page cache, `stats.elapsed_ms`, "
                       f"median of {a.repeats} (process wall time in the CSV). **LZ4 limit** = decoded bytes of the bands the query must "
                       f"read ÷ `lz4_decode_engine` at 2 threads ({fmt(decode_gbs)} GB/s); **count limit** likewise with "
                       f"`count_streaming` ({fmt(count_gbs)} GB/s). NumPy = `numpy_baseline.py` on the memory-mapped `masks.npy` "
                       f"(warm: median of {a.repeats} after a warm-up; cold: `masks.npy` dropped from the cache before each run).\n")
        self.md.append("| query | masks read | decoded MB | warm ms | cold ms | LZ4 limit ms | warm / LZ4 limit | count limit ms | NumPy family | NumPy warm ms | NumPy cold ms | speedup warm | speedup cold | rows | load (warm / NumPy) |")
        self.md.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---|")
        for r in rows:
            self.md.append(f"| {r['query']} | {r['verified']} | {r['decoded_mb']:.0f} | {fmt(r['warm_ms'])} | {fmt(r['cold_ms'])} | "
                           f"{fmt(r['lz4_limit_ms'])} | **{r['ratio_to_lz4']:.2f}×** | {fmt(r['count_limit_ms'])} | {r['numpy_family']} | "
                           f"{fmt(r['numpy_warm_ms'])} | {fmt(r['numpy_cold_ms'])} | {r['speedup_warm']:.1f}× | {r['speedup_cold']:.1f}× | "
                           f"{r['rows_check']} | {r['warm_load']} / {r['numpy_load']} |")
        self.md.append(f"\nCommands: warm `{rows[0]['warm_command']}` (FILE = the six SQL lines below); cold e.g. `{rows[0]['cold_command']}`; "
                       f"NumPy e.g. `{rows[0]['numpy_command']}`. Limits: `{self.limits_json['_cmd']}`.\n")
        for r in rows:
            self.md.append(f"- {r['query']}: `{r['sql']}`")
        worst = max(r["ratio_to_lz4"] for r in rows)
        self.summary.append(("scan warm ≤ 1.5× LZ4-decode limit", f"worst {worst:.2f}× (" + ", ".join(
            f"{r['query'].split()[0]} {r['ratio_to_lz4']:.2f}×" for r in rows) + ")", worst <= 1.5))
        self.summary.append(("scan speedup over NumPy mmap (warm / cold)", ", ".join(
            f"{r['query'].split()[0]} {r['speedup_warm']:.1f}×/{r['speedup_cold']:.1f}×" for r in rows), None))
        self.md.append("")

    # ------------------------------------------------------------------ part: index
    def part_index(self):
        a = self.a
        data, scan_db = self.main_db()
        h, w = a.size
        n = a.masks
        mask_bytes = h * w
        # -- build time: fresh copies of the unindexed database, warm, nothing dirty
        builds, cpus, loads = [], [], []
        idx_db = None
        for i in range(a.repeats):
            db = os.path.join(a.scratch, f"db-index-{i}")
            shutil.rmtree(db, ignore_errors=True)
            if idx_db:
                shutil.rmtree(idx_db, ignore_errors=True)
            idx_db = db
            shutil.copytree(scan_db, db)
            warm_cache(db)
            # Write back the copy (and the previous run's index) first: on 2 cores the kernel's
            # writeback of ~700 MB would otherwise run during the timed build.
            os.sync()
            loads.append(loadavg())
            cmd = [self.ms, "index", db]
            _, _, s = self.r.run(cmd)
            builds.append(s)
            cpus.append(self.r.last_cpu)
        index_bytes = dir_bytes(idx_db, ".chi")
        seg_bytes = dir_bytes(idx_db, ".mss")
        b = med(builds)
        cores = os.cpu_count()
        build_row = dict(masks=n, seconds_median=b, runs=" ".join(f"{x:.2f}" for x in builds), masks_per_s=n / b,
                         gb_per_s=n * mask_bytes / b / 1e9, gb_per_s_per_core=n * mask_bytes / b / 1e9 / cores,
                         cpu_seconds_median=med(cpus), cpu_runs=" ".join(f"{x:.2f}" for x in cpus),
                         gb_per_cpu_second=n * mask_bytes / med(cpus) / 1e9,
                         index_mb=index_bytes / 1e6, index_share_of_raw=index_bytes / (n * mask_bytes),
                         index_share_of_segment=index_bytes / max(1, seg_bytes), load="; ".join(loads),
                         command=self.r.cmd_text(self.r.nice + [self.ms, "index", "DB (fresh copy, warm)"]))
        self.csv["index_build"] = [build_row]
        self.limits(idx_db)     # bounds need the index
        self.limits_section()

        # -- the five fixed queries
        split_dir = os.path.join(a.scratch, f"perfile-{n}")
        if not os.path.exists(os.path.join(split_dir, ".complete")):
            shutil.rmtree(split_dir, ignore_errors=True)
            self.r.run([sys.executable, BASELINE, "split", data, split_dir])
            open(os.path.join(split_dir, ".complete"), "w").close()
        fixed_sql = [family_query(f, FIXED[f])[0] for f in FAMILIES]
        ms_idx = self.warm_queries(idx_db, fixed_sql, no_index=False, repeats=a.repeats)
        ms_scan = self.warm_queries(idx_db, fixed_sql, no_index=True, repeats=a.repeats)
        fixed_rows = []
        np_ref = {}
        for f, ri, rs in zip(FAMILIES, ms_idx, ms_scan):
            sql, nargs = family_query(f, FIXED[f])
            cold_ms, cold_loads = [], []
            for _ in range(a.repeats):
                cold_loads.append(loadavg())
                j, _, cold_cmd = self.cold_query(idx_db, sql, no_index=False)
                cold_ms.append(j["stats"]["elapsed_ms"])
            np_rows, _, np_cmd = self.numpy(f, nargs, data)
            np_load = loadavg()
            np_warm = [self.numpy(f, nargs, data)[1] for _ in range(a.repeats)]
            pf, pf_loads = [], []
            for _ in range(a.perfile_repeats):
                drop_cache(split_dir, os.path.join(data, "masks.npy"))
                pf_loads.append(loadavg())
                _, t, pf_cmd = self.numpy(f, nargs, data, per_file=split_dir)
                pf.append(t)
            np_ref[f] = (med(np_warm), med(pf))
            res = ri["result"]
            equal_np = rows_equal(res["rows"], np_rows)
            equal_scan = rows_equal(res["rows"], rs["result"]["rows"])
            mi = med(ri["elapsed_ms"])
            fixed_rows.append(dict(query=FAMILY_TITLE[f], family=f, sql=sql, rows=len(res["rows"]),
                                   indexed_warm_ms=mi, indexed_runs=" ".join(f"{x:.2f}" for x in ri["elapsed_ms"]),
                                   indexed_cold_ms=med(cold_ms), scan_warm_ms=med(rs["elapsed_ms"]),
                                   fml=res["stats"]["fml"], verified=res["stats"]["verified"], pruned=res["stats"]["pruned"],
                                   accepted=res["stats"]["accepted_by_index"],
                                   numpy_mmap_warm_ms=med(np_warm), numpy_perfile_cold_ms=med(pf),
                                   speedup_vs_perfile_cold=med(pf) / mi, speedup_vs_mmap_warm=med(np_warm) / mi,
                                   speedup_vs_scan=med(rs["elapsed_ms"]) / mi,
                                   rows_vs_numpy="equal" if equal_np else "DIFFERENT", rows_vs_scan="equal" if equal_scan else "DIFFERENT",
                                   load_masksearch=ri["_load"], load_cold="; ".join(cold_loads), load_numpy=np_load,
                                   load_perfile="; ".join(pf_loads), command_indexed=ri["_cmd"], command_cold=cold_cmd,
                                   command_numpy=np_cmd, command_perfile=pf_cmd))
        self.csv["index_fixed"] = fixed_rows

        # -- random queries, section 4.3 style
        rng = random.Random(a.seed)
        rand_rows = []
        for f in FAMILIES:
            params = [random_params(f, rng, h, w) for _ in range(a.random)]
            qs = [family_query(f, p) for p in params]
            ri = self.warm_queries(idx_db, [q[0] for q in qs], no_index=False, repeats=a.repeats, warmup=False)
            rs = self.warm_queries(idx_db, [q[0] for q in qs], no_index=True, repeats=1, warmup=False)
            for i, ((sql, nargs), x, y) in enumerate(zip(qs, ri, rs)):
                row = dict(family=f, i=i, sql=sql, indexed_warm_ms=med(x["elapsed_ms"]), scan_warm_ms=med(y["elapsed_ms"]),
                           fml=x["result"]["stats"]["fml"], verified=x["result"]["stats"]["verified"],
                           rows_vs_scan="equal" if rows_equal(x["result"]["rows"], y["result"]["rows"]) else "DIFFERENT",
                           numpy_mmap_warm_ms=None, rows_vs_numpy="", load=x["_load"])
                if i < a.numpy_random:
                    np_rows, t, _ = self.numpy(f, nargs, data)
                    row["numpy_mmap_warm_ms"] = t
                    row["rows_vs_numpy"] = "equal" if rows_equal(x["result"]["rows"], np_rows) else "DIFFERENT"
                rand_rows.append(row)
        self.csv["index_random"] = rand_rows

        # -- report
        self.md.append("## Issue 4 — index\n")
        br = build_row
        self.md.append(f"Build: `masksearch index` on a fresh warm copy of the {n}-mask uint8 database (the copy written back with `sync` first), wall time median of {a.repeats} "
                       f"({br['runs']} s): **{br['seconds_median']:.2f} s = {br['masks_per_s']:.0f} masks/s = {br['gb_per_s']:.2f} GB/s "
                       f"= {br['gb_per_s_per_core']:.2f} GB/s per core** ({cores} cores); CPU time (user + system) median "
                       f"{br['cpu_seconds_median']:.2f} s ({br['cpu_runs']}) = {br['gb_per_cpu_second']:.2f} GB per CPU-second. "
                       f"Index {br['index_mb']:.1f} MB = "
                       f"{100 * br['index_share_of_raw']:.1f}% of the raw masks, {100 * br['index_share_of_segment']:.1f}% of the "
                       f"segment file. Load {br['load']}. Command: `{br['command']}`.\n")
        self.md.append(f"CHI build alone (in-process, `chi_build`): {fmt(self.limit('chi_build', 1))} GB/s on 1 thread, "
                       f"{fmt(self.limit('chi_build', 2))} GB/s on 2. Bound evaluation (`DatabaseIndex.bounds`, box 56,56,168,168, "
                       f"(0.8, 1.0)): {fmt(self.limit('bounds_database_index', 1))} M masks/s on 1 thread, "
                       f"**{fmt(self.limit('bounds_database_index', 2))} M masks/s on 2**; with one `BoundsPlan` per query "
                       f"(`CHIFile.bounds`): {fmt(self.limit('bounds_planned', 1))} / {fmt(self.limit('bounds_planned', 2))} M masks/s; "
                       f"column-wise over one plan (`CHIFile.boundsForMasks`, the executor's constant-ROI path): "
                       f"{fmt(self.limit('bounds_column_wise', 1))} / **{fmt(self.limit('bounds_column_wise', 2))} M masks/s**.\n")
        self.md.append("### The five queries (paper constants)\n")
        self.md.append(f"Indexed and full-scan latency: engine `elapsed_ms`, warm, one session, median of {a.repeats}; indexed cold: "
                       f"`masksearch query --format json` after dropping the database's page cache. NumPy mmap warm: median of {a.repeats} "
                       f"after a warm-up; NumPy one-file-per-mask cold: `--per-file` on `numpy_baseline.py split` output, page cache of "
                       f"the files dropped before each of {a.perfile_repeats} runs. Rows are cross-checked against NumPy (ids exact, "
                       f"values to 1e-9) and against the full scan.\n")
        self.md.append("| query | rows | indexed warm ms | indexed cold ms | full scan warm ms | FML | NumPy mmap warm ms | NumPy 1-file cold ms | vs 1-file cold | vs mmap warm | vs scan | rows = NumPy / scan | load |")
        self.md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for r in fixed_rows:
            self.md.append(f"| {r['query']} | {r['rows']} | {fmt(r['indexed_warm_ms'])} | {fmt(r['indexed_cold_ms'])} | {fmt(r['scan_warm_ms'])} | "
                           f"{r['fml']:.4f} | {fmt(r['numpy_mmap_warm_ms'])} | {fmt(r['numpy_perfile_cold_ms'])} | "
                           f"**{r['speedup_vs_perfile_cold']:.0f}×** | **{r['speedup_vs_mmap_warm']:.1f}×** | {r['speedup_vs_scan']:.1f}× | "
                           f"{r['rows_vs_numpy']} / {r['rows_vs_scan']} | {r['load_masksearch']} / {r['load_numpy']} / {r['load_perfile']} |")
        fr = fixed_rows[0]
        self.md.append(f"\nCommands: `{fr['command_indexed']}` (FILE = the SQL below; full scan adds `--no-index`); cold `{fr['command_cold']}`; "
                       f"NumPy `{fr['command_numpy']}`; one-file `{fr['command_perfile']}`.\n")
        for r in fixed_rows:
            self.md.append(f"- {r['query']}: `{r['sql']}`")
        self.md.append(f"\n### {a.random} random queries per family (section 4.3 style, seed {a.seed})\n")
        self.md.append(f"Random constant boxes (sides ≥ 16 px), value ranges (lv in [0, 0.9], uv > lv or 1.0), thresholds, IoU t in "
                       f"[0.5, 0.95], k = 25. Indexed: warm, median of {a.repeats} runs per query (first run included: nothing is "
                       f"re-indexed, the index is complete); full scan: one warm run. NumPy mmap warm for the first {min(a.numpy_random, a.random)} "
                       f"of each family (one run each; its time does not depend on the parameters), rows cross-checked; the ratio "
                       f"against NumPy one-file cold uses that family's fixed-query figure above.\n")
        self.md.append("| family | indexed median ms | indexed p95 ms | max ms | FML median | FML p95 | full scan median ms | NumPy mmap warm median ms | vs 1-file cold (median query) | vs mmap warm (median query) | queries slower than mmap warm | rows = scan | rows = NumPy | load |")
        self.md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
        all_ratio_pf, all_ratio_mm, slower_total = [], [], 0
        for f in FAMILIES:
            rr = [r for r in rand_rows if r["family"] == f]
            lat = [r["indexed_warm_ms"] for r in rr]
            npm = med([r["numpy_mmap_warm_ms"] for r in rr])
            pf_ref = np_ref[f][1]
            ratio_pf = [pf_ref / x for x in lat]
            ratio_mm = [(r["numpy_mmap_warm_ms"] or npm) / r["indexed_warm_ms"] for r in rr]
            slower = sum(1 for x in ratio_mm if x < 1)
            slower_total += slower
            all_ratio_pf += ratio_pf; all_ratio_mm += ratio_mm
            eq_scan = sum(r["rows_vs_scan"] == "equal" for r in rr)
            checked = [r for r in rr if r["rows_vs_numpy"]]
            eq_np = sum(r["rows_vs_numpy"] == "equal" for r in checked)
            loads = sorted({r["load"] for r in rr})
            self.md.append(f"| {FAMILY_TITLE[f]} | {fmt(med(lat))} | {fmt(p95(lat))} | {fmt(max(lat))} | {med([r['fml'] for r in rr]):.4f} | "
                           f"{p95([r['fml'] for r in rr]):.4f} | {fmt(med([r['scan_warm_ms'] for r in rr]))} | {fmt(npm)} | "
                           f"{med(ratio_pf):.0f}× | {med(ratio_mm):.1f}× | {slower} / {len(rr)} | {eq_scan}/{len(rr)} | {eq_np}/{len(checked)} | "
                           f"{loads[0]} … {loads[-1]} |")
        self.md.append(f"\nPer-query figures: `index_random.csv` (SQL, latency, FML, checks).\n")
        mi = med([r["indexed_warm_ms"] for r in rand_rows + [dict(indexed_warm_ms=x["indexed_warm_ms"]) for x in fixed_rows]])
        self.summary.append(("indexed ≥ 200× faster than NumPy one-file cold (median query)",
                             f"{med(all_ratio_pf):.0f}× over random queries; fixed: " + ", ".join(
                                 f"{r['family']} {r['speedup_vs_perfile_cold']:.0f}×" for r in fixed_rows), med(all_ratio_pf) >= 200))
        self.summary.append(("indexed ≥ 20× faster than NumPy mmap warm (median query)",
                             f"{med(all_ratio_mm):.1f}× over random queries; fixed: " + ", ".join(
                                 f"{r['family']} {r['speedup_vs_mmap_warm']:.1f}×" for r in fixed_rows), med(all_ratio_mm) >= 20))
        slower_fixed = sum(1 for r in fixed_rows if r["speedup_vs_mmap_warm"] < 1)
        self.summary.append(("no query slower than NumPy mmap warm", f"{slower_total} random + {slower_fixed} fixed slower; min ratio "
                             f"{min(all_ratio_mm + [r['speedup_vs_mmap_warm'] for r in fixed_rows]):.2f}×",
                             slower_total + slower_fixed == 0))
        bd = self.limit("bounds_column_wise", 2)
        self.summary.append(("bound evaluation ≥ 50 M masks/s on 2 cores (constant ROI)",
                             f"{fmt(bd)} M masks/s column-wise (`CHIFile.boundsForMasks`, the executor's constant-ROI path); "
                             f"row by row: {fmt(self.limit('bounds_planned', 2))} with one plan, "
                             f"{fmt(self.limit('bounds_database_index', 2))} planned per call (DatabaseIndex.bounds)", (bd or 0) >= 50))
        self.summary.append(("index build ≥ 1 GB/s per core", f"{br['gb_per_s_per_core']:.2f} GB/s per core end to end, "
                             f"{br['gb_per_cpu_second']:.2f} GB per CPU-second "
                             f"(CHI kernel alone {fmt(self.limit('chi_build', 1))} GB/s on 1 thread)", br["gb_per_s_per_core"] >= 1.0))
        bad = [r for r in fixed_rows + rand_rows if r["rows_vs_scan"] == "DIFFERENT" or r["rows_vs_numpy"] == "DIFFERENT"]
        self.summary.append(("rows equal NumPy / full scan", f"{len(bad)} mismatches", not bad))
        self.md.append("")

    # ------------------------------------------------------------------ part: open
    def process_runs(self, cmd, repeats):
        """Runs cmd `repeats` times after one warm-up; returns (wall ms, CPU ms) lists, each the
        whole process's. No `nice` process and no pre-exec hook in the timing (the benchmark
        process itself is niced by `part_open`), so Python starts the child with vfork/exec."""
        subprocess.run(cmd, capture_output=True, check=True)
        walls, cpus = [], []
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            walls.append((time.perf_counter() - t) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000)
        self.r.log.write(f"$ {self.cmd_text(cmd)}  # x{repeats}: wall ms {walls}\n")
        return walls, cpus

    def cmd_text(self, cmd):
        return self.r.cmd_text(cmd)

    def open_db(self, n):
        """A database of `n` masks of 32×32 (open costs depend on rows, not pixels) with the
        generator's metadata and its `object` ROI set; built once per scratch dir."""
        db = os.path.join(self.a.scratch, f"db-open-{n}")
        if not os.path.exists(os.path.join(db, ".bench-complete")):
            data = os.path.join(self.a.scratch, f"data-open-{n}")
            shutil.rmtree(data, ignore_errors=True)
            print(f"generating and ingesting {n} masks of 32x32 into {db} ...", flush=True)
            self.r.run([self.ms, "generate", data, "--masks", str(n), "--size", "32,32", "--no-images"])
            self.ingest_db(data, db)
            shutil.rmtree(data, ignore_errors=True)
            open(os.path.join(db, ".bench-complete"), "w").close()
        return db

    def topk_db(self):
        """The main uint8 dataset (--masks, --size) ingested with its `object` ROI set and
        indexed by `masksearch index` (default parameters); built once per scratch dir."""
        data = self.main_data()
        db = os.path.join(self.a.scratch, f"db-open-indexed-{self.a.masks}")
        if not os.path.exists(os.path.join(db, ".bench-complete")):
            self.ingest_db(data, db)
            self.r.run([self.ms, "index", db])
            open(os.path.join(db, ".bench-complete"), "w").close()
        return db

    def open_topk(self, reps):
        """Process wall time of the indexed top-25 against the same with --no-index."""
        db = self.topk_db()
        sql = "SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 25"
        out = []
        for label, extra, n in (("top-25, index", [], reps), ("top-25, --no-index", ["--no-index"], self.a.repeats)):
            cmd = [self.ms, "query", db, sql, "--format", "json"] + extra
            walls, cpus = self.process_runs(cmd, n)
            out.append(dict(run=f"{label}, {self.a.masks} masks {self.a.size[0]}×{self.a.size[1]}", masks=self.a.masks,
                            wall_ms=med(walls), wall_ms_min=min(walls), cpu_ms=med(cpus), repeats=n, load=loadavg(),
                            command=self.cmd_text(cmd)))
        ratio = out[1]["wall_ms"] / out[0]["wall_ms"]
        self.summary.append(("indexed top-25 ≥ 25× faster than --no-index (process wall)",
                             f"{ratio:.1f}× ({fmt(out[0]['wall_ms'])} ms vs {fmt(out[1]['wall_ms'])} ms)", ratio >= 25))
        return out

    def open_in_process(self, reps):
        """`masksearch-bench open` on each database of part open ([] without the tool)."""
        if not os.path.exists(self.msb):
            return []
        out = []
        for n in self.a.open_masks:
            cmd = [self.msb, "open", self.open_db(n), "--repeats", str(reps)]
            j = json.loads(self.r.run(cmd)[0])
            j["command"] = self.cmd_text(cmd)
            out.append(j)
        self.csv["open_in_process"] = out
        return out

    def part_open(self):
        """Issue 10 item 2: the cost of a process that opens a database and runs a query that
        reads no pixels, against database size and against a process that opens nothing."""
        a = self.a
        trivial = "SELECT mask_id FROM masks WHERE mask_id < 0"
        reps = a.open_repeats
        if a.nice:
            os.nice(a.nice)   # inherited by the timed children (this part runs last)
        load0 = loadavg()
        runs = [("masksearch --version", [self.ms, "--version"], None)]
        for n in a.open_masks:
            db = self.open_db(n)
            runs.append((f"trivial query, {n} masks", [self.ms, "query", db, trivial, "--format", "json"], n))
        rows = []
        for label, cmd, n in runs:
            walls, cpus = self.process_runs(cmd, reps)
            rows.append(dict(run=label, masks=n if n is not None else "", wall_ms=med(walls), wall_ms_min=min(walls),
                             cpu_ms=med(cpus), repeats=reps, load=load0, command=self.cmd_text(cmd)))
        version, small, big = rows[0], rows[1], rows[-1]
        inproc = self.open_in_process(reps)
        if a.open_topk:
            rows += self.open_topk(reps)
        self.csv["open"] = rows
        self.md.append("## Issue 10 — open cost (part `open`)\n")
        self.md.append(f"Whole-process wall time and CPU time (user + system) of each command, median of {reps} runs after "
                       f"one warm-up (warm page cache), at nice {a.nice} (inherited; no `nice` process in the timing). "
                       f"Databases: 32×32 uint8 masks from `masksearch generate` (metadata and the `object` ROI set "
                       f"included). Load {load0} → {loadavg()}.\n")
        self.md.append("| run | wall ms (median) | wall ms (min) | CPU ms (median) | runs | command |\n|---|---:|---:|---:|---:|---|")
        for r in rows:
            self.md.append(f"| {r['run']} | {fmt(r['wall_ms'])} | {fmt(r['wall_ms_min'])} | {fmt(r['cpu_ms'])} | {r['repeats']} | `{r['command']}` |")
        self.md.append("")
        if inproc:
            self.md.append("In process (`masksearch-bench open DB`, median of the runs, each on a freshly opened database): "
                           "opening (manifest, mappings, framing checks), then the first read of a mask_id (the first-read "
                           "checks of the mask_id chunks), a copy of every mask_id (`builtinColumn(0)`), every ROI set opened for reading in place (its CRC and id-order check).\n")
            self.md.append("| masks | open ms | first mask_id value ms | all mask_ids ms | ROI sets ms | command |\n|---:|---:|---:|---:|---:|---|")
            for r in inproc:
                self.md.append(f"| {r['masks']} | {fmt(r['open_ms'])} | {fmt(r['first_value_ms'])} | {fmt(r['mask_id_ms'])} | "
                               f"{fmt(r['roi_sets_ms'])} | `{r['command']}` |")
            self.md.append("")
        ratio_a = big["wall_ms"] / small["wall_ms"]
        self.summary.append((f"trivial query on {big['masks']} masks within 1.5× of {small['masks']} masks (wall)",
                             f"{ratio_a:.2f}× ({fmt(big['wall_ms'])} ms vs {fmt(small['wall_ms'])} ms; CPU "
                             f"{big['cpu_ms'] / small['cpu_ms']:.2f}×)", ratio_a <= 1.5))
        for r in [x for x in rows[1:len(a.open_masks) + 1] if x["masks"] in (40000, big["masks"])]:
            ratio_b = r["wall_ms"] / version["wall_ms"]
            self.summary.append((f"trivial query ({r['masks']} masks) within 1.5× of `masksearch --version` (wall)",
                                 f"{ratio_b:.2f}× ({fmt(r['wall_ms'])} ms vs {fmt(version['wall_ms'])} ms; CPU "
                                 f"{r['cpu_ms'] / version['cpu_ms']:.2f}×)", ratio_b <= 1.5))

    # ------------------------------------------------------------------ output
    def write(self, parts, started):
        a = self.a
        m = machine()
        title = "issue 10 (open cost)" if parts == ["open"] else "issues 2, 3, 4"
        head = [f"# masksearch benchmarks — {title}{' (quick)' if a.quick else ''}\n",
                f"Generated by `python3 Benchmarks/bench.py {' '.join(sys.argv[1:])}` on {time.strftime('%Y-%m-%d %H:%M %Z')} "
                f"in {time.time() - started:.0f} s. Machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} RAM, Linux {m['kernel']}, "
                f"Python {m['python']}, NumPy {m['numpy']}. Commands run under `{' '.join(self.r.nice) or '(no nice)'}`; the machine is "
                f"shared, so every figure carries the 1/5/15-minute load average read just before it was measured. "
                f"Binaries: `{self.bin}`. Scratch: `{a.scratch}` (datasets, databases, `bench.log` with every command).\n"]
        if self.summary:
            head.append("## Targets\n\n| target | measured | met |\n|---|---|---|")
            for t, v, ok in self.summary:
                head.append(f"| {t} | {v} | {'–' if ok is None else ('yes' if ok else '**no**')} |")
            head.append("")
        text = "\n".join(head + self.md) + "\n"
        os.makedirs(a.out, exist_ok=True)
        # Part open alone (issue 10) has its own summary: it must not replace that of issues 2-4.
        summary_name = "issue-10-open.md" if parts == ["open"] else "issues-2-4.md"
        with open(os.path.join(a.out, summary_name), "w") as f:
            f.write(text)
        for name, rows in self.csv.items():
            if not rows:
                continue
            keys = list(rows[0].keys())
            with open(os.path.join(a.out, f"{name}.csv"), "w", newline="") as f:
                wr = csv.DictWriter(f, fieldnames=keys)
                wr.writeheader()
                for r in rows:
                    wr.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
        print(text)
        print(f"written: {os.path.join(a.out, summary_name)} and {', '.join(n + '.csv' for n in self.csv)}")


def read_csv(path):
    """Rows of a CSV file as dicts; [] when the file does not exist."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(x):
    """float(x), NaN for what is not a number (empty CSV cells)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def rows_equal(a, b, tol=1e-9):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if len(x) != len(y):
            return False
        for u, v in zip(x, y):
            if u is None or v is None:
                if u is not v:
                    return False
            elif isinstance(u, int) and isinstance(v, int):
                if u != v:
                    return False
            elif abs(float(u) - float(v)) > tol * max(1.0, abs(float(v))):
                return False
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("parts", nargs="*", metavar="ingest|scan|index|open|all", help="parts to run (default: all)")
    p.add_argument("--quick", action="store_true", help="tiny data (CI): < 1 minute once built")
    p.add_argument("--scratch", default=os.environ.get("MASKSEARCH_BENCH_SCRATCH", "/tmp/masksearch-bench"),
                   help="datasets, databases, logs (outside git)")
    p.add_argument("--out", help="where issues-2-4.md and the CSVs go (default Benchmarks/results, or SCRATCH/results with --quick)")
    p.add_argument("--bin-dir", help="directory with masksearch and masksearch-bench (default .build-bench/release, built if missing)")
    p.add_argument("--build", action="store_true", help="run swift build first even if the binaries exist")
    p.add_argument("--masks", type=int, help="uint8 masks (default 40000, quick 600)")
    p.add_argument("--float-masks", type=int, help="float32 masks for ingest (default 10000, quick 200)")
    p.add_argument("--size", default="224,224", help="H,W")
    p.add_argument("--repeats", type=int, help="runs per figure, median reported (default 3)")
    p.add_argument("--perfile-repeats", type=int, help="cold NumPy one-file-per-mask runs per query (default 3, quick 1)")
    p.add_argument("--random", type=int, help="random queries per family (default 50, quick 4)")
    p.add_argument("--numpy-random", type=int, help="of which run with NumPy mmap too (default 10, quick all)")
    p.add_argument("--buffer-mb", type=int, help="decoded buffer of `limits` (default 1024, quick 64)")
    p.add_argument("--open-masks", help="database sizes of part open, comma-separated (default 1000,40000,1330000; quick 1000,20000)")
    p.add_argument("--open-topk", action="store_true",
                   help="part open also times the indexed top-25 against --no-index on the main dataset (--masks, --size)")
    p.add_argument("--open-repeats", type=int, help="process runs per figure of part open (default 21, quick 5)")
    p.add_argument("--seed", type=int, default=43)
    p.add_argument("--nice", type=int, default=10, help="nice level of every command (0: none)")
    a = p.parse_args()
    for part in a.parts:
        if part not in ("ingest", "scan", "index", "open", "all"):
            p.error(f"unknown part {part!r}: choose ingest, scan, index, open or all")
    q = a.quick
    a.masks = a.masks or (450 if q else 40000)
    a.float_masks = a.float_masks or (150 if q else 10000)
    a.repeats = a.repeats or 3
    a.perfile_repeats = a.perfile_repeats or (1 if q else 3)
    a.random = a.random if a.random is not None else (3 if q else 50)
    a.numpy_random = a.numpy_random if a.numpy_random is not None else (a.random if q else 10)
    a.buffer_mb = a.buffer_mb or (64 if q else 1024)
    a.size = tuple(int(x) for x in a.size.split(","))
    a.open_masks = [int(x) for x in (a.open_masks or ("1000,20000" if q else "1000,40000,1330000")).split(",")]
    a.open_repeats = a.open_repeats or (5 if q else 21)
    if q:
        a.scratch = os.path.join(a.scratch, "quick")
    a.out = a.out or (os.path.join(a.scratch, "results") if q else os.path.join(REPO, "Benchmarks", "results"))
    every = ("ingest", "scan", "index", "open")
    parts = list(every) if not a.parts or "all" in a.parts else [x for x in every if x in a.parts]
    started = time.time()
    b = Bench(a)
    b.build()
    if "ingest" in parts and "index" not in parts:
        b.limits(b.main_db()[1])   # LZ4 limits beside the ingest figures
    if "index" in parts:
        b.part_index()             # first: its limits (with the index) serve the other parts too
    if "ingest" in parts:
        b.part_ingest()
    if "scan" in parts:
        b.part_scan()
    if "open" in parts:
        b.part_open()
    if "index" not in parts and b.limits_json:
        b.limits_section()
    # order the report as issues 2, 3, 4 whatever ran first
    b.md = reorder(b.md)
    b.write(parts, started)


def reorder(md):
    sections, cur = {}, "pre"
    for line in md:
        if line.startswith("## Issue"):
            cur = line.split("—")[0].strip()
        elif line.startswith("### Machine limits"):
            cur = "limits"
        sections.setdefault(cur, []).append(line)
    order = ["pre", "limits", "## Issue 2", "## Issue 3", "## Issue 4", "## Issue 10"]
    out = []
    for k in order + [k for k in sections if k not in order]:
        out += sections.get(k, [])
    return out


if __name__ == "__main__":
    main()
