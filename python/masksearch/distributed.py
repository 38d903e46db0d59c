"""Sharded databases on Ray (CONTRACT.md section 10; README "Sharded databases").

    from masksearch import distributed
    sdb = distributed.create("sdb", shards=4)          # or distributed.open("sdb")
    sdb.ingest(masks, meta)                             # or sdb.ingest_dataset(ray_dataset)
    sdb.load_rois("object", boxes); sdb.index()
    r = sdb.query(sql)                                  # a masksearch.Result, as connect().query

Queries: one Ray task per shard holding masks runs the shard's partial plan in the engine
(``ms_query_partial``) and returns its bytes (a few KB: result rows or partial aggregates, never
bounds or masks); the driver merges them with the engine's merge (``ms_merge_partials``), the
code the CLI uses. A task whose worker dies is retried (``max_retries``); a missing or damaged
shard, or a task that keeps failing, raises :class:`masksearch.Error` — never a partial answer.

Writes: the driver holds the sharded write (root LOCK, journal of every shard's MANIFEST in
SHARDS, Format/shards.md), the engine plans the ingest (mask_ids, the partition by image_id,
column types), one Ray task per shard writes its part as an ordinary database, and the driver
commits — or rolls every shard back when any task failed.

Placement: by default every task may run on any node, which needs the database directory on a
path every node sees (one machine, or a shared file system). For shards on nodes' local disks,
pass ``nodes={shard_index: ray_node_id}``: each shard's tasks are pinned to its node
(``NodeAffinitySchedulingStrategy``, not soft: a dead node is an error, not a silent move). The
driver itself reads only the small ``SHARDS`` map and one shard's manifest/metadata (the schema
of the merge), so the root directory must be readable by the driver.

Ray's workers import masksearch from the same environment as the driver (install the package
there); ``ray`` is imported when a :class:`ShardedDatabase` is opened, not by ``import
masksearch``.
"""
from __future__ import annotations

import json
import os
import signal
import time
from typing import Any, Dict, List, Optional

import numpy as np

from . import _native_shards as native
from ._arrays import mask_stack, storage_code
from ._csvtext import table_csv
from ._errors import Error, InputError
from ._result import Result

__all__ = ["create", "open", "ShardedDatabase"]

# Test hook (python/tests/test_distributed.py): when the driver's environment names a marker
# file here, the first shard task that finds the file removes it and kills its own worker
# process (SIGKILL), so the retry path is exercised.
KILL_MARKER_ENV = "MASKSEARCH_TEST_KILL_MARKER"


def create(path: Any, shards: int, **options: Any) -> "ShardedDatabase":
    """Creates an empty sharded database of ``shards`` shards at ``path`` (missing, or an empty
    directory) and opens it (``options`` as :class:`ShardedDatabase`)."""
    native.shard_create(os.fspath(path), shards)
    return ShardedDatabase(path, **options)


def open(path: Any, **options: Any) -> "ShardedDatabase":  # noqa: A001 (the contract's name)
    """Opens the sharded database at ``path``; not one raises :class:`masksearch.InputError`."""
    return ShardedDatabase(path, **options)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise Error("masksearch.distributed needs Ray: pip install ray") from None
    return ray


def _kill_once(marker: Optional[str]) -> None:
    if not marker:
        return
    try:
        os.remove(marker)
    except FileNotFoundError:
        return
    os.kill(os.getpid(), signal.SIGKILL)


def _query_task(shard_path: str, sql: str, use_index: bool, shard_count: int, expected: int,
                marker: Optional[str]) -> bytes:
    _kill_once(marker)
    return native.query_partial(shard_path, sql, use_index, shard_count, expected)


def _ingest_task(shard_path: str, stack: np.ndarray, element_type: int, storage: int, meta_csv: bytes,
                 extra_columns: str, band_rows: int, clip: bool) -> Dict[str, Any]:
    return native.shard_ingest(shard_path, np.ascontiguousarray(stack), element_type, storage, meta_csv,
                               extra_columns, band_rows, clip)


