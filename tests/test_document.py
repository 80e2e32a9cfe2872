"""refsite.load.document: one model of a partner file's parts, agreeing with the loader line for line."""

from __future__ import annotations

from pathlib import Path

import pytest

from refsite import load
from refsite.load import load_partner
from refsite.load.document import HEADING, LOG_HEADING, Span, parse_document, split_lines
from refsite.problems import Source
from refsite.settings import Member, Settings

SETTINGS = Settings(team=(Member("maya", "Maya Chen", Source("s", 1)),), default_owner="maya")
HEAD = "---\nname: Harbour Street\ncategory: primary-care\nstage: active\n---\n\nNotes.\n"


def test_the_section_rules_are_the_loaders():
    # One rule until the loader imports these from refsite.load.document (see docs in the module).
    assert load.LOG_HEADING is LOG_HEADING  # one rule: the loader uses the document model's
    assert load.HEADING is HEADING


def test_parts_and_spans():
    text = HEAD + "\n## Log\n\n- 2026-09-03 call\n\n## Later\n\ntext\n"
    doc = parse_document(text)
    assert doc.front_matter == Span(1, 4)
    assert doc.body == Span(5, 16)
    assert doc.log_heading == 8 and doc.log_lines == Span(9, 12)
    assert doc.notes == (Span(5, 8), Span(12, 16))
    assert doc.insert_line() == 11
    assert doc.text() == text


def test_lines_split_where_the_loader_splits_only():
    assert split_lines("a\r\nb\rc\nd\x0ce\u2028f") == (["a", "b", "c", "d\x0ce\u2028f"], ["\r\n", "\r", "\n", ""])
    assert split_lines("a\n") == (["a", ""], ["\n", ""])


@pytest.mark.parametrize("raw", [
    "\ufeff" + HEAD.replace("\n", "\r\n") + "\r\n## Log\r\n\r\n- 2026-09-03 call\r\n",
    HEAD + "\n## Log\n\n- 2026-09-03 call",
    HEAD.replace("\n", "\r") + "\r## Log\r- 2026-09-03 call\r",
])
def test_text_comes_back_byte_for_byte(raw):
    doc = parse_document(raw)
    assert doc.text() == raw
    assert doc.log_heading == 8


@pytest.mark.parametrize("body", [
    "\n## Log\n\n- 2026-09-03 call\n\n## Later\n\n- 2026-09-04 call\n",
    "\n## Log\n- 2026-09-03 call\n##\tAfter\ntext\n",
    "\n## Log\n- 2026-09-03 call\n#\tTitle\n## log \n- 2026-09-05 call\n",
    "\n## LOG\n- 2026-09-03 call\n### Sub\n- 2026-09-04 call\n",
    "\n##Log\n- 2026-09-03 call\n",
])
def test_log_sections_are_the_lines_the_loader_reads(tmp_path: Path, body):
    path = tmp_path / "harbour.md"
    path.write_text(HEAD + body, encoding="utf-8")
    partner, _problems = load_partner(path, "harbour.md", SETTINGS)
    assert partner is not None
    doc = parse_document(HEAD + body)
    in_log = {i + 1 for section in doc.logs for i in section.lines}
    assert {e.source.line for e in partner.events} <= in_log
    notes = "\n".join(line for span in doc.notes for line in doc.span_text(span)).strip("\n")
    assert notes == partner.notes


def test_a_heading_with_a_tab_ends_the_log_for_appends_too():
    # authoring._insert_at looked for '## ' and so appended below '##<TAB>After', into the notes.
    text = HEAD + "\n## Log\n\n- 2026-09-03 call\n##\tAfter\ntext\n"
    doc = parse_document(text)
    assert doc.log_lines == Span(9, 11)
    new, at = doc.with_log_line("- 2026-11-22 visit")
    assert at == 11
    assert new == HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit\n##\tAfter\ntext\n"


@pytest.mark.parametrize(("before", "after"), [
    (HEAD + "\n## Log\n\n- 2026-09-03 call\n", HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n"),
    (HEAD + "\n## Log\n\n- 2026-09-03 call", HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n"),
    (HEAD + "\n## Log\n\n- 2026-09-03 call\n\n\n", HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n\n\n"),
    (HEAD + "\n## Log\n\n- 2026-09-03 call\n\n## Later\n\ntext\n",
     HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n\n## Later\n\ntext\n"),
    (HEAD + "\n## Log\n", HEAD + "\n## Log\n- 2026-11-22 visit @maya\n"),
    (HEAD, HEAD + "\n## Log\n\n- 2026-11-22 visit @maya\n"),
    (HEAD.rstrip("\n"), HEAD + "\n## Log\n\n- 2026-11-22 visit @maya\n"),
    ("\ufeff" + (HEAD + "\n## Log\n\n- 2026-09-03 call\n").replace("\n", "\r\n"),
     "\ufeff" + (HEAD + "\n## Log\n\n- 2026-09-03 call\n- 2026-11-22 visit @maya\n").replace("\n", "\r\n")),
])
def test_appending_adds_only_the_new_bytes(before, after):
    # The same expectations as tests/test_authoring.py's append_event tests.
    assert parse_document(before).with_log_line("- 2026-11-22 visit @maya")[0] == after


def test_without_front_matter():
    doc = parse_document("just text\n## Log\n- 2026-09-03 call\n")
    assert doc.front_matter is None
    assert parse_document("---\nname: x\n").front_matter is None
    assert parse_document("---\nname: x\n").opens_front_matter
    assert not parse_document("just text\n").opens_front_matter
    assert parse_document("").lines == ("",)


def test_conflict_markers_and_endings():
    doc = parse_document("---\n<<<<<<< ours\nstage: active\n=======\nstage: former\n>>>>>>> theirs\n---\r\n")
    assert doc.conflict_lines() == [1, 3, 5]
    assert doc.mixed_endings and doc.newline == "\n"
