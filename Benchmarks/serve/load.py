#!/usr/bin/env python3
"""A sustained mixed load on `masksearch serve` (issue 14 item 5), loopback only.

  load.py --bin BIN --db DB [--images DIR] [--minutes 10] [--clients 6] [--seed 14] [--json OUT]

Starts `BIN serve DB --port P` (a free loopback port), then CLIENTS threads, each on its own
keep-alive connection, send requests drawn (seeded) from a weighted mix until MINUTES have
passed: indexed and full-scan (`use_index: false`) queries — filters, top-k, per-image
aggregates, mask aggregates (IoU) — with random thresholds and ROIs; mask PNGs (grey,
colour-mapped, overlays with a box), .npy files and details, images, per-image INTERSECT /
UNION PNGs, info and the confusion matrix; plus a few requests that must be refused (bad SQL,
unknown ids: their 4xx is the expected answer). An error is any other status, a body that is
not what the route returns (JSON that does not parse, a PNG without its signature), a reset
or a timeout. Full scans read masks at random over the whole database, so a few run at once
at most (`--scan-share`).

The server's memory is sampled every 10 s from /proc/PID/status: VmRSS, VmHWM, and its two
parts RssFile (pages of the mmapped database files: they grow as the load touches more of the
database, up to its size, and the kernel drops them under pressure) and RssAnon (heap and
stacks, where a leak would grow). Prints, and writes as JSON with --json: requests and errors
per kind, latency percentiles, the samples, and each figure's mean over the first and the last
minute. "flat" (exit 0, with no errors): RssAnon's least-squares trend after the first
minute (warm-up) adds at most 10% of the last minute's mean over the run.
"""
import argparse, http.client, json, os, random, socket, statistics, subprocess, sys, threading, time, urllib.request

