#!/usr/bin/env python3
"""CPU and wall of Figure 11's p = 1.0 workload, MS-II against MS, one binary: on a fresh copy of
an unindexed database (synced, its files read once), the 200 queries as MS-II runs them (each a
`masksearch query DB SQL --format json` process); then on another fresh copy the build
(`masksearch index DB`) and the same queries on the indexed copy (MS). Wall as evaluate.py counts
it — the engine's `elapsed_ms` plus the time from the end of the output to the exit — and the
CPU of every process (user + system, from wait4), start-up included.

    python3 cpu_split.py MASKSEARCH RAW_DB QUERIES

QUERIES: one SQL per line (../session10/figure11-p1-queries.sql)."""
import os, shutil, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "session10"))
from msii_ab import fresh_copy, timed, workload  # noqa: E402

ms, src = sys.argv[1], sys.argv[2]
sqls = [line for line in open(sys.argv[3]).read().split("\n") if line]
work = src.rstrip("/") + "-cpu-split"


def queries():
    engine, after, user, system = workload(ms, work, sqls)
    return (f"answers {engine:.0f} + after {after:.0f} = {engine + after:.0f} ms | CPU {user + system:.0f} ms "
            f"(user {user:.0f}, system {system:.0f})")


fresh_copy(src, work)
print("MS-II:", queries(), flush=True)
fresh_copy(src, work)
_, _, wall, u, s = timed([ms, "index", work])
print(f"build: wall {wall * 1000:.0f} ms | CPU {(u + s) * 1000:.0f} ms (user {u * 1000:.0f}, system {s * 1000:.0f})", flush=True)
print("MS:", queries(), flush=True)
shutil.rmtree(work, ignore_errors=True)
