#!/usr/bin/env python3
"""Warm latency of the peers and the NumPy baseline on the paper's five queries.

    measure.py DATASET --tiledb ARRAY_DIR --duckdb DB_FILE [--duckdb-pixels DB_FILE] [--repeats 3]
               [--nice 5] [--json OUT] [--systems numpy,tiledb,duckdb,duckdb-pixels] [--families ...]

For each system and family: one untimed warm-up run, then --repeats runs, each a fresh process
(under `nice -n NICE`); the figure is the median of the runs' own `elapsed_ms` (Python start-up
excluded). Rows are checked against the baseline's (ids exact, values within 1e-9). Prints a
Markdown table with the load average before each measurement, and the exact commands.
Stores must have been written with `tiledb_peer.py load` / `duckdb_peer.py load` first.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE = os.path.normpath(os.path.join(HERE, "..", "..", "Tools", "baselines", "numpy_baseline.py"))
sys.path.insert(0, HERE)
from check import same  # noqa: E402

QUERIES = {
    "filter-const": ["--box", "56,56,168,168", "--lv", "0.8", "--uv", "1.0", "--threshold", "9000"],
    "filter-object": ["--lv", "0.8", "--uv", "1.0", "--threshold", "5000"],
    "topk-const": ["--box", "56,56,168,168", "--lv", "0.8", "--uv", "1.0", "--k", "25"],
    "topk-agg": ["--lv", "0.8", "--uv", "1.0", "--k", "25"],
    "topk-iou": ["--t", "0.8", "--k", "25"],
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset")
    p.add_argument("--tiledb")
    p.add_argument("--duckdb")
    p.add_argument("--duckdb-pixels", help="a DuckDB file loaded with --layout pixels")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--nice", type=int, default=5)
    p.add_argument("--systems", default="numpy,tiledb,duckdb")
    p.add_argument("--families", default=",".join(QUERIES))
    p.add_argument("--json", help="also write the figures as JSON here")
    a = p.parse_args()
    py = sys.executable
    commands = {
        "numpy": lambda f: [py, BASELINE, f, a.dataset],
        "tiledb": lambda f: [py, os.path.join(HERE, "tiledb_peer.py"), f, a.dataset, "--array", a.tiledb],
        "duckdb": lambda f: [py, os.path.join(HERE, "duckdb_peer.py"), f, a.dataset, "--db", a.duckdb],
        "duckdb-pixels": lambda f: [py, os.path.join(HERE, "duckdb_peer.py"), f, a.dataset, "--db", a.duckdb_pixels],
    }
    results, expected = [], {}
    print("| family | system | warm median ms | runs ms | rows equal to numpy | load avg |")
    print("|---|---|---|---|---|---|")
    for family in a.families.split(","):
        for system in a.systems.split(","):
            cmd = commands[system](family) + QUERIES[family]
            full = (["nice", "-n", str(a.nice)] if a.nice else []) + cmd
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            outs = []
            for i in range(1 + a.repeats):
                proc = subprocess.run(full, capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"| {family} | {system} | FAILED: exit {proc.returncode}: "
                          f"{proc.stderr.strip().splitlines()[-1:]} | | | {load} |", flush=True)
                    break
                outs.append(json.loads(proc.stdout))
            if len(outs) < 1 + a.repeats:
                continue
            times = [o["elapsed_ms"] for o in outs[1:]]
            rows = outs[-1]["rows"]
            if system == "numpy":
                expected[family] = rows
            diff = same(rows, expected[family]) if family in expected else "no baseline"
            med = statistics.median(times)
            results.append({"family": family, "system": system, "median_ms": med, "runs_ms": times,
                            "rows": len(rows), "equal": diff is None, "diff": diff, "loadavg": load,
                            "command": " ".join(full)})
            print(f"| {family} | {system} | {med:.1f} | {', '.join(f'{t:.1f}' for t in times)} | "
                  f"{'yes' if diff is None else 'NO: ' + diff} ({len(rows)} rows) | {load} |", flush=True)
    print()
    for r in results:
        print(f"    {r['command']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
