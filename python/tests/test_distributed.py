"""masksearch.distributed on Ray (CONTRACT.md section 10): on a local Ray instance and on a
two-node local cluster (`ray start --head` + `ray start --address`, every process bound to
127.0.0.1), a 4-shard database written and queried by Ray tasks answers the conformance queries
and seeded random queries exactly as one database holding the same masks (rows, order, types);
a worker killed mid-query still gives the exact answer; a removed or damaged shard is an error;
a failed ingest leaves every shard as it was. One Ray instance per mode, reused by the module.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="ray is not installed (pip install -r python/requirements-test.txt)")

import masksearch  # noqa: E402
from masksearch import distributed  # noqa: E402
from masksearch import _native_shards as native  # noqa: E402
from conftest import CONFORMANCE, as_lists, cli_query, read_columns, snapshot  # noqa: E402
from test_random_queries import make_boxes, make_masks, make_meta, random_query  # noqa: E402

QUERIES = [json.loads(line) for line in (CONFORMANCE / "queries.jsonl").read_text().splitlines() if line.strip()]
DATA = CONFORMANCE / "data"
RANDOM_QUERIES = 30
# Ray resolves --node-ip-address=127.0.0.1 (and ray.init's _node_ip_address) to the machine's
# outward address ("Make sure localhost isn't resolved to the loopback ip", services.py), so its
# servers would bind that address. Here every Ray process must stay on loopback: `ray start` runs
# through this wrapper, and the driver gets the same patch (the children take the address given).
LOOPBACK_PATCH = "import ray._private.services as s; s.get_node_ip_address = lambda address=None: '127.0.0.1'"
RAY_START = [sys.executable, "-c", LOOPBACK_PATCH + "; import sys; from ray.scripts.scripts import main; "
             "sys.argv[0] = 'ray'; sys.exit(main())"]


def _processes_under(temp_dir: str) -> set:
    """The pids of the Ray instance using ``temp_dir``: processes whose command line names it (GCS,
    raylets, monitors, workers) and all their descendants (the agents rename themselves ``ray::...``)."""
    parents: Dict[int, int] = {}
    mine = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if temp_dir.encode() in cmdline:
            mine.add(int(entry))
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return mine


def _kill_processes_under(temp_dir: str) -> None:
    """SIGKILLs the processes this test started (``_processes_under``), by pid."""
    for pid in _processes_under(temp_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


LOOPBACK_HEX = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}


def _listening_addresses(pids: set) -> List[str]:
    """The local addresses (hex, as /proc/net/tcp*) of the TCP sockets these processes listen on."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                out.append(fields[1].split(":")[0])
    return out


def _start_cluster(temp_dir: str) -> str:
    """A head and a second node on this machine, both on 127.0.0.1; returns the GCS address."""
    port = random.Random(uuid.uuid4().int).randrange(20000, 29000)
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
    head = [*RAY_START, "start", "--head", f"--port={port}", f"--temp-dir={temp_dir}", "--include-dashboard=false",
            *common]
    subprocess.run(head, check=True, capture_output=True, timeout=120, env=os.environ)
    subprocess.run([*RAY_START, "start", f"--address=127.0.0.1:{port}", *common], check=True, capture_output=True,
                   timeout=120, env=os.environ)
    return f"127.0.0.1:{port}"


TEMP_DIRS: Dict[str, str] = {}


@pytest.fixture(scope="module", params=["local", "cluster"])
def ray_mode(request: pytest.FixtureRequest) -> Iterator[str]:
    temp_dir = f"/tmp/rayt-{uuid.uuid4().hex[:8]}"
    TEMP_DIRS[request.param] = temp_dir
    # Token authentication (on by default in `ray start` since Ray 2.5x) writes ~/.ray/auth_token and
    # refuses the second node without it; every process here is on 127.0.0.1 of one machine.
    saved = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    from ray._private import services
    resolve = services.get_node_ip_address
    services.get_node_ip_address = lambda address=None: "127.0.0.1"
    try:
        if request.param == "local":
            ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", _temp_dir=temp_dir,
                     configure_logging=False, log_to_driver=False)
        else:
            address = _start_cluster(temp_dir)
            ray.init(address=address, _node_ip_address="127.0.0.1", log_to_driver=False)
            deadline = time.time() + 60
            while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.time() < deadline:
                time.sleep(0.5)
            assert len([n for n in ray.nodes() if n["Alive"]]) == 2
        yield request.param
    finally:
        ray.shutdown()
        services.get_node_ip_address = resolve
        _kill_processes_under(temp_dir)
        if saved is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = saved
        shutil.rmtree(temp_dir, ignore_errors=True)


