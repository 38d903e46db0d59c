#!/usr/bin/env python3
"""SVG figures of Benchmarks/evaluate.py, drawn with matplotlib from the CSVs of the eval directory.

    plots.py EVAL_DIR [table2] [random] [fml] [grid] [workload] [scale]

Run with the peers' virtualenv Python (Benchmarks/peers/setup.sh installs matplotlib); the core
build and tests never need it. Output: fig7_table2.svg, fig8_random.svg, fig9_fml.svg,
fig10_grid.svg, fig11_workload.svg, fig_scale.svg (deterministic: fixed hash salt, no date).
"""
import os
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import num, read_csv  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "masksearch", "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                     "svg.fonttype": "none"})

FAMILIES = ["filter-const", "filter-object", "topk-const", "topk-agg", "topk-iou"]
QNAME = {f: f"Q{i + 1}" for i, f in enumerate(FAMILIES)}
TITLE = {"ms-index": "MS (index)", "ms-scan": "MS (no index)", "ms-ii": "MS-II", "numpy-file": "NumPy 1-file",
         "numpy-mmap": "NumPy mmap", "tiledb": "TileDB", "duckdb": "DuckDB"}
COLOR = {"ms-index": "#1f77b4", "ms-scan": "#9ecae1", "ms-ii": "#2ca02c", "numpy-file": "#d62728", "numpy-mmap": "#ff7f0e",
         "tiledb": "#9467bd", "duckdb": "#8c564b"}
ORDER = ["ms-index", "ms-scan", "numpy-file", "numpy-mmap", "tiledb", "duckdb"]


def rows(d, name):
    return read_csv(os.path.join(d, name))


def save(fig, d, name):
    fig.tight_layout()
    fig.savefig(os.path.join(d, name), format="svg", metadata={"Date": None})
    plt.close(fig)


def table2(d):
    rr = rows(d, "table2.csv")
    if not rr:
        return
    systems = [s for s in ORDER if any(r["system"] == s for r in rr)]
    by = {(r["system"], r["family"]): r for r in rr}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    width = 0.8 / len(systems)
    for ax, key, label in zip(axes, ("warm_ms", "cold_ms"), ("warm", "cold")):
        for j, s in enumerate(systems):
            xs = [i + (j - (len(systems) - 1) / 2) * width for i in range(len(FAMILIES))]
            ys = [num(by[(s, f)][key]) if (s, f) in by else float("nan") for f in FAMILIES]
            ax.bar(xs, ys, width, label=TITLE[s], color=COLOR[s])
        ax.set_yscale("log")
        ax.set_xticks(range(len(FAMILIES)), [QNAME[f] for f in FAMILIES])
        ax.set_title(f"Q1–Q5, {label} (median latency)")
        ax.set_ylabel("ms (log)")
    axes[0].legend(fontsize=7, ncol=2)
    save(fig, d, "fig7_table2.svg")


def random_fig(d):
    rr = rows(d, "random.csv")
    if not rr:
        return
    types = ["Filter", "Top-K", "Aggregation"]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
    for ax, t in zip(axes, types):
        systems = [s for s in ORDER if any(r["system"] == s and r["type"] == t for r in rr)]
        data = [[num(r["ms"]) for r in rr if r["system"] == s and r["type"] == t] for s in systems]
        bp = ax.boxplot(data, whis=(5, 95), showfliers=True, patch_artist=True)
        for patch, s in zip(bp["boxes"], systems):
            patch.set_facecolor(COLOR[s])
            patch.set_alpha(0.7)
        ax.set_xticks(range(1, len(systems) + 1), [f"{TITLE[s]}\n(n={len(x)})" for s, x in zip(systems, data)], fontsize=7)
        ax.set_yscale("log")
        ax.set_title(f"{t} queries")
    axes[0].set_ylabel("warm latency, ms (log); whiskers 5–95%")
    save(fig, d, "fig8_random.svg")


def fml_fig(d):
    rr = [r for r in rows(d, "random.csv") if r["system"] == "ms-index"]
    if not rr:
        return
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    markers = {"filter-const": "o", "filter-object": "s", "topk-const": "^", "topk-agg": "D", "topk-iou": "v"}
    for f in FAMILIES:
        pts = [(num(r["fml"]), num(r["ms"])) for r in rr if r["family"] == f]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=16, marker=markers[f], label=f"{QNAME[f]} {f}", alpha=0.8)
    ax.set_xscale("symlog", linthresh=1e-3)
    ax.set_xlim(-1e-4, 1.05)
    ax.set_yscale("log")
    ax.set_xlabel("FML (fraction of masks loaded; symlog, linear below 0.001)")
    ax.set_ylabel("warm latency, ms (log)")
    ax.set_title("MS (index): latency against FML, random queries")
    ax.legend(fontsize=7)
    save(fig, d, "fig9_fml.svg")


