"""The page in headless Chromium against `masksearch serve` (issue 11, item 10): every answer the
page shows is compared with the CLI's (`query --format json`) or with the stored data."""
import base64
import csv
import io
import json
import re
import time
import zipfile
from urllib.parse import urlparse

import numpy as np
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

TOPK = ("SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS v\nFROM masks\nWHERE mask_type = 1\n"
        "ORDER BY v ASC\nLIMIT 25")


def mask_ids(answer):
    return [r[answer["columns"].index("mask_id")] for r in answer["rows"]]


def test_page_loads_without_errors_or_outside_requests(page, server):
    info = server.json("api/info")
    assert page.find("#data").text.count(str(info["masks"])) >= 1
    cells = page.finds("#confusion [data-label][data-pred]")
    assert cells, "no confusion cells"
    page.wait(lambda d: d.execute_script("return document.readyState") == "complete")
    time.sleep(0.5)  # the sample image of the ROI canvas
    origin = urlparse(server.url).netloc
    resources = page.d.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href])")
    outside = [r for r in resources if urlparse(r).scheme not in ("data", "blob") and urlparse(r).netloc != origin]
    assert not outside, outside
    assert len(resources) > 5
    page.shot("data", full=True)


def test_form_writes_sql_that_gives_the_cli_rows(page, server):
    page.show("query")
    Select(page.find("#qtype")).select_by_value("topk")
    Select(page.find("#roi-kind")).select_by_value("named")
    Select(page.find("#roi-name")).select_by_value("object")
    Select(page.find("#mask-type")).select_by_value("1")
    for field, value in [("#lv", "0.8"), ("#uv", "1.0"), ("#k", "25")]:
        e = page.find(field)
        e.clear()
        e.send_keys(value)
    Select(page.find("#order")).select_by_value("ASC")
    if not page.find("#normalise").is_selected():
        page.find("#normalise").click()
    sql = page.find("#sql").get_attribute("value")
    assert sql == TOPK, sql
    page.shot("query")
    page.click_and_wait_run(page.find("#run"))
    expected = server.cli(sql)
    assert page.item_ids() == mask_ids(expected)
    stats = page.find("#stats")
    for key in ("verified", "pruned", "accepted", "total"):
        assert stats.get_attribute(f"data-{key}").isdigit()
    assert int(stats.get_attribute("data-total")) == expected["stats"]["masks_total"]
    assert page.find("#error").text == ""
    page.shot("results")
    Select(page.find("#colormap")).select_by_value("viridis")
    img = page.find("#results [data-mask-id] img")
    page.wait(lambda d: "colormap=viridis" in img.get_attribute("src") and "roi=object" in img.get_attribute("src"))
    page.find("#show-roi").click()
    page.wait(lambda d: "roi=" not in page.find("#results [data-mask-id] img").get_attribute("src"))
    page.wait(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0",
                                         page.find("#results [data-mask-id] img")))


def test_filter_form_pages_through_the_cli_rows(page, server):
    page.show("query")
    Select(page.find("#qtype")).select_by_value("filter")
    Select(page.find("#roi-kind")).select_by_value("full")
    Select(page.find("#mask-type")).select_by_value("")
    page.find("#normalise").click() if page.find("#normalise").is_selected() else None
    Select(page.find("#op")).select_by_value(">")
    for field, value in [("#lv", "0.5"), ("#uv", "1"), ("#threshold", "3000")]:
        e = page.find(field)
        e.clear()
        e.send_keys(value)
    sql = page.find("#sql").get_attribute("value")
    assert "CP(mask, full, 0.5, 1) > 3000" in sql, sql
    page.click_and_wait_run(page.find("#run"))
    expected = mask_ids(server.cli(sql))
    assert len(expected) > 48, "the test needs more than one page"
    seen = page.item_ids()
    while page.find("#page-next").is_enabled():
        page.find("#page-next").click()
        seen += page.item_ids()
    assert seen == expected


def test_edited_sql_runs(page, server):
    sql = ("SELECT image_id, AVG(CP(mask, object, 0.5, 1.0)) AS s FROM masks WHERE mask_type = 1 "
           "GROUP BY image_id ORDER BY s DESC LIMIT 12")
    page.run_sql(sql)
    expected = server.cli(sql)
    assert page.item_ids("data-image-id") == [r[0] for r in expected["rows"]]
    assert page.find("#error").text == ""