def _rois_task(shard_path: str, name: str, csv_text: bytes) -> Dict[str, Any]:
    from ._native import lib
    return native.shard_call(shard_path, lambda h: native._json(lib.ms_load_rois, h, name.encode("utf-8"), csv_text))


def _index_task(shard_path: str, bins: int, cell: int) -> Dict[str, Any]:
    from ._native import lib
    return native.shard_call(shard_path, lambda h: native._json(lib.ms_index, h, bins, cell))


class ShardedDatabase:
    """A sharded database whose shards are queried and written by Ray tasks.

    Args:
        path: the sharded directory (``SHARDS`` and ``shard-NNN/``).
        nodes: optional ``{shard index: Ray node id}`` pinning each shard's tasks to the node
            whose local disk holds it; default: any node (a path every node sees).
        max_retries: retries of a task whose worker process died (Ray's ``max_retries``).
    """

    def __init__(self, path: Any, nodes: Optional[Dict[int, str]] = None, max_retries: int = 3) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.nodes = dict(nodes or {})
        self.max_retries = int(max_retries)
        self._ray = _ray()
        self._map = native.shard_map(self.path)
        remote = self._ray.remote
        self._tasks = {f.__name__: remote(f) for f in (_query_task, _ingest_task, _rois_task, _index_task)}

    @property
    def shard_count(self) -> int:
        return len(self._map["shards"])

    def shard_map(self) -> Dict[str, Any]:
        """The current shard map (epoch, and per shard name, path, masks, database)."""
        self._map = native.shard_map(self.path)
        return self._map

    def _submit(self, task: str, shard: int, *arguments: Any) -> Any:
        options: Dict[str, Any] = {"max_retries": self.max_retries, "retry_exceptions": False, "num_cpus": 1}
        if shard in self.nodes:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(node_id=self.nodes[shard], soft=False)
        return self._tasks[task].options(**options).remote(*arguments)

    def _gather(self, refs: List[Any]) -> List[Any]:
        """``ray.get`` of every task; the first failure as a masksearch error (after all ended)."""
        results: List[Any] = []
        failure: Optional[BaseException] = None
        for ref in refs:
            try:
                results.append(self._ray.get(ref))
            except Exception as error:  # noqa: BLE001 - re-raised as masksearch.Error below
                failure = failure or error
        if failure is not None:
            cause = getattr(failure, "cause", None)
            if isinstance(failure, Error) and isinstance(cause, Error):
                raise type(cause)(*cause.args) from failure
            if isinstance(cause, Error):
                raise cause from failure
            if isinstance(failure, Error):
                raise failure
            raise Error(f"error: {self.path}: a shard task failed: {failure}") from failure
        return results

    def query(self, sql: str, use_index: bool = True) -> Result:
        """Runs ``sql`` as one Ray task per shard holding masks and merges their partials with the
        engine's merge: the rows, in order, of one database holding every mask."""
        start = time.perf_counter()
        shards = self.shard_map()["shards"]
        for s in shards:
            if not os.path.isdir(s["path"]):
                raise Error(f"error: {s['path']}: the shard directory is missing (no partial answer)")
        marker = os.environ.get(KILL_MARKER_ENV)
        count = len(shards)
        refs = [self._submit("_query_task", i, s["path"], sql, use_index, count, s["masks"], marker)
                for i, s in enumerate(shards) if s["database"] or s["masks"] > 0]
        if not refs:
            raise InputError(f"error: {self.path}: the sharded database holds no masks yet (ingest first)")
        partials = self._gather(refs)
        text = native.merge_partials(self.path, sql, partials, (time.perf_counter() - start) * 1000.0)
        return Result.from_json(text)

    def ingest(self, masks: Any, meta: Any = None, dtype: Any = None, clip: bool = False) -> Dict[str, Any]:
        """Ingests numpy masks (N, H, W) with optional metadata (DataFrame or dict of columns),
        partitioned by image_id by the engine, one Ray task per shard; all shards or none."""
        with native.ShardWrite(self.path) as write:
            summary = self._ingest_batch(write, masks, meta, dtype, clip)
        self.shard_map()
        return summary

    def ingest_dataset(self, dataset: Any, dtype: Any = None, clip: bool = False, batch_size: int = 1024) -> Dict[str, Any]:
        """Ingests a Ray Dataset whose rows have a ``"mask"`` (H, W) array column and metadata
        columns, batch by batch (``iter_batches``: one batch in the driver at a time), inside one
        sharded write: all batches or none."""
        total: Dict[str, Any] = {"masks": 0, "per_shard": [0] * self.shard_count}
        with native.ShardWrite(self.path) as write:
            for batch in dataset.iter_batches(batch_size=batch_size, batch_format="numpy"):
                if "mask" not in batch:
                    raise InputError("dataset: rows need a \"mask\" column of (H, W) arrays")
                masks = np.stack(list(batch["mask"])) if batch["mask"].dtype == object else batch["mask"]
                meta = {k: list(v) for k, v in batch.items() if k != "mask"} or None
                summary = self._ingest_batch(write, masks, meta, dtype, clip)
                total["masks"] += summary["masks"]
                total["per_shard"] = [a + b for a, b in zip(total["per_shard"], summary["per_shard"])]
        self.shard_map()
        return total

    def _ingest_batch(self, write: native.ShardWrite, masks: Any, meta: Any, dtype: Any, clip: bool) -> Dict[str, Any]:
        stack, element_type = mask_stack(masks)
        meta_text = None if meta is None else table_csv(meta, "meta").encode("utf-8")
        plan = write.plan(stack.shape[0], element_type, storage_code(dtype), meta_text)
        shard_of = np.asarray(plan["shard_of"], dtype=np.int64)
        shards = write.map()["shards"]
        columns = json.dumps(plan["extra_columns"])
        refs, per_shard = [], [0] * len(shards)
        for s, shard in enumerate(shards):
            rows = np.flatnonzero(shard_of == s)
            per_shard[s] = int(rows.size)
            if rows.size == 0:
                continue
            refs.append(self._submit("_ingest_task", s, shard["path"], stack[rows], element_type, plan["storage"],
                                     plan["meta_csv"][s].encode("utf-8"), columns, plan["band_rows"], clip))
        self._gather(refs)
        return {"masks": int(stack.shape[0]), "per_shard": per_shard, "first_mask_id": plan["mask_ids"][0]}

    def _each_database_shard(self, write: native.ShardWrite, task: str, *arguments: Any) -> List[Any]:
        shards = write.map()["shards"]
        refs = [self._submit(task, i, s["path"], *arguments) for i, s in enumerate(shards) if s["database"]]
        if not refs:
            raise InputError(f"error: {self.path}: the sharded database holds no masks yet (ingest first)")
        return self._gather(refs)

    def load_rois(self, name: str, boxes: Any) -> Dict[str, Any]:
        """Loads the ROI set into every shard holding masks (one task each); all or none."""
        csv_text = table_csv(boxes, "boxes").encode("utf-8")
        with native.ShardWrite(self.path) as write:
            summaries = self._each_database_shard(write, "_rois_task", name, csv_text)
        return summaries[0]

    def index(self, bins: Optional[int] = None, cell: Optional[int] = None) -> Dict[str, Any]:
        """Builds every shard's index, one task per shard in parallel; all or none."""
        with native.ShardWrite(self.path) as write:
            summaries = self._each_database_shard(write, "_index_task", int(bins or 0), int(cell or 0))
        self.shard_map()
        return {"built": sum(s["built"] for s in summaries), "shards": summaries}

    def __repr__(self) -> str:
        return f"masksearch.distributed.ShardedDatabase({self.path!r}, shards={self.shard_count})"