def grid_fig(d):
    rr = rows(d, "grid.csv")
    if not rr:
        return
    sets = sorted({r["dataset"] for r in rr}, key=lambda s: int(s.split("x")[0]))
    fig, axes = plt.subplots(1, len(sets), figsize=(5.5 * len(sets), 4.2), squeeze=False)
    for ax, ds in zip(axes[0], sets):
        mine = [r for r in rr if r["dataset"] == ds]
        for b in sorted({int(r["bins"]) for r in mine}):
            pts = sorted([(num(r["index_mb"]), num(r["fml_mean"]), num(r["fml_median"]), r["cell"]) for r in mine if int(r["bins"]) == b])
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=f"bins {b}: mean FML")
            ax.plot([p[0] for p in pts], [p[2] for p in pts], "x:", color=ax.lines[-1].get_color(), label=f"bins {b}: median FML")
            for x, y, _, c in pts:
                ax.annotate(f"c{c}", (x, y), textcoords="offset points", xytext=(3, 3), fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel(f"index size, MB (log; {mine[0]['masks']} masks)")
        ax.set_ylabel("FML over the query set")
        ax.set_title(f"{ds} masks: index size vs FML (c = cell px)")
        ax.legend(fontsize=7)
    save(fig, d, "fig10_grid.svg")


def workload_fig(d):
    rr = rows(d, "workload.csv")
    if not rr:
        return
    ps = sorted({num(r["p"]) for r in rr})
    summ = {num(s["p"]): s for s in rows(d, "workload_summary.csv")}
    fig, axes = plt.subplots(2, len(ps), figsize=(3.6 * len(ps), 6.6), squeeze=False, sharey="row")
    label = {"ms-index": "MS (index built first)", "ms-ii": "MS-II", "numpy-mmap": "NumPy mmap"}
    for col, p in enumerate(ps):
        # cost_ms: elapsed_ms plus the indexing after the answer (older CSVs: elapsed_ms only).
        cost = "cost_ms" if rr and "cost_ms" in rr[0] else "elapsed_ms"
        for row, (key, what) in enumerate(((cost, "engine time + indexing after the answer"), ("wall_ms", "process wall time"))):
            ax = axes[row][col]
            for s in ("ms-index", "ms-ii", "numpy-mmap"):
                mine = sorted((r for r in rr if num(r["p"]) == p and r["system"] == s), key=lambda r: int(r["i"]))
                acc = num(summ[p]["build_s"]) if s == "ms-index" and p in summ else 0.0
                ys = []
                for r in mine:
                    acc += num(r[key]) / 1000
                    ys.append(acc)
                ax.plot(range(1, len(ys) + 1), ys, "-", color=COLOR[s], label=label[s])
            ax.set_title(f"p = {p:g}: {what}", fontsize=8)
            if row == 1:
                ax.set_xlabel("query number")
            if col == 0:
                ax.set_ylabel("cumulative time, s")
    axes[0][0].legend(fontsize=7)
    save(fig, d, "fig11_workload.svg")


def scale_fig(d):
    b = rows(d, "scale_build.csv")
    q = rows(d, "scale_queries.csv")
    if not b:
        return
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    n = [num(r["masks"]) for r in b]
    axes[0].plot(n, [num(r["build_s"]) for r in b], "o-")
    axes[0].set_title("index build time (median)")
    axes[0].set_ylabel("s (log)")
    axes[0].set_yscale("log")
    axes[1].plot(n, [num(r["index_mb"]) for r in b], "o-", label="index")
    axes[1].plot(n, [num(r["segment_mb"]) for r in b], "s--", label="segments (LZ4)")
    axes[1].plot(n, [num(r["raw_mb"]) for r in b], "^:", label="raw masks")
    axes[1].set_title("size on disk")
    axes[1].set_ylabel("MB (log)")
    axes[1].set_yscale("log")
    axes[1].legend(fontsize=7)
    styles = {"ms-index": "-", "ms-scan": "--", "numpy-mmap": ":"}
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, f in enumerate(FAMILIES):
        for s, st in styles.items():
            pts = sorted((num(r["masks"]), num(r["warm_ms"])) for r in q if r["family"] == f and r["system"] == s)
            if pts:
                axes[2].plot([p[0] for p in pts], [p[1] for p in pts], st, marker="o", ms=3, color=colors[i],
                             label=f"{QNAME[f]}" if s == "ms-index" else None)
    axes[2].plot([], [], "k-", label="MS (index)")
    axes[2].plot([], [], "k--", label="MS (no index)")
    axes[2].plot([], [], "k:", label="NumPy mmap")
    axes[2].set_title("Q1–Q5 warm latency")
    axes[2].set_ylabel("ms (log)")
    axes[2].set_yscale("log")
    axes[2].legend(fontsize=6, ncol=2)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("masks (log)")
    save(fig, d, "fig_scale.svg")


def main():
    d = sys.argv[1]
    parts = sys.argv[2:] or ["table2", "random", "fml", "grid", "workload", "scale"]
    funcs = {"table2": table2, "random": random_fig, "fml": fml_fig, "grid": grid_fig, "workload": workload_fig, "scale": scale_fig}
    for p in parts:
        funcs[p](d)


if __name__ == "__main__":
    main()