def test_iou_form_and_its_intersect_union_view(page, server):
    page.show("query")
    Select(page.find("#qtype")).select_by_value("aggregation")
    Select(page.find("#agg-kind")).select_by_value("iou")
    Select(page.find("#roi-kind")).select_by_value("full")
    k = page.find("#k")
    k.clear()
    k.send_keys("10")
    sql = page.find("#sql").get_attribute("value")
    assert "CP(INTERSECT(mask > 0.5), full, 0.5, 1) / CP(UNION(mask > 0.5), full, 0.5, 1) AS iou" in sql, sql
    assert "GROUP BY image_id" in sql and "mask_type IN (1, 2)" in sql, sql
    page.click_and_wait_run(page.find("#run"))
    assert page.item_ids("data-image-id") == [r[0] for r in server.cli(sql)["rows"]]
    page.finds("#results [data-image-id]")[0].click()
    page.wait(lambda d: len(page.finds("#zoom-aggregates img")) == 2)
    page.wait(lambda d: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i)
                            for i in page.finds("#zoom-aggregates img")))
    page.find("#zoom-close").click()


def test_bad_query_shows_its_error_at_the_token(page, server):
    sql = "SELECT mask_id FROM masks WHERE nosuch > 1"
    page.allow(r"api/query - Failed to load resource: .* 400")  # the answer is the error
    page.run_sql(sql)
    error = page.find("#error")
    assert "nosuch" in error.text
    assert error.get_attribute("data-position") == str(sql.index("nosuch") + 1)
    assert error.get_attribute("data-token") == "nosuch"
    assert "nosuch" in server.cli_error(sql)
    page.shot("error")


def test_confusion_cell_shows_exactly_its_masks(page, server):
    cells = [c for c in page.finds("#confusion [data-label][data-pred]")
             if c.get_attribute("data-label") != c.get_attribute("data-pred") and int(c.get_attribute("data-count")) > 0]
    cell = max(cells, key=lambda c: int(c.get_attribute("data-count")))
    label, pred, count = (cell.get_attribute(k) for k in ("data-label", "data-pred", "data-count"))
    page.click_and_wait_run(cell)
    expected = mask_ids(server.cli(f"SELECT mask_id FROM masks WHERE label = {label} AND pred = {pred}"))
    assert len(expected) == int(count)
    assert page.item_ids() == expected


def test_zoom_readout_shows_the_stored_value(page, server):
    page.run_sql(TOPK)
    first = page.finds("#results [data-mask-id]")[0]
    mask_id = int(first.get_attribute("data-mask-id"))
    first.click()
    page.wait(lambda d: page.find("#zoom").is_displayed())
    page.wait(lambda d: "move over" in page.find("#readout").text)
    stored = np.load(io.BytesIO(server.get(f"api/masks/{mask_id}.npy")))
    dataset = np.load(server.data / "masks.npy", mmap_mode="r")
    assert np.array_equal(stored, dataset[mask_id])
    canvas = page.find("#zoom-canvas")
    readout = page.find("#readout")
    box = server.json(f"api/masks/{mask_id}")["boxes"]["object"]
    for dx, dy in [(10, 10), (-120, 40), (60, -90)]:
        ActionChains(page.d).move_to_element_with_offset(canvas, dx, dy).perform()
        page.wait(lambda d: readout.get_attribute("data-x") is not None)
        x, y = int(readout.get_attribute("data-x")), int(readout.get_attribute("data-y"))
        assert int(readout.get_attribute("data-mask-id")) == mask_id
        assert int(readout.get_attribute("data-code")) == int(stored[y, x])
        assert float(readout.get_attribute("data-value")) == int(stored[y, x]) / 255
        inside = box is not None and box[0] <= x < box[2] and box[1] <= y < box[3]
        assert readout.get_attribute("data-inside") == ("true" if inside else "false")
    siblings = [int(f.get_attribute("data-mask-id")) for f in page.finds("#zoom-siblings [data-mask-id]")]
    assert mask_id in siblings and len(siblings) >= 2
    page.shot("zoom")
    page.find("#zoom-next").click()
    page.wait(lambda d: readout.get_attribute("data-mask-id") != str(mask_id) or "move over" in readout.text)
    page.find("#zoom-close").click()


