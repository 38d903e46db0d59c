"""`masksearch serve` as a child process for the Python test suites (Tests/browser, Tests/server):
started on a free loopback port, waited for until `/api/info` answers, stopped afterwards."""
import contextlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


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
