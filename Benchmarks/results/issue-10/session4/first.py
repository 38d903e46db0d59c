#!/usr/bin/env python3
"""First query on fresh unindexed copies: the full scan (--no-index) then the default (indexes after its answer),
paired per copy. Usage: perf-first.py ROUNDS RAW_DB BIN SQL..."""
import json, os, shutil, statistics, subprocess, sys, time
rounds, raw, b, sqls = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
def run(args):
    t = time.perf_counter()
    p = subprocess.Popen([b] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read(); answered = time.perf_counter() - t
    p.wait(); total = time.perf_counter() - t
    j = json.loads(out)
    return j["stats"]["elapsed_ms"], (total - answered) * 1000, j["stats"]["newly_indexed"], j["rows"]
for sql in sqls:
    scan, ii, after = [], [], []
    for r in range(rounds):
        fresh = raw + "-fresh"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(raw, fresh)
        os.sync()
        for name in os.listdir(fresh):
            with open(os.path.join(fresh, name), "rb") as f:
                while f.read(1 << 22): pass
        s = run(["query", fresh, sql, "--format", "json", "--no-index"])
        i = run(["query", fresh, sql, "--format", "json"])
        assert s[3] == i[3]
        scan.append(s[0]); ii.append(i[0]); after.append(i[1])
        shutil.rmtree(fresh, ignore_errors=True)
    print(json.dumps(dict(sql=sql, scan_ms=scan, first_ms=ii, after_answer_ms=after, indexed=i[2],
                          ratio_of_medians=statistics.median(ii) / statistics.median(scan),
                          paired_ratios=sorted(x / y for x, y in zip(ii, scan)))))
print("load", open("/proc/loadavg").read().strip())
