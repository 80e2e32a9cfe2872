"""The one CSV writer and the one JSON serialiser.

Every table refsite writes (``refsite due --format csv``, ``refsite export``, ``refsite
report --format csv``, the site's downloads) goes through :func:`csv_text`:

- a text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, so a partner named
  ``=HYPERLINK(...)`` stays text;
- a number column holds a number or nothing, never ``n/a``;
- ``excel=True`` writes what Excel on Windows reads without garbling accented names:
  a UTF-8 byte-order mark and CRLF line ends. The default is plain UTF-8 with LF,
  which every other tool reads.

Every JSON document goes through :func:`to_json` (and :func:`plain` for the values):
dates as ``YYYY-MM-DD``, money as exact decimal strings, floats to four places,
dataclasses as objects.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def plain(value: Any) -> Any:
    """A value as JSON-ready data: dataclasses as objects (a trailing '_' dropped from field names),
    Decimal as an exact string, dates as ISO text, floats to four places, tuples as lists."""
    if hasattr(value, "as_dict") and callable(value.as_dict):
        return plain(value.as_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name.rstrip("_"): plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value) if isinstance(value, (frozenset, set)) else value
        return [plain(v) for v in items]
    return str(value)


def to_json(data: Any) -> str:
    """JSON for programs: two-space indent, UTF-8 as is, a final newline."""
    return json.dumps(plain(data), indent=2, ensure_ascii=False) + "\n"


def csv_cell(value: Any) -> Any:
    """One CSV cell: None as nothing, a formula-looking text made inert, numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (int, Decimal)):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        value = " ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], excel: bool = False) -> str:
    """A header and its rows as CSV (see the module docstring for the guard and ``excel``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if excel else "\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return (BOM if excel else "") + buffer.getvalue()


@dataclass(frozen=True)
class Table:
    """A named export: its columns and rows, written as CSV (:meth:`csv`) or JSON (:meth:`json`).

    The JSON form is a list of objects keyed by the columns, with list-valued cells
    kept as lists (the CSV joins them with spaces).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def csv(self, excel: bool = False) -> str:
        return csv_text(self.columns, self.rows, excel)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def json(self) -> str:
        return to_json(self.records())

    def where(self, keep: Any) -> Table:
        """The rows for which ``keep(record)`` is true (record: the row as a dict)."""
        return Table(self.columns, tuple(row for row in self.rows if keep(dict(zip(self.columns, row)))))
