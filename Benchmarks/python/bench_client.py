#!/usr/bin/env python3
"""Issue 12's measurements of the Python client against the CLI (release builds, medians).

    .build/test-venv/bin/python Benchmarks/python/bench_client.py [--masks 40000] [--dir /tmp/py-bench]
                                                                 [--cli .build/release/masksearch]

Run with an interpreter that has the package installed (`pip install ./python`, a release build
of the engine). The CLI is the release `masksearch` (built by this script when missing with the
flags of Tools/build-abi-library.sh, so that it shares the engine's compiled release modules).

(a) In-process overhead of a query: Python wall time of `db.query(sql)` minus the engine's own
    `stats["elapsed_ms"]`, median of 100 runs of a small query (target < 1 ms).
(b) Ingest of the same 40k x 224x224 uint8 dataset (`masksearch generate --masks 40000`): the CLI's
    `masksearch ingest DB masks.npy --meta meta.csv` (process wall time) against `db.ingest(masks,
    meta=columns)` with the .npy memory-mapped (np.load(mmap_mode="r"): read in place) and the
    metadata as a dict of columns (its conversion to CSV text included; reading meta.csv into the
    dict is not, as a user already holds the columns). Runs alternate CLI, Python, CLI, Python
    (ABAB) so that the load other processes put on the machine falls on both alike.
(c) Top-25 queries per second on the indexed database: one Python process running the query in a
    loop against the CLI started once per query (`masksearch query DB SQL --format json`), ABAB.

Results: Benchmarks/results/issue-12/python_client.md and .csv, with the load average
(/proc/loadavg) at each step and the exact commands.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List

import numpy as np

import masksearch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(REPO, "Benchmarks", "results", "issue-12")
SMALL = "SELECT mask_id, CP(mask, object, 0.8, 1.0) AS v FROM masks WHERE mask_id < 8"
TOP25 = ("SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r FROM masks "
         "WHERE mask_type = 1 ORDER BY r ASC LIMIT 25")


def loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def run(command: List[str], **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, **kwargs)


def ensure_cli(path: str) -> str:
    if not os.path.exists(path):
        print("building the release CLI:", path, flush=True)
        swiftc = os.path.realpath(shutil.which("swiftc") or "swiftc")
        static = os.path.join(os.path.dirname(os.path.dirname(swiftc)), "lib", "swift_static", "linux")
        run(["swift", "build", "-c", "release", "--product", "masksearch", "--static-swift-stdlib",
             "-Xlinker", "-L" + static], cwd=REPO)
    return path


def ensure_dataset(cli: str, directory: str, masks: int) -> str:
    data = os.path.join(directory, "gen")
    if not os.path.exists(os.path.join(data, "meta.csv")):
        run([cli, "generate", data, "--masks", str(masks), "--no-images"], stdout=subprocess.DEVNULL)
    return data


def typed_columns(path: str) -> Dict[str, List[Any]]:
    """meta.csv as a dict of columns typed as the engine types them (int, float, else str)."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    columns: Dict[str, List[Any]] = {}
    for i, name in enumerate(rows[0]):
        cells = [row[i] for row in rows[1:]]
        for kind in (int, float, str):
            try:
                columns[name] = [kind(c) if c != "" else None for c in cells]
                break
            except ValueError:
                continue
    return columns


def ingest_runs(cli: str, data: str, directory: str, runs: int, log: List[Dict[str, Any]]) -> None:
    masks_path, meta_path = os.path.join(data, "masks.npy"), os.path.join(data, "meta.csv")
    meta = typed_columns(meta_path)
    count = len(meta["mask_id"])
    with open(masks_path, "rb") as handle:  # warm the page cache for both sides alike
        while handle.read(1 << 24):
            pass
    for r in range(runs):
        for side in ("cli", "python"):
            db = os.path.join(directory, f"ingest-{side}")
            shutil.rmtree(db, ignore_errors=True)
            load = loadavg()
            start = time.perf_counter()
            if side == "cli":
                run([cli, "ingest", db, masks_path, "--meta", meta_path], stdout=subprocess.DEVNULL)
            else:
                with masksearch.connect(db) as conn:
                    conn.ingest(np.load(masks_path, mmap_mode="r"), meta=meta)
            seconds = time.perf_counter() - start
            log.append({"what": "ingest", "side": side, "run": r, "seconds": seconds, "masks_per_s": count / seconds,
                        "load": load})
            print(f"ingest {side} run {r}: {seconds:.2f} s, {count / seconds:.0f} masks/s (load {load})", flush=True)
            shutil.rmtree(db, ignore_errors=True)


def query_db(cli: str, data: str, directory: str) -> str:
    db = os.path.join(directory, "query-db")
    if not os.path.exists(db):
        run([cli, "ingest", db, os.path.join(data, "masks.npy"), "--meta", os.path.join(data, "meta.csv")],
            stdout=subprocess.DEVNULL)
        run([cli, "roi", db, "object", os.path.join(data, "rois", "object.csv")], stdout=subprocess.DEVNULL)
        run([cli, "index", db], stdout=subprocess.DEVNULL)
    return db


