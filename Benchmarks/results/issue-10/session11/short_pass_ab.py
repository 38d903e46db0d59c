#!/usr/bin/env python3
"""Filter queries over groups of consecutive images (as Figure 11's), binaries alternated: for each
group size, 9 groups spread over the database, `SELECT mask_id FROM masks WHERE image_id BETWEEN a
AND b AND CP(mask, (30, 40, 150, 180), 0.3, 0.9) > 3000`, each a `masksearch query … --format json`
process (plus EXTRA arguments, e.g. --no-index); the median of the engine's `elapsed_ms` over the
groups and REPS repetitions, per binary. Rows compared between binaries.

    python3 short_pass_ab.py BIN_A,BIN_B DB REPS [EXTRA...]

BIN_*: directories holding `masksearch`; DB: the 40,000-mask database (image ids 0…13333)."""
import json, os, statistics as st, subprocess, sys

bins, db, reps, extra = sys.argv[1].split(","), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
for images in (13, 33, 67, 167, 335, 670, 1340):
    times = {b: [] for b in bins}
    verified = None
    for r in range(reps):
        for g in range(9):
            a = (500 + g * 1451) % (13334 - images)
            sql = f"SELECT mask_id FROM masks WHERE image_id BETWEEN {a} AND {a + images - 1} AND CP(mask, (30, 40, 150, 180), 0.3, 0.9) > 3000"
            rows = []
            for b in (bins if (r + g) % 2 == 0 else bins[::-1]):
                out = subprocess.run([os.path.join(b, "masksearch"), "query", db, sql, "--format", "json"] + extra,
                                     capture_output=True, text=True, check=True).stdout
                d = json.loads(out)
                times[b].append(d["stats"]["elapsed_ms"])
                rows.append(d["rows"])
                verified = d["stats"]["verified"]
            if any(x != rows[0] for x in rows):
                raise SystemExit(f"rows differ: {sql}")
    med = {b: st.median(v) for b, v in times.items()}
    print(f"{images:5d} images (~{3 * images} masks; last verified {verified}): "
          + ", ".join(f"{os.path.basename(b.rstrip('/'))} {m:.2f} ms" for b, m in med.items())
          + f"; {os.path.basename(bins[1].rstrip('/'))} ÷ {os.path.basename(bins[0].rstrip('/'))} {med[bins[1]] / med[bins[0]]:.2f}", flush=True)
