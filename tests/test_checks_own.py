"""A partner's own problems (refsite.checks.OWN, partner_problems): found as it is read, cached with it, and
the same problems validate finds without them; the privacy guard's one search over a partner's texts."""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from pathlib import Path

from conftest import TODAY, generate, run_cli

from refsite import privacy
from refsite.checks import CHECKS, OWN, check_dates_not_future, partner_privacy, partner_problems, privacy_texts
from refsite.load import load
from refsite.model import Records
from refsite.problems import Problem, error, sort_problems, warning
from refsite.settings import Settings
from refsite.validate import validate
from refsite.workspace import load_and_validate

ROOT = Path(__file__).resolve().parent.parent
PRIVACY_FIXTURE = ROOT / "tests" / "fixtures" / "privacy"

# The cue as it was written before it was rewritten to start with one character set.
PLAIN_CUE = re.compile(r"[\d@]|(?i:patient|client|\bpt\b)|\b(?:Mr|Mrs|Ms|Miss|Master|Mstr)\b")


def test_the_cue_matches_where_the_plain_cue_matches() -> None:
    pieces = [*"pPtTaAiInNcClLeEMrRsS s\n.-_@1éİı", "patient", "PATIENT", "client", "Mr", "Mrs", "Ms", "Miss",
              "Master", "Mstr", "pt", "PT", "xpt", "Mx", "aMr"]
    rng = random.Random(18)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        for at in range(len(text) + 1):
            assert (privacy._CUE.match(text, at) is None) == (PLAIN_CUE.match(text, at) is None), (text, at)


def test_first_cue_over_joined_texts() -> None:
    texts = ["saw Leah", "pads at 3", "nothing", "spoke with Mrs Kettle", "apt", "Mr"]
    joined = "\n".join(texts)
    found = []
    at = privacy.first_cue(joined, 0)
    while at >= 0:
        found.append(at)
        at = privacy.first_cue(joined, at + 1)
    assert found == [joined.index("3"), joined.index("Mrs"), joined.rindex("Mr")]  # "apt" is not the word pt
    assert privacy.first_cue("no cue here", 0) == -1


def _privacy_as_before(partner, settings: Settings) -> list[Problem]:
    """check_privacy as it was: every text searched for a cue on its own."""
    report = error if settings.privacy == "error" else warning
    in_log = {e.line for e in partner.events}
    found = []
    for source, text in privacy_texts(partner):
        if not privacy.has_cue(text):
            continue
        silencer = privacy.LOG_ATTRIBUTE if source.line in in_log else f"a trailing {privacy.MARKER}"
        for finding in privacy.find(text, _allowed(partner, settings)):
            found.append(report(source, f"{finding.message}; if it is not about a patient, mark the line with {silencer}",
                                check="privacy"))
    return found


def _allowed(partner, settings):
    from refsite.checks import privacy_allowed

    return privacy_allowed(partner, settings)


