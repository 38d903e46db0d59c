"""`masksearch serve` as a child process for the Python test suites (Tests/browser, Tests/server):
the binary, a small generated database to serve, and the server started on a free loopback port,
waited for until `/api/info` answers, stopped afterwards."""
import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def masksearch_binary():
    """MASKSEARCH_BIN, or the debug build; fails when it is missing."""
    binary = Path(os.environ.get("MASKSEARCH_BIN", ROOT / ".build/debug/masksearch"))
    assert binary.exists(), f"{binary} is missing: run `swift build` first"
    return binary


def run_cli(args):
    subprocess.run([str(a) for a in args], check=True, capture_output=True, timeout=300)


def generated_database(binary, base: Path, *generate_args):
    """`masksearch generate base/data *generate_args`, ingested with its images into base/db with
    the `object` ROI set and indexed; returns (data, db, out) where out is base/out (not created)."""
    data, db, out = base / "data", base / "db", base / "out"
    run_cli([binary, "generate", data, *generate_args])
    run_cli([binary, "ingest", db, data / "masks.npy", "--meta", data / "meta.csv", "--images", data / "images"])
    run_cli([binary, "roi", db, "object", data / "rois/object.csv"])
    run_cli([binary, "index", db])
    return data, db, out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(binary, db, out, log_path: Path, timeout_s=60):
    """Runs `binary serve db --host 127.0.0.1 --port P --output out` (stdout and stderr to
    `log_path`) and yields `(url, proc)` once `/api/info` answers; terminates it on exit
    (killed after 10 s). Fails if the server exits or does not answer within `timeout_s`."""
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(binary), "serve", str(db), "--host", "127.0.0.1", "--port", str(port),
                                 "--output", str(out)], stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + timeout_s
        while True:
            try:
                urllib.request.urlopen(url + "api/info", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, Path(log_path).read_text()
                assert time.time() < deadline, f"serve did not answer within {timeout_s} s"
                time.sleep(0.2)
        try:
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
