#!/usr/bin/env python3
"""MS-II on Figure 11's p = 1.0 workload, binaries alternated: per repetition and binary, a fresh
copy of an unindexed database (synced, its files read once), then the workload's 200 queries, each
a `masksearch query DB SQL --format json` process, timed as evaluate.py times them — the engine's
`elapsed_ms` plus the time from the end of the output to the exit (the indexing after the answer) —
and the processes' CPU (user + system, from wait4).

    python3 msii_ab.py BIN_A,BIN_B REPS RAW_DB [QUERIES]

BIN_*: directories holding `masksearch`; RAW_DB: the 40,000-mask database evaluate.py ingests
(unindexed); QUERIES: one SQL per line (default: figure11-p1-queries.sql beside this file, the
p = 1.0 workload of `evaluate.py --only workload`, seed 1)."""
import json, os, shutil, statistics as st, subprocess, sys, time


def fresh_copy(src, work):
    """`work` made a fresh copy of `src`, synced, its files read once (warm in the page cache)."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(src, work)
    os.sync()
    for name in os.listdir(work):
        with open(os.path.join(work, name), "rb") as f:
            while f.read(1 << 22):
                pass


def timed(args):
    """Runs `args`; its output, the seconds to the end of the output and to the exit, and its user
    and system CPU seconds (from wait4). A non-zero exit stops the script."""
    t = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read()
    answered = time.perf_counter() - t
    p.stdout.close()
    _, status, usage = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"exit {code}: {args}")
    return out, answered, time.perf_counter() - t, usage.ru_utime, usage.ru_stime


def workload(ms, work, sqls):
    """The queries `sqls` on `work`, each a process: ms of engine time (`elapsed_ms`), of time
    after the output (the indexing after the answer, and the exit), of user and of system CPU."""
    engine = after = user = system = 0.0
    for q in sqls:
        out, answered, wall, u, s = timed([ms, "query", work, q, "--format", "json"])
        engine += json.loads(out)["stats"]["elapsed_ms"]
        after += (wall - answered) * 1000
        user, system = user + u * 1000, system + s * 1000
    return engine, after, user, system


def main():
    bins = sys.argv[1].split(",")
    reps = int(sys.argv[2])
    src = sys.argv[3]
    queries = sys.argv[4] if len(sys.argv) > 4 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "figure11-p1-queries.sql")
    sqls = [line for line in open(queries).read().split("\n") if line]
    work = src.rstrip("/") + "-msii-ab"
    results = {b: [] for b in bins}
    for r in range(reps):
        for b in (bins if r % 2 == 0 else bins[::-1]):
            fresh_copy(src, work)
            e, a, u, s = workload(os.path.join(b, "masksearch"), work, sqls)
            c = u + s
            results[b].append((e + a, e, a, c))
            print(f"rep {r + 1} {b}: total {e + a:.0f} ms (answers {e:.0f} + after {a:.0f}), CPU {c:.0f} ms", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    for b in bins:
        rr = results[b]
        print(f"{b}: medians: total {st.median(x[0] for x in rr):.0f} ms, answers {st.median(x[1] for x in rr):.0f}, "
              f"after {st.median(x[2] for x in rr):.0f}, CPU {st.median(x[3] for x in rr):.0f} ms")


if __name__ == "__main__":
    main()
