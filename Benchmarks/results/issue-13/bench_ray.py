"""Ray vs in-process sharded queries (issue 13 item 5; results in ray.md next to this file).

    python Benchmarks/results/issue-13/bench_ray.py DIR [COUNT] [SIZE]

Generates COUNT (default 40000) smooth uint8 masks of SIZE x SIZE (default 64), creates a
4-shard database DIR/s4 through masksearch.distributed (Ray ingest, timed), loads an ROI set,
then for each query prints: Ray wall (driver, median of 5 warm runs), the CLI's in-process
sharded query (`masksearch query DIR/s4 SQL --format json`: process wall and stats.elapsed_ms,
median of 5), each shard's partial-plan time in one process (ms_query_partial, sequential) and
partial size in bytes. Ray runs locally: ray.init(num_cpus=2, 127.0.0.1). The CLI is
$MASKSEARCH_BIN.
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import ray

from masksearch import distributed
from masksearch import _native_shards as native

QUERIES = {
    "topk": "SELECT mask_id, CP(mask, object, 0.6, 1.0) AS v FROM masks ORDER BY v DESC LIMIT 25",
    "filter": "SELECT mask_id FROM masks WHERE CP(mask, full, 0.8, 1.0) > 300 AND model_id = 1",
    "groupby": "SELECT label, COUNT(*) AS n, AVG(CP(mask, full, 0.5, 1.0)) AS a FROM masks GROUP BY label ORDER BY label",
    "mask-agg": "SELECT image_id, CP(INTERSECT(mask > 0.5), full, 0.5, 1) / CP(UNION(mask > 0.5), full, 0.5, 1) AS iou "
                "FROM masks GROUP BY image_id ORDER BY iou ASC LIMIT 10",
}


def masks(count, size, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    out = np.empty((count, size, size), dtype=np.uint8)
    for start in range(0, count, 2000):
        n = min(2000, count - start)
        c = rng.uniform(0, size, (n, 2))
        w = rng.uniform(size / 16, size / 4, n)
        blob = np.exp(-(((y - c[:, 0, None, None]) ** 2 + (x - c[:, 1, None, None]) ** 2) / (2 * w[:, None, None] ** 2)))
        out[start:start + n] = np.rint(np.clip(blob + rng.normal(0, 0.05, blob.shape), 0, 1) * 255)
    return out


def main():
    base = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    cli = os.environ["MASKSEARCH_BIN"]
    data = masks(count, size)
    # Every Ray process on loopback (as python/tests/test_distributed.py): Ray would resolve
    # 127.0.0.1 to the machine's outward address.
    from ray._private import services
    services.get_node_ip_address = lambda address=None: "127.0.0.1"
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             _temp_dir=os.path.join(base, "ray"))
    ids = np.arange(count)
    meta = {"mask_id": ids, "image_id": ids // 2, "model_id": ids % 2 + 1, "label": ids % 10}
    rng = np.random.default_rng(1)
    x0 = rng.integers(0, size // 2, count // 2)
    boxes = {"image_id": np.arange(count // 2), "x0": x0, "y0": x0, "x1": x0 + size // 2, "y1": x0 + size // 2}
    sdb = distributed.create(os.path.join(base, "s4"), shards=4)
    t = time.perf_counter()
    sdb.ingest(data, meta=meta)
    print(f"ingest via Ray: {count} masks {size}x{size} uint8 in {time.perf_counter() - t:.1f} s")
    sdb.load_rois("object", boxes)
    t = time.perf_counter()
    sdb.index()
    print(f"index via Ray (4 shard tasks): {time.perf_counter() - t:.1f} s")
    shards = sdb.shard_map()["shards"]
    print("| query | Ray wall ms | CLI wall ms | CLI engine ms | shard partial ms (each) | partial bytes (each) |")
    print("|---|---:|---:|---:|---|---|")
    for name, sql in QUERIES.items():
        sdb.query(sql)  # warm: page cache, index
        rays = []
        for _ in range(5):
            t = time.perf_counter()
            sdb.query(sql)
            rays.append((time.perf_counter() - t) * 1000)
        walls, engines = [], []
        for _ in range(5):
            t = time.perf_counter()
            out = subprocess.run([cli, "query", sdb.path, sql, "--format", "json"], capture_output=True, text=True, check=True)
            walls.append((time.perf_counter() - t) * 1000)
            engines.append(json.loads(out.stdout)["stats"]["elapsed_ms"])
        each, sizes = [], []
        for s in shards:
            t = time.perf_counter()
            p = native.query_partial(s["path"], sql, True, 4, s["masks"])
            each.append((time.perf_counter() - t) * 1000)
            sizes.append(len(p))
        print(f"| {name} | {statistics.median(rays):.0f} | {statistics.median(walls):.0f} | {statistics.median(engines):.0f} | "
              f"{' / '.join(f'{v:.0f}' for v in each)} | {' / '.join(map(str, sizes))} |")
    ray.shutdown()


if __name__ == "__main__":
    main()
