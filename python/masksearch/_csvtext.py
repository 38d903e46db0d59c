"""Tables (a pandas DataFrame or a dict of columns) as CSV text for the engine's CSV reader.

The engine reads this text with exactly the code that reads ``ingest --meta meta.csv`` and
``masksearch roi`` files, so the same rules hold (CONTRACT.md section 4, README "Decisions"):

* Values are written so that they read back exactly: ``int`` as decimal digits, ``float`` as
  ``repr(float)`` (the shortest text that parses back to the same double), ``bool`` as 1/0,
  text as it is (quoted by the csv module when it holds a comma, a quote or a line break).
* ``None``, NaN, ``pandas.NA`` and ``NaT`` become an empty field, which the engine reads as NULL
  (in INT64, FLOAT64 and TEXT columns alike: an empty string is NULL too). The recognised
  columns ``mask_id, image_id, model_id, mask_type`` must have every value.
* Infinite floats are refused (the engine accepts finite numbers only).
* The engine infers each extra column's type from the cell text when the database is new: INT64
  when every non-empty cell is an integer, else FLOAT64 when every one is a number, else TEXT.
  So a column of strings that all look like integers becomes INT64, and a float column stays
  FLOAT64 even when its values are whole (``repr(1.0)`` is ``"1.0"``).

Complexity: O(cells) time; the text is built in memory.
"""
from __future__ import annotations

import csv
import io
import math
from typing import Any, Dict, List, Mapping, Sequence

from ._errors import InputError

__all__ = ["table_csv"]


def _columns(table: Any, what: str) -> Dict[str, List[Any]]:
    """The table's columns as {name: list of plain Python values}; a DataFrame's index is ignored."""
    if _is_dataframe(table):
        return {str(name): table[name].tolist() for name in table.columns}
    if isinstance(table, Mapping):
        return {str(name): _as_list(values, what, name) for name, values in table.items()}
    raise InputError(f"{what}: expected a pandas DataFrame or a dict of columns, not {type(table).__name__}")


def _is_dataframe(value: Any) -> bool:
    return type(value).__module__.startswith("pandas") and type(value).__name__ == "DataFrame"


def _as_list(values: Any, what: str, name: Any) -> List[Any]:
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        try:
            values = list(values)
        except TypeError:
            raise InputError(f"{what}: column '{name}' is not a sequence of values") from None
    return list(values)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _cell(value: Any, what: str, column: str, row: int) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            raise InputError(f"{what}: row {row}, column '{column}': {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def table_csv(table: Any, what: str) -> str:
    """The CSV text (header row, then one row per table row) of ``table``; ``what`` names the
    table in error messages (e.g. ``"meta"``)."""
    columns = _columns(table, what)
    if not columns:
        raise InputError(f"{what}: the table has no columns")
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"'{name}' {count}" for name, count in lengths.items())
        raise InputError(f"{what}: the columns have different lengths ({detail})")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    names = list(columns)
    for row, cells in enumerate(zip(*columns.values())):
        texts = [_cell(v, what, names[i], row) for i, v in enumerate(cells)]
        if texts == [""]:
            raise InputError(f"{what}: row {row}, column '{names[0]}': a one-column table cannot hold an empty "
                             "value (the CSV reader takes a line with one empty cell for a blank line)")
        writer.writerow(texts)
    return out.getvalue()
