#!/usr/bin/env python3
"""ImageNet scale on one machine (issue 13 item 1): the paper's largest database, 1.33 M saliency
maps of 224x224, generated, ingested, indexed and queried without the raw masks ever on disk.

    python3 Benchmarks/imagenet.py [--masks 1331167] [--size 224,224] [--sample 50000]
                                   [--bin-dir .build/release] [--scratch /tmp/scale-imagenet]
                                   [--out Benchmarks/results/issue-13/imagenet.md] [--nice 10]
                                   [--repeats 3] [--keep]

Steps, each a process under `/usr/bin/time -v` (wall time and peak RSS) and `nice`:

1. `masksearch generate DIR --stdout --no-images | masksearch ingest DB - --meta DIR/meta.csv`:
   DIR holds only meta.csv and rois/object.csv; the masks (N*H*W bytes) go through the pipe.
2. `masksearch roi DB object DIR/rois/object.csv`, then `masksearch index DB`.
3. Disk use (`du` of the segments, the index, the whole database).
4. Q1-Q5 of Table 2 (Benchmarks/bench.py FIXED), each `masksearch query DB SQL --format json`:
   cold (`sync; echo 3 > /proc/sys/vm/drop_caches` when permitted, else posix_fadvise DONTNEED
   of the database's files; the report says which) then `--repeats` warm runs; process wall time,
   the engine's `stats.elapsed_ms`, masks verified, FML, peak RSS.
5. NumPy on a memory-mapped sample: `masksearch generate` of the first `--sample` masks (the
   same seed: a prefix of the big dataset) as masks.npy, Tools/baselines/numpy_baseline.py on
   it cold and warm, times scaled by N / sample. With `--sample` equal to `--masks` the rows are
   compared with masksearch's (the smoke check `--masks 20000 --sample 20000` does this).

The database and the sample are deleted at the end unless `--keep`. The report (Markdown, with
a JSON beside it) names every command. Python 3 + NumPy only.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import (BASELINE, FAMILIES, FAMILY_TITLE, FIXED, dir_bytes, drop_cache, family_query,  # noqa: E402
                   loadavg, med, rows_equal)

PAPER = dict(masks=1_331_167, index_gb=6.5, query_s="< 20 s each", vcpus=8)


def timed(cmd, nice, label, log, stdin=None, stdout=subprocess.PIPE):
    """Starts cmd under nice and /usr/bin/time -v; returns (Popen, file the time report goes to)."""
    report = os.path.join(log["dir"], f"time-{label}.txt")
    full = ["/usr/bin/time", "-v", "-o", report] + (["nice", "-n", str(nice)] if nice else []) + [str(c) for c in cmd]
    log["file"].write(f"$ {' '.join(shlex.quote(c) for c in full)}\n")
    log["file"].flush()
    p = subprocess.Popen(full, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=False)
    return p, report


def time_report(path):
    """(wall s, max RSS MB, CPU s = user + system) from /usr/bin/time -v's report."""
    text = open(path).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", text).group(1)) for k in ("User", "System"))
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, rss, cpu


def io_report(path):
    """(major page faults, MB read from storage) from /usr/bin/time -v's report: a cold query's
    I/O ("File system inputs" counts 512-byte blocks)."""
    text = open(path).read()
    faults = int(re.search(r"Major \(requiring I/O\) page faults: (\d+)", text).group(1))
    inputs = int(re.search(r"File system inputs: (\d+)", text).group(1))
    return faults, inputs * 512 / 1e6


def run(cmd, nice, label, log):
    """Runs cmd to the end; (stdout bytes, wall s (time.perf_counter around the process and
    /usr/bin/time, ~1 ms more than the process alone), max RSS MB). A failure raises with stderr."""
    t = time.perf_counter()
    p, report = timed(cmd, nice, label, log)
    out, err = p.communicate()
    wall = time.perf_counter() - t    # /usr/bin/time's own figure has a 10 ms resolution
    log["file"].write(err.decode(errors="replace")[-2000:])
    if p.returncode != 0:
        raise RuntimeError(f"{label} failed (exit {p.returncode}): {err.decode(errors='replace')[-2000:]}")
    _, rss, cpu = time_report(report)
    log["cpu"] = cpu
    log["faults"], log["read_mb"] = io_report(report)
    return out, wall, rss


