"""Which column holds which field: usual headers, ``--map COLUMN=FIELD`` and a saved mapping file.

Headers are compared normalised (case, punctuation and spacing ignored). A
column nobody recognises is listed and never read: the importer reads only the
cells of mapped columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from refsite.vocab import normalise_word


@dataclass(frozen=True)
class Columns:
    """field -> column index, and the headers of the columns that are not read."""

    fields: Mapping[str, int]
    unread: tuple[str, ...]

    def has(self, name: str) -> bool:
        return name in self.fields

    def index(self, name: str) -> int | None:
        return self.fields.get(name)


class MappingError(Exception):
    """A --map or mapping-file entry that names no column or no field (a usage error)."""


def map_columns(
    headers: Sequence[str], known: Mapping[str, Sequence[str]], overrides: Mapping[str, str] | None = None,
) -> Columns:
    """Map ``headers`` to the fields of ``known`` (field -> usual headers); ``overrides`` (header -> field) win.

    An override's field may be ``-`` (or ``ignore``) to leave a column unread.
    """
    wanted = {normalise_word(h): f for h, f in (overrides or {}).items()}
    by_header = {normalise_word(h): i for i, h in enumerate(headers)}
    for header, field in wanted.items():
        if header not in by_header:
            raise MappingError(f"no column '{header}' in the file (columns: {', '.join(h for h in headers if h)})")
        if field not in known and field not in ("-", "ignore"):
            raise MappingError(f"no field '{field}' to map a column to (fields: {', '.join(known)})")
    fields: dict[str, int] = {}
    taken: set[int] = set()
    for header, field in wanted.items():  # explicit first
        if field in known:
            fields[field] = by_header[header]
        taken.add(by_header[header])
    for field, names in known.items():  # the first usual header of each field that the file has
        if field in fields:
            continue
        for alias in (field, *names):
            i = by_header.get(normalise_word(alias))
            if i is not None and i not in taken:
                fields[field] = i
                taken.add(i)
                break
    unread = tuple(h or f"(column {i + 1}, no name)" for i, h in enumerate(headers) if i not in taken or
                   (normalise_word(h) in wanted and wanted[normalise_word(h)] in ("-", "ignore")))
    return Columns(fields, unread)


def parse_map(items: Sequence[str]) -> dict[str, str]:
    """``--map "Referring Dr=referrer"`` options as header -> field."""
    found: dict[str, str] = {}
    for item in items:
        header, sep, field = item.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise MappingError(f"'{item}' is not COLUMN=FIELD (e.g. --map \"Referring Dr=referrer\")")
        found[header.strip()] = field.strip().lower()
    return found