def overhead(db_path: str, log: List[Dict[str, Any]]) -> None:
    with masksearch.connect(db_path) as db:
        for _ in range(10):
            db.query(SMALL)
        load = loadavg()
        samples = []
        for _ in range(100):
            start = time.perf_counter()
            result = db.query(SMALL)
            wall = (time.perf_counter() - start) * 1000
            samples.append((wall, result.stats["elapsed_ms"]))
    walls, engine = [s[0] for s in samples], [s[1] for s in samples]
    over = [w - e for w, e in samples]
    log.append({"what": "overhead", "side": "python", "run": 0, "wall_ms": statistics.median(walls),
                "elapsed_ms": statistics.median(engine), "overhead_ms": statistics.median(over), "load": load})
    print(f"overhead: median wall {statistics.median(walls):.3f} ms, elapsed_ms {statistics.median(engine):.3f}, "
          f"overhead {statistics.median(over):.3f} ms (load {load})", flush=True)


def query_rates(cli: str, db_path: str, rounds: int, log: List[Dict[str, Any]]) -> None:
    with masksearch.connect(db_path) as db:
        expected = db.query(TOP25)
        for r in range(rounds):
            for side in ("cli", "python"):
                load = loadavg()
                count = 20 if side == "cli" else 200
                start = time.perf_counter()
                for _ in range(count):
                    if side == "cli":
                        out = run([cli, "query", db_path, TOP25, "--format", "json"], capture_output=True).stdout
                    else:
                        out = None
                        result = db.query(TOP25)
                seconds = time.perf_counter() - start
                rows = json.loads(out)["rows"] if out else [list(row) for row in result.rows]
                assert rows == [list(row) for row in expected.rows], "the CLI and Python disagree"
                log.append({"what": "top25", "side": side, "run": r, "queries": count, "seconds": seconds,
                            "qps": count / seconds, "load": load})
                print(f"top-25 {side} round {r}: {count / seconds:.1f} queries/s (load {load})", flush=True)


def median_of(log: List[Dict[str, Any]], what: str, side: str, key: str) -> float:
    return statistics.median(row[key] for row in log if row["what"] == what and row["side"] == side)


def write_results(log: List[Dict[str, Any]], args: argparse.Namespace, command: str) -> None:
    os.makedirs(RESULTS, exist_ok=True)
    keys = sorted({k for row in log for k in row})
    with open(os.path.join(RESULTS, "python_client.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys)
        writer.writeheader()
        writer.writerows(log)
    lines = [
        "# Issue 12: the Python client against the CLI", "",
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"masksearch {masksearch.__version__}; load average (1, 5, 15 min) per step in python_client.csv.", "",
        "| measurement | Python (in process) | CLI | ratio | target |", "|---|---|---|---|---|",
    ]
    if any(r["what"] == "overhead" for r in log):
        row = next(r for r in log if r["what"] == "overhead")
        lines.append(f"| (a) overhead of a small query over its elapsed_ms, median of 100 | {row['overhead_ms']:.3f} ms "
                     f"(wall {row['wall_ms']:.3f} ms, elapsed_ms {row['elapsed_ms']:.3f}) | | | < 1 ms |")
    if any(r["what"] == "ingest" for r in log):
        py, cli = median_of(log, "ingest", "python", "masks_per_s"), median_of(log, "ingest", "cli", "masks_per_s")
        lines.append(f"| (b) ingest {args.masks} x 224x224 uint8 with metadata, masks/s (median of {args.runs}) | "
                     f"{py:.0f} | {cli:.0f} | {py / cli:.2f}x | >= 0.9x |")
    if any(r["what"] == "top25" for r in log):
        py, cli = median_of(log, "top25", "python", "qps"), median_of(log, "top25", "cli", "qps")
        lines.append(f"| (c) indexed top-25 queries/s (median of {args.rounds} rounds) | {py:.1f} | {cli:.1f} "
                     f"(a process per query) | {py / cli:.1f}x | |")
    lines += ["", f"Small query (a): `{SMALL}`  ", f"Top-25 query (c): `{TOP25}`  ",
              "Runs alternate CLI, Python, CLI, Python (ABAB); every row is in python_client.csv.", ""]
    with open(os.path.join(RESULTS, "python_client.md"), "w") as handle:
        handle.write("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--masks", type=int, default=40000)
    parser.add_argument("--dir", default="/tmp/py-bench")
    parser.add_argument("--cli", default=os.path.join(REPO, ".build", "release", "masksearch"))
    parser.add_argument("--runs", type=int, default=2, help="ingest runs per side (ABAB)")
    parser.add_argument("--rounds", type=int, default=3, help="top-25 rounds per side (ABAB)")
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    command = " ".join([os.path.relpath(sys.executable, REPO) if sys.executable.startswith(REPO) else sys.executable,
                        "Benchmarks/python/bench_client.py", *sys.argv[1:]])
    os.makedirs(args.dir, exist_ok=True)
    cli = ensure_cli(args.cli)
    data = ensure_dataset(cli, args.dir, args.masks)
    log: List[Dict[str, Any]] = []
    if not args.skip_ingest:
        ingest_runs(cli, data, args.dir, args.runs, log)
    db = query_db(cli, data, args.dir)
    overhead(db, log)
    query_rates(cli, db, args.rounds, log)
    write_results(log, args, command)


if __name__ == "__main__":
    main()
