"""Fixtures of the browser tests: a small deterministic database, `masksearch serve` on a free
loopback port, headless Chromium (Debian's chromium + chromium-driver) driven by selenium, and
helpers to drive the page and to ask the CLI for the expected answers.

Environment:
  MASKSEARCH_BIN                 the binary (default .build/debug/masksearch)
  MASKSEARCH_TEST_URL (+ _DB, _DATA, _OUT)  use a server already running instead of starting one
  MASKSEARCH_UPDATE_SCREENSHOTS  set to 1 to write the screenshots to Tests/browser/screenshots/
                                 (committed, shown in the README); otherwise they go to
                                 .build/browser-screenshots/
"""
import json
import os
import re
import sys
import subprocess
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests"))
from serve_process import generated_database, masksearch_binary, serving  # noqa: E402
SHOTS = (ROOT / "Tests/browser/screenshots") if os.environ.get("MASKSEARCH_UPDATE_SCREENSHOTS") \
    else (ROOT / ".build/browser-screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


class Server:
    """A running `masksearch serve` and the dataset behind it."""

    def __init__(self, binary, url, db, data, out):
        self.binary, self.url, self.db, self.data, self.out = str(binary), url, str(db), Path(data), Path(out)

    def cli(self, sql):
        """The CLI's answer to `sql` (`query --format json --no-index`: reads no index file, writes none)."""
        p = subprocess.run([self.binary, "query", self.db, sql, "--format", "json", "--no-index"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    def cli_error(self, sql):
        p = subprocess.run([self.binary, "query", self.db, sql, "--format", "json", "--no-index"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 2, (p.returncode, p.stdout)
        return p.stderr

    def get(self, path):
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as r:
            return r.read()

    def json(self, path):
        return json.loads(self.get(path))


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    binary = masksearch_binary()
    if os.environ.get("MASKSEARCH_TEST_URL"):  # a server already running (development)
        yield Server(binary, os.environ["MASKSEARCH_TEST_URL"], os.environ["MASKSEARCH_TEST_DB"],
                     os.environ["MASKSEARCH_TEST_DATA"], os.environ.get("MASKSEARCH_TEST_OUT", "/nonexistent"))
        return
    base = tmp_path_factory.mktemp("masksearch")
    data, db, out = generated_database(binary, base, "--masks", 300, "--seed", 7)
    with serving(binary, db, out, base / "serve.log") as (url, _):
        yield Server(binary, url, db, data, out)


@pytest.fixture(scope="session")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def driver(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--disable-gpu", "--hide-scrollbars"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield d
    d.quit()


class Page:
    """The page in the browser, with the steps the tests take."""

    def __init__(self, driver, server):
        self.d, self.server = driver, server
        self.allowed = []  # regular expressions of console messages a test expects

    def allow(self, pattern):
        self.allowed.append(re.compile(pattern))

    def open(self):
        self.d.get(self.server.url)
        self.wait(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        return self

    def wait(self, condition, timeout=30):
        return WebDriverWait(self.d, timeout).until(condition)

    def find(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def show(self, screen):
        self.find(f'#tabs button[data-screen="{screen}"]').click()

    def runs(self):
        return int(self.find("body").get_attribute("data-runs") or 0)

    def click_and_wait_run(self, element):
        before = self.runs()
        element.click()
        self.wait(lambda d: self.runs() > before)

    def run_sql(self, sql):
        """Puts `sql` into #sql (as typed text) and clicks #run; waits for the answer."""
        self.show("query")
        area = self.find("#sql")
        self.d.execute_script("arguments[0].value = ''", area)
        area.send_keys(sql)
        self.click_and_wait_run(self.find("#run"))

    def item_ids(self, attr="data-mask-id"):
        return [int(e.get_attribute(attr)) for e in self.finds(f"#results [{attr}]")]

    def shot(self, name, full=False):
        """Saves a screenshot once the images in view have loaded; `full`: the whole page's height.
        A file over 600 kB (noise images) is quantised to 256 colours to keep the repository small."""
        images_loaded = """return Array.from(document.images).filter((i) => {
            const r = i.getBoundingClientRect();
            return r.width > 0 && r.bottom > 0 && r.top < innerHeight;
          }).every((i) => i.complete && i.naturalWidth > 0)"""
        size = self.d.get_window_size()
        if full:
            height = self.d.execute_script("return document.documentElement.scrollHeight")
            self.d.set_window_size(size["width"], min(2400, max(size["height"], height + 140)))
        try:
            WebDriverWait(self.d, 15).until(lambda d: d.execute_script(images_loaded))
        except TimeoutException:
            pass  # a screenshot with a missing image is still a screenshot
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.d.save_screenshot(str(path))
        if full:
            self.d.set_window_size(size["width"], size["height"])
        if path.stat().st_size > 600_000:
            Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)

    def console_errors(self):
        return [e for e in self.d.get_log("browser")
                if e["level"] == "SEVERE" and not any(p.search(e["message"]) for p in self.allowed)]


@pytest.fixture
def page(driver, server):
    p = Page(driver, server).open()
    yield p
    errors = p.console_errors()
    assert not errors, f"console errors: {errors}"
