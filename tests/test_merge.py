"""refsite.merge on text: log lines, front-matter keys, notes, bytes kept, Git's merge where refsite cannot read a file."""

from __future__ import annotations

import pytest

from refsite.merge import Conflict, merge_texts, names_driver, with_attribute

FRONT = "---\nname: Harbour Street\ncategory: primary-care\nstage: active\n{extra}---\n"
NOTES = "\nNotes.\n\n"


def doc(log: list[str], extra: str = "", notes: str = NOTES) -> str:
    return FRONT.format(extra=extra) + notes + "## Log\n\n" + "".join(line + "\n" for line in log)


BASE_LOG = ["- 2026-09-01 call", "- 2026-09-03 visit @maya: met the GP", "- 2026-10-01 email"]


def merge(base: str, ours: str, theirs: str):
    return merge_texts(base.encode(), ours.encode(), theirs.encode())


def clean(base: str, ours: str, theirs: str) -> str:
    result = merge(base, ours, theirs)
    assert (result.conflicts, result.by_git) == ((), False), result.data.decode()
    return result.data.decode()


def test_both_append_different_lines_in_date_order():
    ours = doc([*BASE_LOG, "- 2026-10-05 call: ours", "- 2026-10-09 call: ours later"])
    theirs = doc([*BASE_LOG, "- 2026-10-07 call: theirs", "- 2026-10-09 call: theirs later"])
    assert clean(doc(BASE_LOG), ours, theirs) == doc([
        *BASE_LOG, "- 2026-10-05 call: ours", "- 2026-10-07 call: theirs", "- 2026-10-09 call: ours later",
        "- 2026-10-09 call: theirs later",
    ])


def test_a_line_dated_earlier_goes_where_its_date_is():
    theirs = doc([*BASE_LOG, "- 2026-09-02 call: remembered late"])
    ours = doc([*BASE_LOG, "- 2026-10-05 call"])
    assert clean(doc(BASE_LOG), ours, theirs) == doc([
        "- 2026-09-01 call", "- 2026-09-02 call: remembered late", *BASE_LOG[1:], "- 2026-10-05 call",
    ])


def test_the_same_line_added_on_both_sides_is_kept_once():
    both = doc([*BASE_LOG, "- 2026-10-05 call"])
    assert clean(doc(BASE_LOG), both, doc([*BASE_LOG, "- 2026-10-05  call", "- 2026-10-06 email"])) == doc(
        [*BASE_LOG, "- 2026-10-05 call", "- 2026-10-06 email"])


def test_deletions_and_edits_of_one_side_are_taken():
    ours = doc([BASE_LOG[0], BASE_LOG[2], "- 2026-10-05 call"])  # deleted line 2
    theirs = doc([BASE_LOG[0], BASE_LOG[1], "- 2026-10-01 email: sent the protocol"])  # edited line 3
    assert clean(doc(BASE_LOG), ours, theirs) == doc(
        [BASE_LOG[0], "- 2026-10-01 email: sent the protocol", "- 2026-10-05 call"])


def test_two_different_edits_of_a_line_conflict_in_the_log():
    ours = doc([BASE_LOG[0], "- 2026-09-03 visit @maya: met the GP and the nurse", BASE_LOG[2]])
    theirs = doc([BASE_LOG[0], "- 2026-09-03 visit @maya: met Dr Ortiz", BASE_LOG[2]])
    result = merge(doc(BASE_LOG), ours, theirs)
    assert result.conflicts == (Conflict(12, "log"),)
    assert result.data.decode() == doc([
        BASE_LOG[0], "<<<<<<< ours", "- 2026-09-03 visit @maya: met the GP and the nurse", "=======",
        "- 2026-09-03 visit @maya: met Dr Ortiz", ">>>>>>> theirs", BASE_LOG[2],
    ])


def test_an_edit_of_a_line_the_other_side_deleted_conflicts():
    ours = doc([BASE_LOG[0], BASE_LOG[2]])
    theirs = doc([BASE_LOG[0], "- 2026-09-03 visit @maya: met the GP twice", BASE_LOG[2]])
    result = merge(doc(BASE_LOG), ours, theirs)
    assert result.data.decode() == doc([
        BASE_LOG[0], "<<<<<<< ours", "=======", "- 2026-09-03 visit @maya: met the GP twice", ">>>>>>> theirs",
        BASE_LOG[2],
    ])
    assert result.conflicts == (Conflict(12, "log"),)