def test_drawn_rectangle_appears_in_the_sql(page, server):
    page.show("query")
    canvas = page.find("#roi-canvas")
    w, h = canvas.size["width"], canvas.size["height"]
    info = server.json("api/info")
    ActionChains(page.d).move_to_element_with_offset(canvas, -w // 4, -h // 4).click_and_hold() \
        .move_by_offset(w // 8, h // 8).move_by_offset(w // 8, h // 8).move_by_offset(w // 8, h // 16).release().perform()
    rect = page.find("#roi-rect").get_attribute("value")
    x0, y0, x1, y1 = map(int, rect.split(","))
    assert abs(x0 - info["width"] // 4) <= 2 and abs(y0 - info["height"] // 4) <= 2, rect
    assert abs(x1 - 5 * info["width"] // 8) <= 2 and abs(y1 - 9 * info["height"] // 16) <= 2, rect
    sql = page.find("#sql").get_attribute("value")
    assert f"({x0}, {y0}, {x1}, {y1})" in sql, sql
    page.shot("roi")
    page.click_and_wait_run(page.find("#run"))
    assert page.item_ids() == mask_ids(server.cli(sql))


def _png(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_augmentation_keeps_the_box_and_changes_the_rest(page, server):
    page.run_sql(TOPK)
    page.show("augment-export")
    Select(page.find("#augment-method")).select_by_value("noise")
    seed = page.find("#augment-seed")
    seed.clear()
    seed.send_keys("3")
    page.find("#augment").click()
    page.wait(lambda d: page.finds("#augment-results .pair"))
    pairs = page.finds("#augment-results .pair")
    images = {server.json(f"api/masks/{m}")["image_id"] for m in page.item_ids()}
    assert {int(p.get_attribute("data-image-id")) for p in pairs} == images
    checked = 0
    for p in pairs[:4]:
        image_id = int(p.get_attribute("data-image-id"))
        before = _png(server.get(urlparse(p.find_element("css selector", ".before img").get_attribute("src")).path))
        after = _png(server.get(urlparse(p.find_element("css selector", ".after img").get_attribute("src")).path))
        assert before.shape == after.shape
        mask_ids_of_image = [m for m in page.item_ids() if server.json(f"api/masks/{m}")["image_id"] == image_id]
        box = server.json(f"api/masks/{mask_ids_of_image[0]}")["boxes"]["object"]
        if box is None:
            continue
        x0, y0 = max(0, box[0]), max(0, box[1])
        x1, y1 = min(before.shape[1], box[2]), min(before.shape[0], box[3])
        inside = np.zeros(before.shape[:2], bool)
        inside[y0:y1, x0:x1] = True
        assert np.array_equal(before[inside], after[inside])
        changed = np.any(before != after, axis=2)[~inside]
        assert changed.mean() > 0.9, changed.mean()
        checked += 1
    assert checked
    time.sleep(0.5)
    page.shot("augment")


def _downloaded(downloads, name, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = [f for f in downloads.iterdir() if f.name.startswith(name) and not f.name.endswith(".crdownload")]
        if files:
            return max(files, key=lambda f: f.stat().st_mtime)
        time.sleep(0.2)
    raise AssertionError(f"no download {name}* in {list(downloads.iterdir())}")


def test_export_has_the_result_rows(page, server, downloads):
    page.run_sql(TOPK)
    expected = server.cli(TOPK)
    page.show("augment-export")
    for f in downloads.iterdir():
        f.unlink()
    page.find("#export-csv").click()
    rows = list(csv.reader(io.StringIO(_downloaded(downloads, "result").read_text())))
    assert rows[0] == expected["columns"]
    assert [int(r[0]) for r in rows[1:]] == mask_ids(expected)
    page.find("#export-json").click()
    page.wait(lambda d: page.find("#export-preview").get_attribute("data-format") == "json")
    got = json.loads(_downloaded(downloads, "result", 20).read_text()) if any(
        f.suffix == ".json" for f in downloads.iterdir()) else json.loads(page.find("#export-preview").text)
    assert got["columns"] == expected["columns"] and got["rows"] == expected["rows"]
    page.find("#export-zip").click()
    page.wait(lambda d: page.find("#export-preview").get_attribute("data-format") == "zip")
    archive = zipfile.ZipFile(_downloaded(downloads, page.find("#export-preview").get_attribute("data-filename")))
    names = archive.namelist()
    csv_name = next(n for n in names if n.endswith("result.csv"))
    rows = list(csv.reader(io.StringIO(archive.read(csv_name).decode())))
    assert [int(r[0]) for r in rows[1:]] == mask_ids(expected)
    assert any(re.search(rf"masks/{mask_ids(expected)[0]}\.npy$", n) for n in names), names
    page.shot("export")


def test_execution_detail_shows_the_engine_numbers(page, server):
    page.run_sql(TOPK)
    page.show("detail")
    assert page.finds("#bounds-chart svg")
    assert page.finds("#bounds-chart line.threshold")
    lower, exact, upper = (page.find(f"#chi-{k}").text for k in ("lower", "exact", "upper"))
    assert int(lower) <= int(exact) <= int(upper)
    assert page.finds("#chi-view svg rect.outer")
    page.find("#compare-noindex").click()
    page.wait(lambda d: page.find("#noindex-time").get_attribute("data-ms"))
    assert float(page.find("#noindex-time").get_attribute("data-ms")) > 0
    page.shot("detail", full=True)


def test_npy_reader_reads_every_stored_dtype(page):
    """The zoom read-out's .npy parser (static/npy.js) against numpy, for the three stored dtypes."""
    rng = np.random.default_rng(11)
    values = rng.random((5, 7))
    values[0, :4] = [0.0, 1.0, 2 ** -24, 0.5]
    arrays = {"uint8": np.round(values * 255).astype(np.uint8), "float16": values.astype(np.float16),
              "float32": values.astype(np.float32)}
    for dtype, a in arrays.items():
        buf = io.BytesIO()
        np.save(buf, a)
        got = page.d.execute_async_script("""
            const [b64, done] = arguments;
            import('./static/npy.js').then(({ parseNpy }) => {
              const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
              const m = parseNpy(bytes.buffer);
              const values = [];
              for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) values.push(m.value(x, y));
              done({ dtype: m.dtype, height: m.height, width: m.width, values });
            }).catch((e) => done({ error: String(e) }));""", base64.b64encode(buf.getvalue()).decode())
        assert got.get("dtype") == dtype, got
        assert (got["height"], got["width"]) == a.shape
        expected = (a / 255.0) if dtype == "uint8" else a.astype(np.float64)
        assert got["values"] == expected.ravel().tolist(), dtype


def test_example_queries_run(page, server):
    page.show("query")
    for button in page.finds("[data-example]"):
        button.click()
        sql = page.find("#sql").get_attribute("value")
        page.click_and_wait_run(page.find("#run"))
        assert page.find("#error").text == "", sql
        expected = server.cli(sql)
        table_rows = page.finds("#result-table tbody tr")
        assert len(table_rows) == len(expected["rows"]), sql
        page.show("query")


def test_a_page_of_100_overlays_loads(page, server):
    """All 100 overlays of a full page load (server-rendered PNGs, eager once in view); prints the time."""
    page.run_sql("SELECT mask_id, CP(mask, object, 0.5, 1.0) AS v FROM masks ORDER BY v DESC LIMIT 150")
    page.d.set_window_size(1400, 6000)  # every tile in view, so none waits for lazy loading
    try:
        start = time.time()
        Select(page.find("#page-size")).select_by_value("100")
        page.wait(lambda d: len(page.finds("#results [data-mask-id]")) == 100)
        page.wait(lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('#results img')).every((i) => i.complete && i.naturalWidth > 0)"))
        print(f"\n100 overlays loaded in {time.time() - start:.2f} s")
        assert page.find("#page-info").text.startswith("1–100 of 150")
    finally:
        page.d.set_window_size(1400, 1000)