PNG = b"\x89PNG\r\n\x1a\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kb(pid):
    """VmRSS, VmHWM, RssAnon (heap and stacks: where a leak grows) and RssFile (mapped database
    files and the binary: pages the kernel may drop and read again) of `pid`, in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return {"rss_kb": fields.get("VmRSS", 0), "hwm_kb": fields.get("VmHWM", 0),
            "anon_kb": fields.get("RssAnon", 0), "file_kb": fields.get("RssFile", 0)}


class Mix:
    """The requests, drawn from one seeded generator per client."""

    def __init__(self, info, rng, scan_share):
        self.info, self.rng, self.scan_share = info, rng, scan_share
        self.mask_ids = info["mask_ids"]
        self.image_ids = info["image_ids"]
        self.images = info["images"]

    def query(self, indexed):
        r = self.rng
        lv = round(r.choice([0.2, 0.5, 0.6, 0.7, 0.8, 0.9]), 1)
        uv = 1.0 if r.random() < 0.7 else round(min(1.0, lv + 0.2), 1)
        k = r.choice([5, 10, 25, 50])
        box = r.choice(["object", "full", "(56, 56, 168, 168)", "(0, 0, 112, 112)"])
        t = r.choice([100, 500, 2000, 9000])
        image = r.choice(self.image_ids)
        sqls = [
            f"SELECT mask_id FROM masks WHERE CP(mask, {box}, {lv}, {uv}) > {t}",
            f"SELECT mask_id, image_id FROM masks WHERE mask_type = 1 AND CP(mask, object, {lv}, {uv}) < {t}",
            f"SELECT mask_id, CP(mask, object, {lv}, {uv}) / AREA(object) AS r FROM masks WHERE mask_type = 1 ORDER BY r ASC LIMIT {k}",
            f"SELECT mask_id, CP(mask, {box}, {lv}, {uv}) AS v FROM masks ORDER BY v DESC LIMIT {k}",
            f"SELECT image_id, AVG(CP(mask, object, {lv}, {uv})) AS a FROM masks WHERE mask_type = 1 GROUP BY image_id ORDER BY a DESC LIMIT {k}",
            f"SELECT image_id, CP(INTERSECT(mask > {lv}), full, 0.5, 1) / CP(UNION(mask > {lv}), full, 0.5, 1) AS iou "
            f"FROM masks WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY iou ASC LIMIT {k}",
            f"SELECT model_id, COUNT(mask_id) AS n, MAX(CP(mask, object, {lv}, {uv})) AS m FROM masks GROUP BY model_id",
        ]
        if not indexed:  # a full scan reads what it targets: keep it to a range of images
            lo = r.choice(self.image_ids)
            return (f"SELECT mask_id, CP(mask, {box}, {lv}, {uv}) AS v FROM masks WHERE image_id >= {lo} "
                    f"AND image_id < {lo + 40} ORDER BY v DESC LIMIT {k}")
        return r.choice(sqls)

    def next(self):
        """(kind, method, path, body, expected statuses, body check)."""
        r = self.rng
        mask, image = r.choice(self.mask_ids), r.choice(self.image_ids)
        roll = r.random()
        if roll < 0.30:
            body = json.dumps({"sql": self.query(True), "use_index": True})
            return "query indexed", "POST", "/api/query", body, (200,), "json"
        if roll < 0.30 + self.scan_share:
            body = json.dumps({"sql": self.query(False), "use_index": False})
            return "query scan", "POST", "/api/query", body, (200,), "json"
        if roll < 0.50:
            cmap = r.choice(["jet", "viridis", "grey", "magma"])
            return "mask png", "GET", f"/api/masks/{mask}.png?colormap={cmap}&vmin=0&vmax=1", None, (200,), "png"
        if roll < 0.62:
            overlay = "overlay=1" if self.images else "overlay=0"
            return ("overlay png", "GET", f"/api/masks/{mask}.png?colormap=jet&{overlay}&opacity=0.5&roi=object",
                    None, (200,), "png")
        if roll < 0.68:
            return "mask npy", "GET", f"/api/masks/{mask}.npy", None, (200,), "npy"
        if roll < 0.72:
            return "mask details", "GET", f"/api/masks/{mask}", None, (200,), "json"
        if roll < 0.80:
            if self.images:
                return "image", "GET", f"/api/images/{image}", None, (200,), "image"
            return "info", "GET", "/api/info", None, (200,), "json"
        if roll < 0.86:
            op = r.choice(["intersect", "union"])
            return "aggregate png", "GET", f"/api/aggregate/{image}.png?op={op}&t={r.choice([0.3, 0.5, 0.8])}", None, (200,), "png"
        if roll < 0.91:
            return "info", "GET", "/api/info", None, (200,), "json"
        if roll < 0.96:
            return "confusion", "GET", "/api/confusion" + r.choice(["", "?model_id=1", "?model_id=2"]), None, (200,), "json"
        bad = r.choice([
            ("POST", "/api/query", json.dumps({"sql": "SELECT mask_id FROM masks WHERE CP(mask, nosuch, 0.5, 1) > 3"}), (400,)),
            ("POST", "/api/query", "{not json", (400,)),
            ("GET", f"/api/masks/{max(self.mask_ids) + 1000}.png", None, (404,)),
            ("GET", "/api/output/..%2f..%2fetc%2fpasswd", None, (404,)),
        ])
        return "refused", bad[0], bad[1], bad[2], bad[3], "json"


def check_body(check, data):
    if check == "json":
        json.loads(data)
        return True
    if check == "png":
        return data.startswith(PNG)
    if check == "npy":
        return data.startswith(b"\x93NUMPY")
    return len(data) > 0


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.count, self.errors, self.latency, self.samples = {}, {}, {}, []

    def record(self, kind, ms, error):
        with self.lock:
            self.count[kind] = self.count.get(kind, 0) + 1
            self.latency.setdefault(kind, []).append(ms)
            if error:
                self.errors.setdefault(kind, []).append(error)


def client(port, mix, stats, deadline, scans):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while time.time() < deadline:
        kind, method, path, body, expected, check = mix.next()
        if kind == "query scan" and not scans.acquire(blocking=False):
            continue
        start = time.perf_counter()
        error = None
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body, headers)
            r = conn.getresponse()
            data = r.read()
            if r.status not in expected:
                error = f"{method} {path[:80]}: {r.status} {data[:160]!r}"
            elif not check_body(check, data):
                error = f"{method} {path[:80]}: unexpected body {data[:40]!r}"
        except Exception as e:  # a reset, a timeout, a body that is not JSON
            error = f"{method} {path[:80]}: {type(e).__name__}: {e}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        finally:
            if kind == "query scan":
                scans.release()
        stats.record(kind, (time.perf_counter() - start) * 1000, error)
    conn.close()


def fetch_info(base, binary, db):
    info = json.load(urllib.request.urlopen(base + "api/info", timeout=30))
    ids = subprocess.run([binary, "query", db, "SELECT mask_id, image_id FROM masks", "--format", "csv", "--no-index"],
                         capture_output=True, text=True, check=True).stdout.splitlines()[1:]
    pairs = [tuple(int(v) for v in line.split(",")) for line in ids]
    return {"mask_ids": [m for m, _ in pairs], "image_ids": sorted({i for _, i in pairs}), "images": info["images"]}


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] if s else 0.0


def start_server(args, port):
    cmd = [args.bin, "serve", args.db, "--port", str(port), "--output", args.output]
    if args.images:
        cmd += ["--images", args.images]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(args.output + ".serve.log", "w"))
    base = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "api/info", timeout=2).read()
            return proc, base
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"serve exited with {proc.returncode}")
            time.sleep(0.1)
    sys.exit("serve did not answer within 60 s")


def minute_means(samples, elapsed, key):
    """Mean of `key` over the first minute of load (samples after t = 0, taken before any
    request) and over the last minute, in MB."""
    first = [s[key] for s in samples if 0 < s["t"] <= 60] or [samples[0][key]]
    last = [s[key] for s in samples if s["t"] >= elapsed - 60] or [samples[-1][key]]
    return round(statistics.mean(first) / 1024, 1), round(statistics.mean(last) / 1024, 1)


def anon_trend_mb(samples, elapsed):
    """RssAnon's least-squares growth over the run after its first minute (warm-up: runners,
    caches, allocator arenas), in MB over that span: what a leak would add."""
    pts = [(s["t"], s["anon_kb"] / 1024) for s in samples if s["t"] > 60]
    if len(pts) < 2:
        return 0.0
    mt, mv = statistics.mean(t for t, _ in pts), statistics.mean(v for _, v in pts)
    slope = sum((t - mt) * (v - mv) for t, v in pts) / (sum((t - mt) ** 2 for t, _ in pts) or 1)
    return round(slope * (pts[-1][0] - pts[0][0]), 1)


def summary(args, stats, samples, elapsed, proc):
    kinds = {}
    for kind in sorted(stats.count):
        lat = stats.latency[kind]
        kinds[kind] = {"requests": stats.count[kind], "errors": len(stats.errors.get(kind, [])),
                       "p50_ms": round(percentile(lat, 50), 2), "p99_ms": round(percentile(lat, 99), 2),
                       "max_ms": round(max(lat), 2)}
    total = sum(stats.count.values())
    errors = sum(len(v) for v in stats.errors.values())
    rss, anon, mapped = (minute_means(samples, elapsed, k) for k in ("rss_kb", "anon_kb", "file_kb"))
    return {"seconds": round(elapsed, 1), "clients": args.clients, "requests": total, "errors": errors,
            "requests_per_s": round(total / elapsed, 1), "kinds": kinds,
            "error_examples": [e for v in stats.errors.values() for e in v][:20],
            "rss_first_minute_mb": rss[0], "rss_last_minute_mb": rss[1],
            "anon_first_minute_mb": anon[0], "anon_last_minute_mb": anon[1],
            "file_first_minute_mb": mapped[0], "file_last_minute_mb": mapped[1],
            "rss_peak_mb": round(max(s["hwm_kb"] for s in samples) / 1024, 1),
            "anon_trend_mb": (trend := anon_trend_mb(samples, elapsed)),
            "anon_flat": abs(trend) <= 0.10 * anon[1], "server_alive": proc.poll() is None, "samples": samples}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--images")
    ap.add_argument("--output", default="/tmp/masksearch-load-output")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--scan-share", type=float, default=0.03)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--json")
    args = ap.parse_args()
    proc, base = start_server(args, free_port())
    port = int(base.rsplit(":", 1)[1].strip("/"))
    try:
        info = fetch_info(base, args.bin, args.db)
        stats, samples, start = Stats(), [], time.time()
        deadline = start + args.minutes * 60
        scans = threading.BoundedSemaphore(2)
        threads = [threading.Thread(target=client, args=(port, Mix(info, random.Random(args.seed * 1000 + i), args.scan_share),
                                                          stats, deadline, scans)) for i in range(args.clients)]
        for t in threads:
            t.start()
        while time.time() < deadline and proc.poll() is None:
            samples.append({"t": round(time.time() - start, 1), **memory_kb(proc.pid), "requests": sum(stats.count.values())})
            time.sleep(min(10, max(0.1, deadline - time.time())))
        for t in threads:
            t.join()
        if proc.poll() is None:
            samples.append({"t": round(time.time() - start, 1), **memory_kb(proc.pid), "requests": sum(stats.count.values())})
        result = summary(args, stats, samples, time.time() - start, proc)
    finally:
        proc.terminate()
        proc.wait(30)
    for kind, k in result["kinds"].items():
        print(f"{kind:15s} {k['requests']:8d} requests {k['errors']:4d} errors  p50 {k['p50_ms']:9.2f} ms  p99 {k['p99_ms']:9.2f} ms  max {k['max_ms']:9.2f} ms")
    print(f"total {result['requests']} requests in {result['seconds']} s ({result['requests_per_s']}/s), {result['errors']} errors")
    print(f"RSS first minute {result['rss_first_minute_mb']} MB, last minute {result['rss_last_minute_mb']} MB, "
          f"peak {result['rss_peak_mb']} MB; of which mapped files {result['file_first_minute_mb']} -> "
          f"{result['file_last_minute_mb']} MB, anonymous {result['anon_first_minute_mb']} -> "
          f"{result['anon_last_minute_mb']} MB, trend after the first minute {result['anon_trend_mb']:+} MB: "
          f"{'flat' if result['anon_flat'] else 'GROWING'}")
    for e in result["error_examples"]:
        print("  error:", e)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    sys.exit(0 if result["errors"] == 0 and result["anon_flat"] and result["server_alive"] else 1)


if __name__ == "__main__":
    main()
