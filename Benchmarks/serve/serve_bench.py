#!/usr/bin/env python3
"""Measures `masksearch serve` (issue 11 item 11) against a running server, loopback only.

  overlays URL [--clients N] [--count 100] [--repeat 5]
      A page of overlays: COUNT GETs of /api/masks/ID.png?colormap=jet&overlay=1 (the first
      COUNT mask ids of an indexed top-COUNT query) over N concurrent connections; prints the
      wall time of each repetition (the first is cold for the server's page cache of images).
  overhead URL [--count 50]
      /api/query's own cost: COUNT sequential requests of an indexed top-25, each timed on the
      client; prints the median and p90 of (wall - stats.elapsed_ms) and of elapsed_ms, and of
      the server's own part (its Server-Timing header: app - engine).
"""
import argparse, http.client, json, statistics, sys, threading, time, urllib.parse

TOP25 = ("SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r FROM masks "
         "WHERE mask_type = 1 ORDER BY r ASC LIMIT 25")


def connect(url):
    u = urllib.parse.urlparse(url)
    assert u.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def post_query(conn, sql, timing=None):
    body = json.dumps({"sql": sql, "use_index": True})
    conn.request("POST", "/api/query", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise SystemExit(f"query failed: {r.status} {data[:200]!r}")
    if timing is not None:  # Server-Timing: app;dur=A, engine;dur=E
        parts = dict(p.strip().split(";dur=") for p in r.getheader("Server-Timing", "").split(","))
        timing.append(float(parts["app"]) - float(parts["engine"]))
    return json.loads(data)


def overlays(args):
    conn = connect(args.url)
    ids = [row[0] for row in post_query(conn, TOP25.replace("LIMIT 25", f"LIMIT {args.count}"))["rows"]]
    conn.close()
    paths = [f"/api/masks/{i}.png?colormap=jet&overlay=1&opacity=0.5&roi=object" for i in ids]
    for rep in range(args.repeat):
        queue, lock, errors, sizes = list(paths), threading.Lock(), [], []

        def worker():
            c = connect(args.url)
            while True:
                with lock:
                    if not queue:
                        break
                    p = queue.pop()
                c.request("GET", p)
                r = c.getresponse()
                data = r.read()
                with lock:
                    sizes.append(len(data))
                    if r.status != 200:
                        errors.append(r.status)
            c.close()

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads: t.start()
        for t in threads: t.join()
        wall = time.perf_counter() - t0
        print(f"rep {rep}: {len(paths)} overlays, {args.clients} clients: {wall * 1000:.0f} ms "
              f"({len(errors)} errors, {sum(sizes) / max(1, len(sizes)) / 1024:.1f} KiB each)")


def overhead(args):
    conn = connect(args.url)
    for _ in range(5):  # warm: index entries of the query's masks, page cache
        post_query(conn, TOP25)
    extra, engine, served = [], [], []
    for _ in range(args.count):
        t0 = time.perf_counter()
        o = post_query(conn, TOP25, served)
        wall = (time.perf_counter() - t0) * 1000
        extra.append(wall - o["stats"]["elapsed_ms"])
        engine.append(o["stats"]["elapsed_ms"])
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]
    print(f"{args.count} requests: wall - elapsed_ms median {statistics.median(extra):.2f} ms, p90 {q(extra, 0.9):.2f} ms; "
          f"elapsed_ms median {statistics.median(engine):.2f} ms; "
          f"server-side (Server-Timing app - engine) median {statistics.median(served):.3f} ms, p90 {q(served, 0.9):.3f} ms")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("overlays"); a.add_argument("url"); a.add_argument("--clients", type=int, default=4)
    a.add_argument("--count", type=int, default=100); a.add_argument("--repeat", type=int, default=5)
    b = sub.add_parser("overhead"); b.add_argument("url"); b.add_argument("--count", type=int, default=50)
    args = ap.parse_args()
    {"overlays": overlays, "overhead": overhead}[args.cmd](args)


if __name__ == "__main__":
    main()