def generate_and_ingest(a, ms, data, db, log):
    """The pipe `generate --stdout | ingest -`: wall time of the pair, each side's peak RSS."""
    gen_cmd = [ms, "generate", data, "--stdout", "--masks", a.masks, "--size", a.size, "--seed", a.seed, "--no-images"]
    ing_cmd = [ms, "ingest", db, "-", "--meta", os.path.join(data, "meta.csv")]
    t = time.perf_counter()
    gen, gen_report = timed(gen_cmd, a.nice, "generate", log)
    ing, ing_report = timed(ing_cmd, a.nice, "ingest", log, stdin=gen.stdout)
    gen.stdout.close()   # ingest holds the read end; generate sees EPIPE if ingest dies
    ing_out, ing_err = ing.communicate()
    gen_err = gen.stderr.read()
    gen.wait()
    seconds = time.perf_counter() - t
    log["file"].write(gen_err.decode(errors="replace")[-2000:] + ing_err.decode(errors="replace")[-2000:])
    if gen.returncode != 0 or ing.returncode != 0:
        raise RuntimeError(f"generate exit {gen.returncode}, ingest exit {ing.returncode}: "
                           f"{gen_err.decode(errors='replace')[-1500:]} {ing_err.decode(errors='replace')[-1500:]}")
    return dict(seconds=seconds, generate=time_report(gen_report), ingest=time_report(ing_report),
                ingest_line=ing_out.decode().strip(), generate_line=gen_err.decode(errors="replace").strip().splitlines()[-1],
                commands=[gen_cmd, ing_cmd])


