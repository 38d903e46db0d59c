"""The result of a query: the columns, rows and stats of ``masksearch query --format json``."""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

__all__ = ["Result", "Value"]

Value = Union[int, float, str, None]


class Result:
    """A query's result (CONTRACT.md sections 3, 4 and 9).

    Attributes:
        columns: the result's column names, in SELECT order.
        rows: one tuple per row of plain ``int``, ``float``, ``str`` or ``None`` (NULL) values, in
            the query's order — exactly the values the CLI prints with ``--format json``.
        stats: the ``stats`` object of the JSON (``masks_total``, ``masks_targeted``, ``pruned``,
            ``accepted_by_index``, ``verified``, ``fml``, ``newly_indexed``, ``elapsed_ms``, ...).
    """

    __slots__ = ("columns", "rows", "stats")

    def __init__(self, columns: List[str], rows: List[Tuple[Value, ...]], stats: Dict[str, Any]) -> None:
        self.columns = columns
        self.rows = rows
        self.stats = stats

    @classmethod
    def from_json(cls, text: str) -> "Result":
        """Parses the JSON object of ``query --format json`` (integers stay ``int``, doubles
        ``float``, null ``None``). O(size of the text)."""
        document = json.loads(text)
        rows = [tuple(row) for row in document["rows"]]
        return cls(list(document["columns"]), rows, dict(document.get("stats", {})))

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` with the result's columns (needs pandas: install
        ``masksearch[pandas]``)."""
        try:
            import pandas  # type: ignore[import-untyped, unused-ignore]
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("Result.to_pandas() needs pandas: pip install 'masksearch[pandas]'") from error
        return pandas.DataFrame.from_records(self.rows, columns=self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Tuple[Value, ...]]:
        return iter(self.rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self.columns == other.columns and self.rows == other.rows

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        elapsed: Optional[Any] = self.stats.get("elapsed_ms")
        return f"<masksearch.Result columns={self.columns!r} rows={len(self.rows)} elapsed_ms={elapsed!r}>"
