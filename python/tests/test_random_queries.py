"""Seeded random queries through the Python client equal the CLI's answers on uint8, float16 and
float32 databases (each loaded once by the CLI from .npy files and once from numpy in process)."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest

import masksearch
from conftest import as_lists, cli, cli_query, save_npy, write_columns

COUNT, HEIGHT, WIDTH = 60, 20, 28
QUERIES_PER_DTYPE = 36


def make_masks(dtype: str, rng: np.random.Generator) -> np.ndarray:
    """Smooth-ish masks with exact 0, 1 and uint8-level values mixed in."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    centres = rng.uniform([0, 0], [HEIGHT, WIDTH], size=(COUNT, 2))
    widths = rng.uniform(2, 10, size=COUNT)
    blobs = np.exp(-(((y - centres[:, 0, None, None]) ** 2 + (x - centres[:, 1, None, None]) ** 2) / (2 * widths[:, None, None] ** 2)))
    values = np.clip(blobs + rng.normal(0, 0.05, size=blobs.shape), 0, 1)
    values[rng.random(values.shape) < 0.03] = 1.0
    values[rng.random(values.shape) < 0.03] = 0.0
    if dtype == "uint8":
        return np.rint(values * 255).astype(np.uint8)
    levels = rng.random(values.shape) < 0.1
    values[levels] = np.rint(values[levels] * 255) / 255
    return values.astype(dtype)


def make_meta(rng: np.random.Generator) -> Dict[str, List[Any]]:
    ids = list(range(COUNT))
    labels = [int(v) for v in rng.integers(0, 4, COUNT)]
    return {
        "mask_id": ids, "image_id": [i // 3 for i in ids], "model_id": [i % 3 for i in ids],
        "mask_type": [1 + i % 2 for i in ids], "label": labels,
        "pred": [lab if rng.random() < 0.7 else int(rng.integers(0, 4)) for lab in labels],
        "score": [float(v) if rng.random() > 0.1 else None for v in rng.random(COUNT)],
    }


def make_boxes(rng: np.random.Generator) -> Dict[str, List[Any]]:
    images = [i for i in range(COUNT // 3) if rng.random() < 0.85]
    x0 = rng.uniform(-2, WIDTH - 4, len(images))
    y0 = rng.uniform(-2, HEIGHT - 4, len(images))
    return {"image_id": images, "x0": [float(v) for v in x0], "y0": [float(v) for v in y0],
            "x1": [float(v + rng.uniform(1, 14)) for v in x0], "y1": [float(v + rng.uniform(1, 12)) for v in y0]}


def random_query(r: random.Random) -> str:
    def roi() -> str:
        choice = r.random()
        if choice < 0.35:
            return "full"
        if choice < 0.7:
            return "object"
        x0, y0 = r.randint(-3, WIDTH - 2), r.randint(-3, HEIGHT - 2)
        return f"({x0}, {y0}, {x0 + r.randint(0, 16)}, {y0 + r.randint(0, 12)})"

    def bounds() -> str:
        edges = [0, 0.1, 0.2, 0.25, 0.5, 0.6, 0.8, 0.85, 0.9, 1.0, round(r.random(), 3), r.randint(0, 255) / 255]
        lv, uv = sorted([r.choice(edges), r.choice(edges)])
        return f"{lv!r}, {uv!r}" if r.random() < 0.5 else f"({lv!r}, {uv!r})"

    k = r.randint(1, 12)
    order = r.choice(["ASC", "DESC"])
    where = r.choice(["", " WHERE mask_type = 1", " WHERE model_id IN (0, 2)", " WHERE label != pred", " WHERE score > 0.3"])
    cp = f"CP(mask, {roi()}, {bounds()})"
    templates = [
        lambda: f"SELECT mask_id FROM masks WHERE {cp} {r.choice(['>', '<', '>=', '<=', '='])} {r.randint(0, 120)}",
        lambda: f"SELECT mask_id, {cp} AS v FROM masks{where} ORDER BY v {order} LIMIT {k}",
        lambda: f"SELECT mask_id, CP(mask, object, {bounds()}) / AREA(object) AS r FROM masks{where} ORDER BY r {order} LIMIT {k}",
        lambda: f"SELECT image_id, AVG({cp}) AS a, COUNT(*) AS n FROM masks{where} GROUP BY image_id ORDER BY a {order} LIMIT {k}",
        lambda: f"SELECT image_id, MAX({cp}) AS m FROM masks GROUP BY image_id HAVING m > {r.randint(0, 60)}",
        lambda: (f"SELECT image_id, CP(INTERSECT(mask > {r.choice([0.3, 0.5, 0.8])}), full, 0.5, 1) / "
                 f"CP(UNION(mask > {r.choice([0.3, 0.5, 0.8])}), full, 0.5, 1) AS iou FROM masks "
                 f"WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY iou {order} LIMIT {k}"),
        lambda: f"SELECT mask_id, label, pred, score FROM masks WHERE {cp} BETWEEN {r.randint(0, 40)} AND {r.randint(40, 300)} ORDER BY score {order}",
        lambda: f"SELECT image_id, CP(AVG(mask), {roi()}, {bounds()}) AS c FROM masks GROUP BY image_id ORDER BY c {order}, image_id LIMIT {k}",
    ]
    return r.choice(templates)()


@pytest.mark.parametrize("dtype", ["uint8", "float16", "float32"])
def test_random_queries_equal_cli(tmp_path: Path, dtype: str) -> None:
    seed = {"uint8": 11, "float16": 12, "float32": 13}[dtype]
    rng = np.random.default_rng(seed)
    masks, meta, boxes = make_masks(dtype, rng), make_meta(rng), make_boxes(rng)
    cli_db = tmp_path / "cli"
    cli("ingest", cli_db, save_npy(tmp_path / "masks.npy", masks), "--meta", write_columns(tmp_path / "meta.csv", meta),
        "--dtype", dtype)
    cli("roi", cli_db, "object", write_columns(tmp_path / "boxes.csv", boxes))
    r = random.Random(seed)
    with masksearch.connect(tmp_path / "py") as db:
        db.ingest(masks, meta=meta, dtype=dtype)
        db.load_rois("object", boxes)
        assert db.info()["pixel_format"] == dtype
        for number in range(QUERIES_PER_DTYPE):
            sql = random_query(r)
            use_index = r.random() < 0.6
            result = db.query(sql, use_index=use_index)
            reference = cli_query(cli_db, sql, use_index=use_index)
            assert (result.columns, as_lists(result.rows)) == (reference["columns"], reference["rows"]), f"query {number}: {sql}"