def test_front_matter_key_by_key():
    base = doc(BASE_LOG, "tier: standard\n")
    ours = doc([*BASE_LOG, "- 2026-10-05 call"], "tier: key\n")
    theirs = doc(BASE_LOG, "tier: standard\nowner: maya\n").replace("stage: active", "stage: nurture")
    assert clean(base, ours, theirs) == doc([*BASE_LOG, "- 2026-10-05 call"], "tier: key\nowner: maya\n").replace(
        "stage: active", "stage: nurture")


def test_the_same_key_changed_differently_conflicts_around_that_key():
    base = doc(BASE_LOG, "tier: standard\n")
    result = merge(base, base.replace("stage: active", "stage: nurture"), base.replace("stage: active", "stage: former"))
    assert result.conflicts == (Conflict(4, "front matter", "stage"),)
    assert result.data.decode() == base.replace(
        "stage: active\n", "<<<<<<< ours\nstage: nurture\n=======\nstage: former\n>>>>>>> theirs\n")


def test_a_key_deleted_on_one_side_and_changed_on_the_other_conflicts():
    base = doc(BASE_LOG, "tier: standard\n")
    result = merge(base, base.replace("tier: standard\n", ""), base.replace("tier: standard", "tier: key"))
    assert result.data.decode() == base.replace("tier: standard\n", "<<<<<<< ours\n=======\ntier: key\n>>>>>>> theirs\n")


CONTACTS = "contacts:\n  - name: Leah Ortiz\n    role: front-desk\n  - name: Priya Natarajan\n    role: physician\n"


def test_contacts_merge_by_name():
    base = doc(BASE_LOG, CONTACTS)
    ours = doc(BASE_LOG, CONTACTS.replace("front-desk", "practice-manager"))
    theirs = doc(BASE_LOG, CONTACTS + "  - name: Sam Lee\n    role: physio\n").replace("physician", "gp")
    assert clean(base, ours, theirs) == doc(
        BASE_LOG, CONTACTS.replace("front-desk", "practice-manager").replace("physician", "gp")
        + "  - name: Sam Lee\n    role: physio\n")


def test_one_contact_changed_differently_conflicts_around_that_contact():
    base = doc(BASE_LOG, CONTACTS)
    result = merge(base, base.replace("front-desk", "practice-manager"), base.replace("front-desk", "reception"))
    assert result.data.decode() == base.replace(
        "  - name: Leah Ortiz\n    role: front-desk\n",
        "<<<<<<< ours\n  - name: Leah Ortiz\n    role: practice-manager\n=======\n"
        "  - name: Leah Ortiz\n    role: reception\n>>>>>>> theirs\n")
    assert [c.part for c in result.conflicts] == ["front matter"]


def test_notes_merge_as_git_merges_text():
    base = doc(BASE_LOG, notes="\nOne.\n\nTwo.\n\nThree.\n\n")
    ours = base.replace("One.", "One, edited.")
    theirs = base.replace("Three.", "Three, edited.") .replace("- 2026-10-01 email", "- 2026-10-01 email\n- 2026-10-02 call")
    assert clean(base, ours, theirs) == base.replace("One.", "One, edited.").replace("Three.", "Three, edited.").replace(
        "- 2026-10-01 email", "- 2026-10-01 email\n- 2026-10-02 call")
    result = merge(base, base.replace("Two.", "Two A."), base.replace("Two.", "Two B."))
    assert [c.part for c in result.conflicts] == ["notes"]
    assert "<<<<<<< ours\nTwo A.\n=======\nTwo B.\n>>>>>>> theirs\n" in result.data.decode()


def test_a_section_after_the_log_is_merged_as_notes():
    base = doc(BASE_LOG) + "\n## Later\n\ntext\n"
    ours = base.replace("- 2026-10-01 email\n", "- 2026-10-01 email\n- 2026-10-05 call\n")
    theirs = base.replace("text\n", "text, edited\n").replace("- 2026-10-01 email\n", "- 2026-10-01 email\n- 2026-10-06 call\n")
    assert clean(base, ours, theirs) == base.replace("text\n", "text, edited\n").replace(
        "- 2026-10-01 email\n", "- 2026-10-01 email\n- 2026-10-05 call\n- 2026-10-06 call\n")