def test_the_privacy_guard_finds_what_it_found_line_by_line(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    generate(folder, 30, seed=7)
    lines = ["- 2026-03-02 note @maya: Mrs Walsh (DOB 14/03/1958) booked in",
             "- 2026-03-03 note: call 0412 345 678 about pt Harris",
             "- 2026-03-04 note: Medicare 2123 45670 1 on file"]
    for i, path in enumerate(sorted(folder.glob("*.md"))[:9]):
        path.write_text(path.read_text(encoding="utf-8") + lines[i % 3] + "\n", encoding="utf-8")
    shutil.copy(PRIVACY_FIXTURE / "harbour.md", folder / "harbour.md")
    records, settings, _ = load(folder)
    seen = 0
    for partner in records.partners:
        assert list(partner_privacy(partner, settings)) == _privacy_as_before(partner, settings), partner.id
        seen += len(_privacy_as_before(partner, settings))
    assert seen >= 15


def _own_as_before(records: Records, settings: Settings) -> list[Problem]:
    """The problems of the OWN checks run over the whole records, as CHECKS runs them."""
    found: list[Problem] = []
    for check in OWN:
        found += check(records, settings, TODAY)
    return sort_problems(found)


def test_partner_problems_are_the_own_checks(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    generate(folder, 60, seed=3)
    shutil.copytree(ROOT / "tests" / "fixtures" / "invalid", tmp_path / "invalid")
    for where in (folder, tmp_path / "invalid", ROOT / "records", PRIVACY_FIXTURE):
        records, settings, _ = load(where)
        mine = sort_problems([p for partner in records.partners for p in partner_problems(partner, settings)])
        assert mine == _own_as_before(records, settings)


def test_validate_takes_the_problems_found_as_read_and_finds_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    generate(folder, 40, seed=11)
    shutil.copy(PRIVACY_FIXTURE / "harbour.md", folder / "harbour.md")
    checked, settings, _ = load(folder, own_checks=partner_problems)
    plain, plain_settings, _ = load(folder)
    assert set(checked.checked) == {p.id for p in checked.partners}
    assert plain.checked == {}
    assert validate(checked, settings, TODAY) == validate(plain, plain_settings, TODAY)
    assert any(p.check == "privacy" for p in validate(checked, settings, TODAY))


def test_validate_checks_again_what_it_cannot_trust(tmp_path: Path) -> None:
    shutil.copy(PRIVACY_FIXTURE / "harbour.md", tmp_path / "harbour.md")
    records, settings, _ = load(tmp_path, own_checks=lambda partner, settings: ())  # finds nothing
    partner = records.partners[0]
    assert records.own_problems(partner, settings) == ()
    assert validate(records, settings, TODAY) == []  # taken as found
    # another settings object, another partner object, or some of the checks only: checked again
    assert len(validate(records, dataclasses.replace(settings), TODAY)) == 6
    moved = Records((dataclasses.replace(partner),), records.unreadable, records.checked)
    assert moved.own_problems(moved.partners[0], settings) is None
    assert len(validate(moved, settings, TODAY)) == 6
    some = tuple(c for c in CHECKS if c is not check_dates_not_future and c.__name__ != "check_authors")
    assert len(validate(records, settings, TODAY, some)) == 6


def test_records_as_of_an_earlier_day_check_a_shortened_partner_again(tmp_path: Path) -> None:
    (tmp_path / "settings.yml").write_text("team:\n  - id: maya\n    name: Maya Chen\n", encoding="utf-8")
    (tmp_path / "harbour.md").write_text(
        "---\nname: Harbour\ncategory: primary-care\nstage: active\n---\n\n## Log\n\n"
        "- 2026-01-05 visit @maya: pads\n- 2026-06-01 call @zoe: later\n", encoding="utf-8")
    today = TODAY.replace(year=2026, month=3, day=1)
    _records, _settings, problems = load_and_validate(tmp_path, None, today, as_of=True)
    assert [str(p) for p in problems if p.check == "team"] == []  # the later line (an unknown author) is left out
    _records, _settings, problems = load_and_validate(tmp_path, None, TODAY)
    assert [p.message for p in problems if p.check == "team"] == ["@zoe is not on the team (team: maya)"]


def _outputs(folder: Path, *extra: str) -> dict[str, tuple[int, str]]:
    out = {}
    for name, args in {"check": ["check"], "validate-json": ["validate", "--format", "json"],
                       "due-json": ["due", "--format", "json"]}.items():
        result = run_cli(*args, "--records", folder, "--today", TODAY.isoformat(), *extra)
        out[name] = (result.exit_code, result.output)
    return out


def test_outputs_are_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "gen" / "records"
    generate(folder, 20, seed=2)
    shutil.copy(PRIVACY_FIXTURE / "harbour.md", folder / "harbour.md")
    demo = tmp_path / "demo" / "records"
    shutil.copytree(ROOT / "records", demo)
    for where in (folder, demo):
        plain = _outputs(where, "--no-cache")
        assert not (where.parent / ".refsite-cache").exists()
        cold = _outputs(where)  # the first command primes the cache, the others hit it
        assert (where.parent / ".refsite-cache").is_dir()
        first = sorted(where.glob("*.md"))[1]
        first.write_text(first.read_text(encoding="utf-8") + "- 2026-11-20 note: Mrs Walsh (DOB 14/03/1958) booked in\n", encoding="utf-8")
        changed_plain = _outputs(where, "--no-cache")
        changed_warm = _outputs(where)
        assert cold == plain
        assert changed_warm == changed_plain
        assert changed_plain != plain
    assert "privacy" in " ".join(o for _, o in _outputs(folder).values())
