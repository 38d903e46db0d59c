#!/usr/bin/env python3
"""Paired, alternated process timings: for each round, each binary runs each command once (order alternates).
Usage: perf-pair.py ROUNDS DB BIN_A BIN_B  -> medians of wall ms and CPU ms (user+sys) per (binary, command)."""
import os, subprocess, sys, time, statistics, json
rounds, db, bins = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
Q = "SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 25"
cmds = {"--version": ["--version"], "trivial": ["query", db, "SELECT mask_id FROM masks WHERE mask_id < 0", "--format", "json"],
        "top-25 index": ["query", db, Q, "--format", "json"]}
res = {(b, c): ([], []) for b in bins for c in cmds}
def run(b, args):
    r0 = os.wait4
    t = time.perf_counter()
    p = subprocess.Popen([b] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return (time.perf_counter() - t) * 1000, (ru.ru_utime + ru.ru_stime) * 1000
for b in bins:
    for c, a in cmds.items(): run(b, a)  # warm-up
for i in range(rounds):
    order = bins if i % 2 == 0 else bins[::-1]
    for c, a in cmds.items():
        for b in order:
            w, cpu = run(b, a)
            res[(b, c)][0].append(w); res[(b, c)][1].append(cpu)
scan = []
for b in bins:
    for i in range(3):
        scan.append((b,) + run(b, cmds["top-25 index"] + ["--no-index"]))
out = {}
for (b, c), (w, cpu) in res.items():
    out[f"{b} {c}"] = dict(wall=statistics.median(w), cpu=statistics.median(cpu), n=len(w))
for b in bins:
    ws = [w for bb, w, _ in scan if bb == b]
    out[f"{b} top-25 --no-index"] = dict(wall=statistics.median(ws), cpu=statistics.median([c for bb, _, c in scan if bb == b]), n=len(ws))
print(json.dumps(out, indent=1))
print("load", open("/proc/loadavg").read().strip())
