"""Due items kept with the parsed-records cache (refsite/due/memo.py, refsite.workspace.load_validate_due):
after any edit, reused items equal what is due computed afresh."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import generate

from refsite.cli import cli
from refsite.due import due
from refsite.due.memo import Memo, due_with_memos
from refsite.load import load
from refsite.model import LogEvent, Partner, Records
from refsite.settings import Settings
from refsite.workspace import load_validate_due

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)
STAGES = ("active", "nurture", "prospect", "former")


def _edit(rng: random.Random, records: Records) -> Records:
    """One random edit of the kind that moves other partners' items: who introduced whom, a partner's
    stage, organisation, place, category or name, its contacts, an intro line naming a prospect elsewhere."""
    partners = list(records.partners)
    i = rng.randrange(len(partners))
    partner, other = partners[i], rng.choice(partners)
    prospects = [p for p in partners if p.stage == "prospect"] or partners
    kind = rng.choice(("introduced_by", "stage", "organisation", "location", "category", "name", "contacts", "intro"))
    if kind == "introduced_by":
        changed = dataclasses.replace(partner, introduced_by=rng.choice((other.id, None)))
    elif kind == "stage":
        changed = dataclasses.replace(partner, stage=rng.choice(STAGES))
    elif kind == "organisation":
        changed = dataclasses.replace(partner, organisation=rng.choice((other.organisation, other.name, None)))
    elif kind == "location":
        changed = dataclasses.replace(partner, location=other.location)
    elif kind == "category":
        changed = dataclasses.replace(partner, category=other.category)
    elif kind == "name":
        changed = dataclasses.replace(partner, name=partner.name + " Clinic")
    elif kind == "contacts":
        changed = dataclasses.replace(partner, contacts=partner.contacts[1:] + other.contacts[:1])
    else:
        target = rng.choice(prospects)
        day = TODAY - dt.timedelta(days=rng.randrange(0, 60))
        line = max((e.line for e in partner.events), default=10) + 1
        event = LogEvent(day, rng.choice(("intro-asked", "intro-made")), partner.source.path, line,
                         text=f"asked them to introduce {rng.choice((target.name, target.id))}")
        changed = dataclasses.replace(partner, events=(*partner.events, event))
    partners[i] = changed
    return Records(tuple(partners), records.unreadable)


def _replay(records: Records, settings: Settings, seed: int, edits: int) -> dict[str, int]:
    """Random edits, today and settings changes; each run given the memos of the partners it did not change
    (as the cache gives them: the entry of the same bytes, under the same settings). Returns what happened."""
    rng = random.Random(seed)
    today = TODAY
    items, memos = due_with_memos(records, settings, today, {})
    assert items == due(records, settings, today)
    seen = {"reused": 0, "made again": 0}
    for _ in range(edits):
        before = {p.id: p for p in records.partners}
        change = rng.random()
        if change < 0.1:
            today = today + dt.timedelta(days=rng.choice((-3, 1, 7)))
        elif change < 0.15:
            settings = dataclasses.replace(settings, due_soon_days=settings.due_soon_days + 1)
            memos = {}  # other settings: the cache header no longer matches, no entry is read
        else:
            records = _edit(rng, records)
        given = {pid: memo for pid, memo in memos.items() if records.get(pid) is before.get(pid)}
        items, memos = due_with_memos(records, settings, today, given)
        expected = due(records, settings, today)
        assert items == expected
        assert [repr(i) for i in items] == [repr(i) for i in expected]
        for pid, memo in given.items():
            seen["reused" if memos[pid] is memo else "made again"] += 1
    return seen


def test_memos_after_random_edits_on_the_demo() -> None:
    records, settings, _problems = load(ROOT / "records")
    seen = _replay(records, settings, seed=1, edits=60)
    assert seen["reused"] > 1000
    assert seen["made again"] > 0


def test_memos_after_random_edits_on_generated_partners(tmp_path: Path) -> None:
    generate(tmp_path / "records", 120, seed=3)
    records, settings, _problems = load(tmp_path / "records")
    seen = _replay(records, settings, seed=2, edits=40)
    assert seen["reused"] > 2000
    assert seen["made again"] > 0


def test_a_memo_is_reused_only_while_what_it_read_of_other_partners_holds() -> None:
    records, settings, _problems = load(ROOT / "records")
    _items, memos = due_with_memos(records, settings, TODAY, {})
    asked = [(pid, memo) for pid, memo in memos.items() if any(q == "introducers" for q, _a, _ans in memo.reads)]
    assert asked, "the demo has a prospect who needs an introduction"
    prospect_id, memo = asked[0]
    introducer = next(ans for q, _a, ans in memo.reads if q == "introducers")[0][0]
    # The introducer leaves: the prospect's memo no longer holds, and its items change.
    partners = tuple(dataclasses.replace(p, stage="former") if p.id == introducer else p for p in records.partners)
    edited = Records(partners)
    given = {pid: m for pid, m in memos.items() if edited.get(pid) is records.get(pid)}
    items, again = due_with_memos(edited, settings, TODAY, given)
    assert again[prospect_id] is not memo
    assert items == due(edited, settings, TODAY)
    # Another day: nothing is reused.
    _items, later = due_with_memos(records, settings, TODAY + dt.timedelta(days=1), memos)
    assert not any(later[pid] is memos[pid] for pid in memos)


def test_a_memo_of_an_unknown_question_is_never_reused() -> None:
    records, settings, _problems = load(ROOT / "records")
    partner: Partner = records.partners[0]
    strange = Memo(TODAY, (("weather", (), "sunny"),), ())
    items, memos = due_with_memos(records, settings, TODAY, {partner.id: strange})
    assert memos[partner.id] is not strange
    assert items == due(records, settings, TODAY)


def _copy_demo(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    shutil.copytree(ROOT / "records", folder)
    return folder


def _due_json(folder: Path, *extra: str, today: str = "2026-11-22") -> str:
    result = CliRunner().invoke(cli, ["due", "--records", str(folder), "--today", today, "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_due_and_check_with_the_cache_equal_no_cache_after_edits_on_disk(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    cache_file = tmp_path / ".refsite-cache" / "records.cache"
    assert _due_json(folder) == _due_json(folder, "--no-cache")
    assert cache_file.exists()
    first = cache_file.read_bytes()
    assert _due_json(folder) == _due_json(folder, "--no-cache")
    assert cache_file.read_bytes() == first  # every memo held: nothing written
    # A partner that introduced others changes stage; another's intro line names a prospect.
    introducer = folder / "harbour-street-family-practice.md"
    text = introducer.read_text(encoding="utf-8")
    introducer.write_text(text.replace("stage: active", "stage: former", 1), encoding="utf-8")
    assert _due_json(folder) == _due_json(folder, "--no-cache")
    for today in ("2026-11-23", "2026-06-01"):
        assert _due_json(folder, today=today) == _due_json(folder, "--no-cache", today=today)
    check = CliRunner().invoke(cli, ["check", "--records", str(folder), "--today", "2026-11-22"])
    plain = CliRunner().invoke(cli, ["check", "--records", str(folder), "--today", "2026-11-22", "--no-cache"])
    assert (check.exit_code, check.output) == (plain.exit_code, plain.output)
    assert json.loads(_due_json(folder))  # the demo has items due


def test_no_cache_reads_and_writes_no_cache(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    records, settings, problems, items = load_validate_due(folder, None, TODAY, use_cache=False)
    assert not (tmp_path / ".refsite-cache").exists()
    assert items == due(records, settings, TODAY)
    cached = load_validate_due(folder, None, TODAY, use_cache=True)
    again = load_validate_due(folder, None, TODAY, use_cache=True)
    assert cached[2] == again[2] == problems
    assert cached[3] == again[3] == items