@pytest.mark.parametrize(("bom", "newline"), [("", "\r\n"), ("\ufeff", "\n"), ("\ufeff", "\r\n")])
def test_bom_and_line_endings_are_kept(bom, newline):
    def raw(text: str) -> str:
        return bom + text.replace("\n", newline)

    base = doc(BASE_LOG)
    ours = doc([*BASE_LOG, "- 2026-10-05 call"])
    theirs = doc([*BASE_LOG, "- 2026-10-06 call"], "tier: key\n")
    assert clean(raw(base), raw(ours), raw(theirs)) == raw(doc([*BASE_LOG, "- 2026-10-05 call", "- 2026-10-06 call"], "tier: key\n"))


def test_a_missing_final_newline_is_kept():
    base = doc(BASE_LOG).rstrip("\n")
    merged = clean(base, base + "\n- 2026-10-05 call", base.replace("stage: active", "stage: nurture"))
    assert merged == base.replace("stage: active", "stage: nurture") + "\n- 2026-10-05 call"


@pytest.mark.parametrize("ours", [
    "---\nname: x\n<<<<<<< ours\nstage: a\n=======\nstage: b\n>>>>>>> theirs\n---\n",  # already conflicted
    "no front matter\nat all\n",
    "---\nname: x\n? complex\n---\n",
    "---\nname: x\nstage: a\n---\r\n\n## Log\n",  # mixed line endings
])
def test_what_refsite_cannot_read_is_merged_by_git(ours):
    base = "---\nname: x\nstage: a\n---\nend\n"
    theirs = base.replace("end", "end, theirs").replace("stage: a", "stage: b")
    result = merge(base, ours, theirs)
    assert result.by_git


def test_git_fallback_reports_its_conflicts():
    result = merge("a\nb\nc\n", "a\nB1\nc\n", "a\nB2\nc\n")
    assert (result.by_git, result.conflicts) == (True, (Conflict(2, "file"),))
    assert result.data == b"a\n<<<<<<< ours\nB1\n=======\nB2\n>>>>>>> theirs\nc\n"


def test_one_side_unchanged_takes_the_other_byte_for_byte():
    base = doc(BASE_LOG).encode()
    other = b"\xff not even text"
    assert merge_texts(base, base, other).data == other
    assert merge_texts(base, other, base).data == other


def test_gitattributes_line():
    assert with_attribute("") == "records/*.md merge=refsite\n"
    assert with_attribute("*.png binary") == "*.png binary\nrecords/*.md merge=refsite\n"
    assert with_attribute("*.png binary\r\n") == "*.png binary\r\nrecords/*.md merge=refsite\r\n"
    assert with_attribute("records/*.md  merge=refsite text\n") is None
    assert names_driver("# records/*.md merge=refsite\n*.png binary\nrecords/*.md merge=refsite\n") == 3
    assert names_driver("*.md merge=union\n") is None


def test_a_rewritten_log_keeps_the_rewrite_and_the_other_sides_line():
    base_log = [f"- 2026-{m:02d}-{d:02d} call: first" for m in range(1, 5) for d in range(1, 29)]
    ours_log = [line.replace("first", "second note") for line in base_log]
    merged = clean(doc(base_log), doc(ours_log), doc([*base_log, "- 2026-05-01 email"]))
    assert merged == doc([*ours_log, "- 2026-05-01 email"])


def test_an_internal_failure_falls_back_to_git(monkeypatch):
    import refsite.merge

    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(refsite.merge, "_merge_parts", broken)
    base = doc(BASE_LOG)
    result = merge(base, doc([*BASE_LOG, "- 2026-10-05 call"]), doc(BASE_LOG, "tier: key\n"))
    assert (result.by_git, result.conflicts) == (True, ())
    assert result.data.decode() == doc([*BASE_LOG, "- 2026-10-05 call"], "tier: key\n")


def test_both_sides_start_the_log():
    from refsite.load.document import parse_document

    base = FRONT.format(extra="") + NOTES
    ours = parse_document(base).with_log_line("- 2026-10-05 call")[0]
    theirs = parse_document(base.replace("stage: active", "stage: nurture")).with_log_line("- 2026-10-04 email")[0]
    assert clean(base, ours, theirs) == doc(["- 2026-10-04 email", "- 2026-10-05 call"]).replace(
        "stage: active", "stage: nurture").replace("Notes.\n\n## Log", "Notes.\n\n\n## Log")


def test_a_log_deleted_on_one_side_and_added_to_on_the_other_is_left_to_git():
    base = doc(BASE_LOG)
    result = merge(base, FRONT.format(extra="") + NOTES, doc([*BASE_LOG, "- 2026-10-05 call"]))
    assert result.by_git and result.conflicts