def drop_all_caches(paths):
    """Drops the page cache: the whole machine's when permitted (root), else the files under paths."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return "sync; echo 3 > /proc/sys/vm/drop_caches"
    except OSError:
        drop_cache(*paths)
        return "os.sync() + posix_fadvise(DONTNEED) of the files read"


def resident_bytes(path, sections):
    """Bytes of each (name, offset, length) section of `path` in the page cache (mincore(2) on a
    read-only mapping; mapping and asking fault nothing in)."""
    import ctypes
    import mmap
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size, page = os.path.getsize(path), mmap.PAGESIZE
    if size == 0:
        return {name: 0 for name, _, _ in sections}
    fd = os.open(path, os.O_RDONLY)
    try:
        base = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        vec = ctypes.create_string_buffer((size + page - 1) // page)
        libc.mincore(ctypes.c_void_p(base), size, vec)
        libc.munmap(ctypes.c_void_p(base), size)
    finally:
        os.close(fd)
    raw = vec.raw
    return {name: sum(b & 1 for b in raw[off // page:(off + length + page - 1) // page]) * page for name, off, length in sections}


def segment_sections(path):
    """The sections of a segment file from its footer (Format/segment.md): blocks, metadata
    columns + column directory, block directory, piece checksum table (version 3), footer."""
    import struct
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(size - 64)
        foot = f.read(64)
    cdir, clen, bdir, blen = struct.unpack_from("<4Q", foot, 0)
    with open(path, "rb") as f:   # the first chunk's offset: where the metadata starts
        statistics = struct.unpack_from("<H", f.read(12), 10)[0] >= 2   # read version 2+: entries with min/max
        f.seek(cdir)
        d = f.read(clen)
    at, chunks = 4, []
    for _ in range(struct.unpack_from("<I", d, 0)[0]):
        n = struct.unpack_from("<H", d, at)[0]
        chunks.append(struct.unpack_from("<Q", d, at + 6 + n)[0])
        at += 26 + n + (16 if statistics else 0)
    meta = min(chunks) if chunks else cdir
    return [("segment blocks", 0, meta), ("segment metadata + column directory", meta, bdir - meta),
            ("segment block directory", bdir, blen), ("segment piece table + footer", bdir + blen, size - bdir - blen)]


def cold_read_profile(db):
    """MB of each section of the database's files in the page cache: after a cache drop and
    one query, what that query read."""
    out = {}
    for name in sorted(os.listdir(db)):
        path = os.path.join(db, name)
        if name.endswith(".mss"):
            secs = segment_sections(path)
        else:
            kind = {"chi": "index", "msr": "ROI set", "rhi": "ROI histograms"}.get(name.rsplit(".", 1)[-1], "other")
            secs = [(kind, 0, os.path.getsize(path))]
        for k, v in resident_bytes(path, secs).items():
            out[k] = out.get(k, 0) + v / 1e6
    return out


def ms_queries(a, ms, db, log):
    """Q1-Q5 cold then warm, each a fresh `masksearch query` process."""
    out = {}
    for fam in FAMILIES:
        sql, _ = family_query(fam, FIXED[fam])
        runs = []
        for k in range(1 + a.repeats):
            how = drop_all_caches([db]) if k == 0 else None
            load = loadavg()
            stdout, wall, rss = run([ms, "query", db, sql, "--format", "json"], a.query_nice, f"query-{fam}-{k}", log)
            j = json.loads(stdout)
            resident = cold_read_profile(db) if k == 0 else None
            runs.append(dict(cold=k == 0, wall_ms=wall * 1000, engine_ms=j["stats"]["elapsed_ms"], rss_mb=rss, cpu_ms=log["cpu"] * 1000,
                             major_faults=log["faults"], read_mb=log["read_mb"], cold_read_mb=resident,
                             stats=j["stats"], rows=j["rows"], load=load, drop=how))
        out[fam] = dict(sql=sql, runs=runs)
        print("[query] cold read MB by section: " + ", ".join(f"{k} {v:.1f}" for k, v in runs[0]["cold_read_mb"].items()), flush=True)
        print(f"[query] {FAMILY_TITLE[fam]}: cold {runs[0]['wall_ms']:.0f} ms wall / {runs[0]['engine_ms']:.0f} ms engine "
              f"({runs[0]['cpu_ms']:.0f} ms CPU, {runs[0]['major_faults']} major faults, {runs[0]['read_mb']:.1f} MB read, load {runs[0]['load']}), "
              f"warm {med([r['wall_ms'] for r in runs[1:]]):.0f} / {med([r['engine_ms'] for r in runs[1:]]):.0f} ms, "
              f"verified {runs[0]['stats']['verified']}", flush=True)
    return out


def numpy_sample(a, ms, python, log):
    """NumPy mmap on the first `sample` masks, cold and warm; times scaled to N."""
    data = os.path.join(a.scratch, f"sample-{a.sample}")
    if not os.path.exists(os.path.join(data, "masks.npy")):
        run([ms, "generate", data, "--masks", a.sample, "--size", a.size, "--seed", a.seed, "--no-images"], a.nice, "sample", log)
    out = dict(dir=data, npy_mb=os.path.getsize(os.path.join(data, "masks.npy")) / 1e6, families={})
    for fam in FAMILIES:
        _, nargs = family_query(fam, FIXED[fam])
        runs = []
        for k in range(1 + a.repeats):
            if k == 0:
                drop_all_caches([data])
            stdout, wall, rss = run([python, BASELINE, fam, data] + nargs, a.query_nice, f"numpy-{fam}-{k}", log)
            j = json.loads(stdout)
            runs.append(dict(cold=k == 0, wall_ms=wall * 1000, engine_ms=j["elapsed_ms"], rss_mb=rss, rows=j["rows"]))
        out["families"][fam] = runs
    return out


def fmt_ms(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def report(a, r):
    """The Markdown report."""
    n, s = a.masks, a.sample
    scale = n / s
    L = [f"# ImageNet scale: {n:,} masks {a.size.replace(',', '×')} uint8 on this machine", "",
         "_Measured by " + "; ".join(f"`{x['command']}` ({x['date']}, load {x['load']})" for x in r["invocations"]) +
         f"; load average at the end {r['load'][1]}._", "",
         f"Machine: {os.cpu_count()} cores, {r['memory']}; binaries `{r['bin_dir']}`; every step `nice -n {a.nice}` "
         "under `/usr/bin/time -v` (wall time, peak RSS). The machine is shared with other builds: "
         "times are upper bounds of an idle machine's.", "",
         "## Build", "",
         "| step | wall s | CPU s (user + system) | peak RSS MB | command |", "|---|---:|---:|---:|---|"]
    gi = r["ingest"]
    L.append(f"| generate ⟶ ingest (one pipe, {n * r['bytes_per_mask'] / 1e9:.1f} GB of masks through it) | {gi['seconds']:.1f} | "
             f"generate {gi['generate'][2]:.1f}, ingest {gi['ingest'][2]:.1f} | "
             f"generate {gi['generate'][1]:.0f}, ingest {gi['ingest'][1]:.0f} | `{' '.join(map(str, gi['commands'][0]))} \\| {' '.join(map(str, gi['commands'][1]))}` |")
    for step in ("roi", "index"):
        x = r[step]
        L.append(f"| {step} | {x['wall']:.1f} | {x['cpu']:.1f} | {x['rss']:.0f} | `{x['command']}` |")
    L += ["", f"Ingest: {gi['ingest_line']}", "", f"Index: {r['index']['line']}", "",
          "## Disk", "",
          "| what | bytes | GB |", "|---|---:|---:|"]
    for k, v in r["disk"].items():
        L.append(f"| {k} | {v:,} | {v / 1e9:.2f} |")
    L += ["", f"Raw masks (never on disk): {n * r['bytes_per_mask']:,} bytes ({n * r['bytes_per_mask'] / 1e9:.1f} GB).", "",
          "## Queries (Table 2's Q1–Q5)", "",
          f"Cold: {r['drop']}, then a fresh process. Warm: {a.repeats} more processes, medians. "
          "wall = process wall time (start-up, opening, printing included); engine = `stats.elapsed_ms`; "
          f"CPU = user + system time of the process (`/usr/bin/time`). Queries and NumPy run at nice {a.query_nice}.", "",
          f"| query | rows | cold wall ms | cold engine ms | cold CPU ms | cold major faults / MB read | warm wall ms | warm engine ms | warm CPU ms | verified | FML | peak RSS MB | NumPy mmap cold / warm ms, scaled ×{scale:.1f} |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for fam in FAMILIES:
        q = r["queries"][fam]
        cold, warm = q["runs"][0], q["runs"][1:]
        npr = r["numpy"]["families"][fam] if r.get("numpy") else None
        np_cold, np_warm = (npr[0]["engine_ms"] * scale, med([x["engine_ms"] for x in npr[1:]]) * scale) if npr else (float("nan"),) * 2
        L.append(f"| {FAMILY_TITLE[fam]} | {len(cold['rows'])} | {fmt_ms(cold['wall_ms'])} | {fmt_ms(cold['engine_ms'])} | {fmt_ms(cold['cpu_ms'])} | "
                 f"{cold.get('major_faults', '–')} / {cold.get('read_mb', float('nan')):.1f} | "
                 f"{fmt_ms(med([x['wall_ms'] for x in warm]))} | {fmt_ms(med([x['engine_ms'] for x in warm]))} | {fmt_ms(med([x['cpu_ms'] for x in warm]))} | "
                 f"{cold['stats']['verified']:,} | {cold['stats']['fml']:.4f} | {max(x['rss_mb'] for x in q['runs']):.0f} | "
                 f"{np_cold:,.0f} / {np_warm:,.0f} |")
    sections = sorted({k for fam in FAMILIES for k in (r["queries"][fam]["runs"][0].get("cold_read_mb") or {})})
    if sections:
        L += ["", "What each cold run read, MB by file section (`mincore(2)` of the database's files right after it; "
              "the cache was dropped before it, so resident = read by the query, read-ahead included):", "",
              "| query | " + " | ".join(sections) + " |", "|---|" + "---:|" * len(sections)]
        for fam in FAMILIES:
            c = r["queries"][fam]["runs"][0].get("cold_read_mb") or {}
            L.append(f"| {FAMILY_TITLE[fam]} | " + " | ".join(f"{c.get(k, 0):,.1f}" for k in sections) + " |")
    if r.get("check"):
        L += ["", "Rows checked against a full scan (`--no-index`, one warm run each): " +
              ", ".join(f"{FAMILY_TITLE[f].split()[0]} {'equal' if r['check'][f]['equal'] else 'DIFFERENT'} "
                        f"(scan {r['check'][f]['wall_ms'] / 1000:.1f} s wall, peak RSS {r['check'][f]['rss_mb']:.0f} MB)" for f in r["check"]) + "."]
    L += ["", "SQL:", ""] + [f"- {FAMILY_TITLE[f]}: `{r['queries'][f]['sql']}`" for f in FAMILIES]
    if r.get("numpy"):
        L += ["", f"NumPy: `{r['numpy_command']}` on the first {s:,} masks (masks.npy {r['numpy']['npy_mb']:.0f} MB, "
              f"memory-mapped), `elapsed_ms` of the baseline (imports excluded) × {scale:.2f}; cold = after the same cache drop."]
    else:
        L += ["", "NumPy: not run in this invocation (`--steps` without numpy): nan."]
    if r.get("rows_checked") is not None:
        L.append(f"Rows of NumPy and masksearch compared (sample = whole dataset): {'equal' if r['rows_checked'] else 'DIFFERENT'}.")
    L += ["", "## Beside the paper", "",
          f"The paper's ImageNet database: {PAPER['masks']:,} saliency maps 224×224, index {PAPER['index_gb']} GB, "
          f"queries {PAPER['query_s']} on {PAPER['vcpus']} vCPUs. Here: index {r['disk']['index (.chi)'] / 1e9:.2f} GB on "
          f"{os.cpu_count()} cores; slowest query cold {max(r['queries'][f]['runs'][0]['wall_ms'] for f in FAMILIES):,.0f} ms (process wall)."]
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--masks", type=int, default=1_331_167)
    ap.add_argument("--size", default="224,224")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=50_000)
    ap.add_argument("--bin-dir", default=os.path.join(os.path.dirname(HERE), ".build", "release"))
    ap.add_argument("--scratch", default="/tmp/scale-imagenet")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "issue-13", "imagenet.md"))
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--query-nice", type=int, default=0, help="nice of the query and NumPy processes (latencies)")
    ap.add_argument("--check-families", default=",".join(FAMILIES), help="the queries the check step scans")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--keep", action="store_true", help="keep the database and the NumPy sample")
    ap.add_argument("--steps", default="ingest,index,queries,numpy,check,report",
                    help="a subset of ingest,index,queries,numpy,check,report (check: each query once more with --no-index, rows compared); figures of earlier steps are kept in SCRATCH/state.json")
    a = ap.parse_args()
    a.sample = min(a.sample, a.masks)
    steps = set(a.steps.split(","))
    ms = os.path.join(a.bin_dir, "masksearch")
    os.makedirs(a.scratch, exist_ok=True)
    log = dict(dir=a.scratch, file=open(os.path.join(a.scratch, "imagenet.log"), "a"))
    data, db = os.path.join(a.scratch, "data"), os.path.join(a.scratch, "db")
    state = os.path.join(a.scratch, "state.json")
    h, w = (int(x) for x in a.size.split(","))
    started, load0 = time.perf_counter(), loadavg()
    r = json.load(open(state)) if os.path.exists(state) and "ingest" not in steps else {}
    r.update(bin_dir=a.bin_dir, bytes_per_mask=h * w, memory=open("/proc/meminfo").readline().split(":")[1].strip())
    invocation = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load=load0,
                      command="python3 Benchmarks/imagenet.py " + " ".join(sys.argv[1:]))
    r["invocations"] = r.get("invocations", []) + [invocation]

    def save():
        with open(state, "w") as f:
            json.dump(r, f, default=str)

    if "ingest" in steps:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(db, ignore_errors=True)
        print(f"[build] generate | ingest {a.masks} masks {a.size}", flush=True)
        r["ingest"] = generate_and_ingest(a, ms, data, db, log)
        print(f"[build] {r['ingest']['seconds']:.1f} s: {r['ingest']['ingest_line']}", flush=True)
        save()
    if "index" in steps:
        for step, cmd in (("roi", [ms, "roi", db, "object", os.path.join(data, "rois", "object.csv")]), ("index", [ms, "index", db])):
            print(f"[build] {step}", flush=True)
            out, wall, rss = run(cmd, a.nice, step, log)
            r[step] = dict(wall=wall, rss=rss, cpu=log["cpu"], command=" ".join(map(str, cmd)), line=out.decode().strip())
            print(f"[build] {step}: {wall:.1f} s, peak RSS {rss:.0f} MB", flush=True)
        r["disk"] = {"segments (.mss)": dir_bytes(db, ".mss"), "index (.chi)": dir_bytes(db, ".chi"),
                     "ROI histograms (.rhi)": dir_bytes(db, ".rhi"), "database total": dir_bytes(db),
                     "meta.csv + rois/": dir_bytes(data)}
        save()
    if "queries" in steps:
        print("[query] Q1-Q5 cold and warm", flush=True)
        r["queries"] = ms_queries(a, ms, db, log)
        r["drop"] = r["queries"][FAMILIES[0]]["runs"][0]["drop"]
        save()
    if "numpy" in steps:
        print(f"[numpy] sample of {a.sample} masks", flush=True)
        r["numpy"] = numpy_sample(a, ms, a.python, log)
        r["numpy_command"] = f"{a.python} {BASELINE} FAMILY DIR ARGS"
        if a.sample == a.masks:
            r["rows_checked"] = all(rows_equal(r["numpy"]["families"][f][0]["rows"], r["queries"][f]["runs"][0]["rows"])
                                    for f in FAMILIES)
        save()
    if "check" in steps:
        print("[check] Q1-Q5 --no-index (a full scan) against the indexed rows", flush=True)
        r["check"] = {}
        for fam in a.check_families.split(","):
            sql = r["queries"][fam]["sql"]
            out, wall, rss = run([ms, "query", db, sql, "--format", "json", "--no-index"], a.nice, f"check-{fam}", log)
            j = json.loads(out)
            r["check"][fam] = dict(equal=rows_equal(j["rows"], r["queries"][fam]["runs"][0]["rows"]), wall_ms=wall * 1000,
                                   engine_ms=j["stats"]["elapsed_ms"], rss_mb=rss)
            print(f"[check] {FAMILY_TITLE[fam]}: rows {'equal' if r['check'][fam]['equal'] else 'DIFFERENT'}, "
                  f"scan {wall:.1f} s", flush=True)
        save()
    if "report" not in steps:
        return 0
    r["seconds"], r["load"] = time.perf_counter() - started, (load0, loadavg())
    if not a.keep:
        shutil.rmtree(db, ignore_errors=True)
        if r.get("numpy"):
            shutil.rmtree(r["numpy"]["dir"], ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(report(a, r))
    for q in r["queries"].values():
        for x in q["runs"]:
            x["rows"] = len(x["rows"])
    for runs in (r["numpy"]["families"].values() if r.get("numpy") else []):
        for x in runs:
            x["rows"] = len(x["rows"])
    with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
        json.dump(r, f, indent=1, default=str)
    print(f"wrote {a.out}", flush=True)
    ok = r.get("rows_checked", True) and all(c["equal"] for c in r.get("check", {}).values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