def _pinning(mode: str) -> Dict[int, str]:
    """On the cluster, shards alternate between the two nodes (node-local placement); locally none."""
    if mode != "cluster":
        return {}
    nodes = sorted(n["NodeID"] for n in ray.nodes() if n["Alive"])
    return {s: nodes[s % len(nodes)] for s in range(4)}


@pytest.fixture(scope="module")
def conformance(ray_mode: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    base = tmp_path_factory.mktemp(f"dist-{ray_mode}")
    masks, meta, boxes = np.load(DATA / "masks.npy"), read_columns(DATA / "meta.csv"), read_columns(DATA / "rois" / "object.csv")
    one = masksearch.connect(base / "one")
    one.ingest(masks, meta=meta)
    one.load_rois("object", boxes)
    sdb = distributed.create(base / "sharded", shards=4, nodes=_pinning(ray_mode))
    sdb.ingest(masks[:10], meta={k: v[:10] for k, v in meta.items()})
    sdb.ingest(masks[10:], meta={k: v[10:] for k, v in meta.items()})  # a second sharded write
    sdb.load_rois("object", boxes)
    yield {"one": one, "sdb": sdb, "base": base}
    one.close()


@pytest.fixture(scope="module")
def randomised(ray_mode: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    base = tmp_path_factory.mktemp(f"dist-random-{ray_mode}")
    rng = np.random.default_rng(13)
    masks, meta, boxes = make_masks("float32", rng), make_meta(rng), make_boxes(rng)
    one = masksearch.connect(base / "one")
    one.ingest(masks, meta=meta)
    one.load_rois("object", boxes)
    sdb = distributed.create(base / "sharded", shards=4, nodes=_pinning(ray_mode))
    sdb.ingest(masks, meta=meta)
    sdb.load_rois("object", boxes)
    yield {"one": one, "sdb": sdb}
    one.close()


def _same(actual: masksearch.Result, expected: masksearch.Result) -> None:
    assert actual.columns == expected.columns
    assert as_lists(actual.rows) == as_lists(expected.rows)
    assert [type(v) for r in actual.rows for v in r] == [type(v) for r in expected.rows for v in r]
    assert actual.stats["masks_total"] == expected.stats["masks_total"]


def test_every_ray_process_listens_on_loopback_only(ray_mode: str, conformance: Dict[str, Any]) -> None:
    pids = _processes_under(TEMP_DIRS[ray_mode])
    addresses = _listening_addresses(pids)
    assert pids and addresses
    assert set(addresses) <= LOOPBACK_HEX, addresses


def test_partition_rule_matches_format_vectors() -> None:
    assert native.shard_of([0, 1, 2, 42, -1], 4).tolist() == [3, 1, 2, 1, 0]
    assert native.shard_of([0, 1, 2, 42, -1], 3).tolist() == [1, 2, 1, 1, 2]


def test_shards_hold_every_mask_once(conformance: Dict[str, Any]) -> None:
    shards = conformance["sdb"].shard_map()["shards"]
    assert sum(s["masks"] for s in shards) == 24
    assert sum(1 for s in shards if s["masks"] > 0) >= 2


@pytest.mark.parametrize("use_index", [False, True], ids=["no-index", "index"])
def test_conformance_queries_equal_one_database(conformance: Dict[str, Any], use_index: bool) -> None:
    for case in QUERIES:
        _same(conformance["sdb"].query(case["sql"], use_index=use_index),
              conformance["one"].query(case["sql"], use_index=use_index))


def test_cli_on_the_sharded_directory_agrees(conformance: Dict[str, Any]) -> None:
    for case in QUERIES[:4]:
        via_ray = conformance["sdb"].query(case["sql"])
        assert as_lists(via_ray.rows) == cli_query(Path(conformance["sdb"].path), case["sql"])["rows"]


def test_random_queries_equal_one_database(randomised: Dict[str, Any]) -> None:
    r = random.Random(20261206)
    for _ in range(RANDOM_QUERIES):
        sql = random_query(r)
        try:
            expected = randomised["one"].query(sql)
        except masksearch.QueryError:
            with pytest.raises(masksearch.QueryError):
                randomised["sdb"].query(sql)
            continue
        _same(randomised["sdb"].query(sql), expected)


def test_index_per_shard_then_queries_equal(randomised: Dict[str, Any]) -> None:
    summary = randomised["sdb"].index()
    assert len(summary["shards"]) == sum(1 for s in randomised["sdb"].shard_map()["shards"] if s["database"])
    randomised["one"].index()
    r = random.Random(7)
    for _ in range(8):
        sql = random_query(r)
        try:
            expected = randomised["one"].query(sql)
        except masksearch.QueryError:
            continue
        _same(randomised["sdb"].query(sql), expected)


def test_worker_killed_mid_query_still_exact(conformance: Dict[str, Any], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "kill-once"
    marker.write_text("")
    monkeypatch.setenv(distributed.KILL_MARKER_ENV, str(marker))
    sql = QUERIES[0]["sql"]
    _same(conformance["sdb"].query(sql), conformance["one"].query(sql))
    assert not marker.exists()  # a task did kill its worker; Ray retried it


def test_removed_or_damaged_shard_is_an_error(conformance: Dict[str, Any], tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(conformance["sdb"].path, copy)
    broken = distributed.open(copy)
    victim = next(s for s in broken.shard_map()["shards"] if s["masks"] > 0)
    shutil.rmtree(victim["path"])
    with pytest.raises(masksearch.Error):
        broken.query(QUERIES[0]["sql"])
    damaged = tmp_path / "damaged"
    shutil.copytree(conformance["sdb"].path, damaged)
    (damaged / victim["name"] / "MANIFEST").write_bytes(b"not a manifest")
    with pytest.raises(masksearch.Error):
        distributed.open(damaged).query(QUERIES[0]["sql"])


def test_failed_ingest_leaves_every_shard_as_it_was(conformance: Dict[str, Any], tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(conformance["sdb"].path, copy)
    sdb = distributed.open(copy)

    def state() -> Any:  # SHARDS' epoch counts rolled-back writes too (Format/shards.md); its shards must not change
        files = {k: v for k, v in snapshot(copy).items() if k != "SHARDS"}
        return files, [(s["name"], s["masks"]) for s in sdb.shard_map()["shards"]]

    before = state()
    masks = np.full((8, 24, 32), 0.5, dtype=np.float32)
    masks[5, 3, 4] = np.nan  # one shard's task fails; the others' writes are rolled back
    meta = {"mask_id": list(range(100, 108)), "image_id": list(range(100, 108))}
    with pytest.raises(masksearch.InputError):
        sdb.ingest(masks, meta=meta)
    assert state() == before
    with pytest.raises(masksearch.InputError):
        sdb.ingest(masks[:2], meta={"mask_id": [0, 101], "image_id": [100, 101]})  # mask_id 0 exists
    assert state() == before


def test_ingest_without_meta_continues_ids_and_dataset_ingest(ray_mode: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    masks = rng.random((12, 8, 8), dtype=np.float32)
    sdb = distributed.create(tmp_path / "s", shards=4)
    one = masksearch.connect(tmp_path / "one")
    sdb.ingest(masks[:6])
    one.ingest(masks[:6])
    sdb.ingest(masks[6:])
    one.ingest(masks[6:])
    sql = "SELECT mask_id, image_id, CP(mask, full, 0.5, 1.0) AS v FROM masks ORDER BY v DESC, mask_id LIMIT 12"
    _same(sdb.query(sql), one.query(sql))
    if ray_mode != "local":
        return
    rows: List[Dict[str, Any]] = [{"mask": masks[i], "mask_id": 100 + i, "image_id": i // 2, "label": i % 3}
                                  for i in range(12)]
    dataset = ray.data.from_items(rows)
    from_dataset = distributed.create(tmp_path / "d", shards=4)
    from_dataset.ingest_dataset(dataset, batch_size=5)
    one2 = masksearch.connect(tmp_path / "one2")
    one2.ingest(masks, meta={k: [r[k] for r in rows] for k in ("mask_id", "image_id", "label")})
    sql = "SELECT label, COUNT(*) AS n, AVG(CP(mask, full, 0.5, 1.0)) AS a FROM masks GROUP BY label ORDER BY label"
    _same(from_dataset.query(sql), one2.query(sql))
