"""masksearch: the mask database engine running inside the Python process.

    import masksearch
    with masksearch.connect("db") as db:
        db.ingest(masks, meta={"image_id": [...], "mask_type": [...]})
        r = db.query("SELECT mask_id, CP(mask, full, 0.8, 1.0) AS v FROM masks ORDER BY v DESC LIMIT 5")
        r.columns, r.rows, r.stats, r.to_pandas()
        db.mask(r.rows[0][0])          # (H, W) float32

See the project's CONTRACT.md section 9 and README "Python". Engine calls release the GIL; a
connection may be used from several threads.
"""
from ._connection import Connection, connect
from ._errors import Error, InputError, InternalError, QueryError
from ._native import engine_version
from ._result import Result

__all__ = ["connect", "Connection", "Result", "Error", "QueryError", "InputError", "InternalError", "__version__"]

__version__: str = engine_version()
