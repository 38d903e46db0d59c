#!/usr/bin/env python3
"""Issue 13 item 5: 1, 2 and 4 shards against one database, for ingest, index and queries.

    python3 Benchmarks/results/issue-13/run_shards.py --bin .build/release/masksearch \
        --data /tmp/shard-gen --work /tmp/shard-bench --repeats 5 > Benchmarks/results/issue-13/shards.md

Generates DATA (40,000 masks, 224x224) when missing. For each layout (one database; 1, 2, 4 shards):
`shard create`, `ingest` (wall time), `roi`, `index` (wall time), disk use, then every query
`--repeats` times warm (median process wall time and median engine `elapsed_ms`, and `verified`),
rows compared with the one database's (they must be identical, order included).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, time

QUERIES = [
    ("Q1 filter const ROI", "SELECT mask_id FROM masks WHERE CP(mask, (56, 56, 168, 168), 0.8, 1.0) > 9000"),
    ("Q2 filter object ROI", "SELECT mask_id, image_id FROM masks WHERE mask_type = 1 AND CP(mask, object, 0.8, 1.0) < 200"),
    ("Q3 top-25 object share", "SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r FROM masks WHERE mask_type = 1 ORDER BY r ASC LIMIT 25"),
    ("Q4 top-25 full (0.2,0.6)", "SELECT mask_id, CP(mask, full, (0.2, 0.6)) AS v FROM masks WHERE mask_type = 1 ORDER BY v DESC LIMIT 25"),
    ("Q5 per-image AVG top-25", "SELECT image_id, AVG(CP(mask, object, 0.8, 1.0)) AS a FROM masks WHERE mask_type = 1 GROUP BY image_id ORDER BY a DESC LIMIT 25"),
    ("Q6 IoU top-25", "SELECT image_id, CP(INTERSECT(mask > 0.8), full, 0.5, 1) / CP(UNION(mask > 0.8), full, 0.5, 1) AS iou FROM masks WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY iou ASC LIMIT 25"),
    ("Q7 per-model AVG (partial aggregates)", "SELECT model_id, COUNT(*), AVG(CP(mask, object, 0.8, 1.0)) AS a FROM masks GROUP BY model_id ORDER BY a DESC"),
]


def run(args, check=True):
    t = time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if check and p.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p, wall


def du(path):
    return int(subprocess.run(["du", "-sb", path], capture_output=True, text=True).stdout.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", default="/tmp/shard-gen")
    ap.add_argument("--work", default="/tmp/shard-bench")
    ap.add_argument("--masks", type=int, default=40000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.data, "masks.npy")):
        run([a.bin, "generate", a.data, "--masks", str(a.masks), "--no-images"])
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    layouts = [("one database", None), ("1 shard", 1), ("2 shards", 2), ("4 shards", 4)]
    build, results, reference = {}, {}, {}
    for name, n in layouts:
        db = os.path.join(a.work, "one" if n is None else f"s{n}")
        if n is not None:
            run([a.bin, "shard", "create", db, "--shards", str(n)])
        _, ingest = run([a.bin, "ingest", db, os.path.join(a.data, "masks.npy"), "--meta", os.path.join(a.data, "meta.csv")])
        run([a.bin, "roi", db, "object", os.path.join(a.data, "rois", "object.csv")])
        _, index = run([a.bin, "index", db])
        build[name] = (ingest, index, du(db))
        for q, sql in QUERIES:
            walls, engine, rows, verified = [], [], None, None
            for _ in range(a.repeats):
                p, wall = run([a.bin, "query", db, sql, "--format", "json"])
                j = json.loads(p.stdout)
                walls.append(wall)
                engine.append(j["stats"]["elapsed_ms"])
                rows, verified = j["rows"], j["stats"]["verified"]
            if n is None:
                reference[q] = rows
            same = rows == reference[q]
            results[(name, q)] = (statistics.median(walls) * 1000, statistics.median(engine), verified, same)
        if n is not None:
            shutil.rmtree(db)  # keep the disk use bounded; "one" stays for the comparison
    names = [l[0] for l in layouts]
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    print("| ingest, s | " + " | ".join(f"{build[n][0]:.1f}" for n in names) + " |")
    print("| index, s | " + " | ".join(f"{build[n][1]:.1f}" for n in names) + " |")
    print("| disk, MB | " + " | ".join(f"{build[n][2] / 1e6:.0f}" for n in names) + " |")
    for q, _ in QUERIES:
        cells = []
        for n in names:
            wall, eng, ver, same = results[(n, q)]
            cells.append(f"{wall:.0f} / {eng:.1f} ({ver}){'' if same else ' **rows differ**'}")
        print(f"| {q}: wall ms / engine ms (verified) | " + " | ".join(cells) + " |")
    print()
    print("Rows identical to the one database's, order included: "
          + ("yes, every query and layout." if all(r[3] for r in results.values()) else "NO (marked above)."))


if __name__ == "__main__":
    main()
