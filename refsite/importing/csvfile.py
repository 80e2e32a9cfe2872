"""A CSV file as spreadsheets write it: BOM, CRLF, Windows-1252, ';', quoted line breaks, blank edges.

:func:`read_table` turns bytes into a :class:`Table` of rows named by their
spreadsheet row number (the header is row 1). Cells are kept as written (a
phone's leading zero stays), only trimmed of surrounding spaces.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass


class TableError(Exception):
    """The file cannot be read as a table (the message says why, without quoting any cell)."""


@dataclass(frozen=True)
class Row:
    number: int  # the spreadsheet's row number: the header is row 1
    cells: tuple[str, ...]

    def get(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str  # what the bytes were read as
    delimiter: str


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and the encoding used: a BOM wins, then ``encoding``, then UTF-8, else Windows-1252."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name), name
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError as exc:
            raise TableError(f"unknown encoding '{encoding}' (try utf-8 or cp1252)") from exc
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise TableError(f"line {line} is not {encoding} (byte 0x{data[exc.start]:02x}); try another --encoding") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Excel's "CSV" on Windows: Windows-1252. Its five undefined bytes are kept as the C1 characters.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _delimiter(text: str) -> str:
    """',', ';' or a tab: whichever the header line uses most (outside quotes)."""
    header, quoted = [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        header.append(char)
    line = "".join(header)
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_table(data: bytes, encoding: str | None = None) -> Table:
    """Read a CSV export. Raises :class:`TableError` when there is no header row."""
    text, used = decode(data, encoding)
    if "\x00" in text:
        raise TableError("the file contains NUL bytes: is it a spreadsheet saved as CSV (not .xlsx)?")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw = [[cell.strip() for cell in row] for row in reader]
    except csv.Error as exc:
        raise TableError(f"not a readable CSV file near line {reader.line_num}: {exc}") from exc
    numbered = [(i, cells) for i, cells in enumerate(raw, 1)]
    while numbered and not any(numbered[-1][1]):  # blank trailing rows
        numbered.pop()
    if not numbered:
        raise TableError("the file is empty: it needs a header row and at least one row")
    header_at, headers = numbered[0]
    width = max(len(cells) for _, cells in numbered)
    headers = headers + [""] * (width - len(headers))
    while width and not headers[width - 1] and not any(len(c) >= width and c[width - 1] for _, c in numbered):
        width -= 1  # blank trailing columns
    if not any(headers[:width]):
        raise TableError("the first row has no column names: the file needs a header row")
    rows = tuple(
        Row(number, tuple((cells + [""] * width)[:width]))
        for number, cells in numbered[1:] if any(cells)
    )
    return Table(tuple(headers[:width]), rows, used, delimiter)
