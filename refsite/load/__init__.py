"""All reading: files to typed records, with the source position of every key and log line.

bytes -> text (:mod:`.text`: BOM, CRLF, bad bytes, conflict markers, control characters)
-> the document model (:mod:`.document`: front matter, notes and log sections as line
spans, shared with ``refsite log`` and the merge driver) -> front matter (:mod:`.frontmatter`:
duplicate keys, anchors, YAML traps caught on the node tree) -> fields (:mod:`.schema`, one
public table) and log lines (:mod:`.logline`) -> :class:`~refsite.model.Partner`
(:mod:`.partner`), for every file of a folder (:mod:`.folder`). Every function returns
``(value, problems)`` and never raises on bad input.
"""

from __future__ import annotations

from refsite.load.document import HEADING, LOG_HEADING, Document, parse_document
from refsite.load.folder import (
    IGNORED_FILES,
    SETTINGS_FILE,
    display_path,
    load,
    load_records,
    load_settings,
    partner_files,
    skipped_files,
)
from refsite.load.frontmatter import Mapping_, parse_yaml_mapping
from refsite.load.partner import load_partner
from refsite.load.schema import CONTACT_KEY_SYNONYMS, CONTACT_KEYS, FIELDS, FIELDS_BY_NAME, Field, convert_value
from refsite.load.text import (
    CONFLICT,
    CONFLICT_MARKERS,
    CONTROL,
    TEMP_FILE,
    TEMP_SUFFIX,
    conflict_markers,
    control_characters,
    describe_control,
    read_text,
    shown_name,
)

__all__ = [
    "CONFLICT", "CONFLICT_MARKERS", "CONTACT_KEYS", "CONTACT_KEY_SYNONYMS", "CONTROL", "FIELDS", "FIELDS_BY_NAME",
    "HEADING", "IGNORED_FILES", "LOG_HEADING", "SETTINGS_FILE", "TEMP_FILE", "TEMP_SUFFIX", "Document", "Field",
    "conflict_markers", "control_characters", "convert_value", "describe_control", "display_path", "load",
    "load_partner", "load_records", "load_settings", "parse_document", "partner_files", "read_text", "shown_name",
    "skipped_files", "Mapping_", "parse_yaml_mapping",
]
