"""The incremental preview (refsite.site.incremental): after any edit, the served site is byte for byte a full build."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import TODAY, tree_state

from refsite import render, site
from refsite.due import due
from refsite.load import load
from refsite.metrics import FactsMemo, Period, all_facts, figures
from refsite.model import Records
from refsite.render.downloads import download_files
from refsite.site.incremental import DueMemo, Preview

FIXTURE = Path(__file__).parent / "fixtures" / "site-records"
LINE = "- 2026-11-20 visit @tom with Leah Ortiz: brought the new knee protocol\n"


def copy_records(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "records")
    return tmp_path / "records"


def digests(folder: Path) -> dict[str, str]:
    """Every file of a site, relative path -> sha256 (nothing left out)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def full_build(records: Path, tmp_path: Path, name: str) -> dict[str, str]:
    layout = site.Layout.find(records, site_dir=tmp_path / name)
    result = site.build(layout, TODAY)
    assert result.built, result.problems
    return digests(tmp_path / name)


def assert_same_as_full_build(preview: Preview, records: Path, tmp_path: Path, name: str) -> None:
    served = digests(preview.layout.site_dir)
    full = full_build(records, tmp_path, name)
    assert sorted(served) == sorted(full)
    assert [p for p in full if served[p] != full[p]] == []


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def test_every_edit_leaves_the_site_a_full_build_would(tmp_path):
    records = copy_records(tmp_path)
    preview = Preview(site.Layout.find(records), TODAY, use_cache=False)
    first = preview.refresh()
    assert (first.built, first.full) == (True, True), first.problems
    assert_same_as_full_build(preview, records, tmp_path, "full-0")

    # A log line appended: the partner's page and the summary pages, not a full build.
    append(records / "harbour.md", LINE)
    step = preview.refresh()
    assert (step.built, step.full) == (True, False), step.problems
    assert 0 < step.pages < first.pages
    assert "brought the new knee protocol" in (preview.layout.site_dir / "partners/harbour.html").read_text("utf-8")
    assert_same_as_full_build(preview, records, tmp_path, "full-1")

    # The edited partner's page first (what `refsite serve` does), then the rest.
    append(records / "harbour.md", "- 2026-11-21 visit @maya with Leah Ortiz: first things first\n")
    quick = preview.refresh(partners_first=True)
    assert (quick.built, quick.full, quick.more, quick.pages) == (True, False, True, 1), quick.problems
    assert "first things first" in (preview.layout.site_dir / "partners/harbour.html").read_text("utf-8")
    rest = preview.refresh(partners_first=True)  # nothing more was edited: the summary pages
    assert (rest.built, rest.more) == (True, False), rest.problems
    assert rest.pages > 0
    assert_same_as_full_build(preview, records, tmp_path, "full-1b")

    # Only the partner's page changes (its notes), but its search entries do: the index follows in the second pass.
    harbour = records / "harbour.md"
    harbour.write_text(harbour.read_text("utf-8").replace("zeppelin poster", "blimp poster"), encoding="utf-8")
    index = preview.layout.site_dir / "search/search_index.json"
    assert preview.refresh(partners_first=True).more
    assert "zeppelin poster" in index.read_text("utf-8")
    rest = preview.refresh(partners_first=True)
    assert (rest.built, rest.more, rest.pages) == (True, False, 0), rest.problems
    assert "blimp poster" in index.read_text("utf-8")
    assert_same_as_full_build(preview, records, tmp_path, "full-1c")

    # Nothing changed: nothing rebuilt.
    assert preview.refresh() == site.incremental.Refresh([], 0, True, False)

    # The front matter edited: a new name (it shows on the pages that name the partner).
    harbour.write_text(harbour.read_text("utf-8").replace("name: Harbour Street Family Practice",
                                                          "name: Harbour Street Medical"), encoding="utf-8")
    step = preview.refresh()
    assert (step.built, step.full) == (True, False), step.problems
    assert_same_as_full_build(preview, records, tmp_path, "full-2")

    # Only its list row and its partners.csv row change (a location), then its calendar (another owner).
    _edit(harbour, "location: Surry Hills", "location: Redfern")
    step = preview.refresh()
    assert (step.built, step.full) == (True, False), step.problems
    assert_same_as_full_build(preview, records, tmp_path, "full-2b")
    _edit(harbour, "owner: maya", "owner: tom")
    step = preview.refresh()
    assert (step.built, step.full) == (True, False), step.problems
    assert_same_as_full_build(preview, records, tmp_path, "full-2c")

    # A partner added, then another deleted.
    (records / "harbour-east.md").write_text(
        harbour.read_text("utf-8").replace("name: Harbour Street Medical", "name: Harbour East").split("## Log")[0]
        + "## Log\n\n- 2026-11-01 visit @maya with Leah Ortiz: first visit\n", encoding="utf-8")
    step = preview.refresh()
    assert step.built and not step.full, step.problems
    assert (preview.layout.site_dir / "partners/harbour-east.html").is_file()
    assert_same_as_full_build(preview, records, tmp_path, "full-3")
    (records / "former.md").unlink()
    step = preview.refresh()
    assert step.built and not step.full, step.problems
    assert not (preview.layout.site_dir / "partners/former.html").exists()
    assert_same_as_full_build(preview, records, tmp_path, "full-4")

    # A file broken: the problem is reported and the last good site stays, byte for byte; then fixed.
    before = digests(preview.layout.site_dir)
    good = (records / "prospect.md").read_text("utf-8")
    (records / "prospect.md").write_text(good.replace("stage: prospect", "stage: nowhere"), encoding="utf-8")
    broken = preview.refresh()
    assert not broken.built
    assert [p.message for p in broken.problems if p.is_error] == [
        "stage: unknown stage 'nowhere' (one of: prospect, active, nurture, former)"]
    assert digests(preview.layout.site_dir) == before
    (records / "prospect.md").write_text(good, encoding="utf-8")
    append(harbour, "- 2026-11-21 note @maya: after the fix\n")
    step = preview.refresh()
    assert step.built and not step.full, step.problems
    assert_same_as_full_build(preview, records, tmp_path, "full-5")

    # The settings changed: a full build (every page names the practice), still the same site.
    settings = records / "settings.yml"
    settings.write_text(settings.read_text("utf-8").replace("Test Physio & Co", "Harbourside Physio"), encoding="utf-8")
    step = preview.refresh()
    assert (step.built, step.full) == (True, True), step.problems
    assert_same_as_full_build(preview, records, tmp_path, "full-6")
    preview.close()


def test_the_problems_are_the_full_builds(tmp_path):
    records = copy_records(tmp_path)
    append(records / "harbour.md", "- 2026-11-19 visit @nobody with Someone Else: a stranger and a typo\n")
    preview = Preview(site.Layout.find(records), TODAY, use_cache=False)
    result = preview.refresh()
    layout = site.Layout.find(records, site_dir=tmp_path / "full")
    assert result.problems == site.build(layout, TODAY).problems
    append(records / "xss.md", "- 2026-11-19 referral-in R-101 service:knee\n")  # R-101 is harbour's too
    result = preview.refresh()
    assert not result.built
    assert result.problems == site.build(layout, TODAY).problems
    preview.close()


def test_summary_contexts_are_page_contexts_without_the_partners(tmp_path):
    records, settings, _ = load(FIXTURE)
    model = render.build_model(records, settings, TODAY)
    files = download_files(model)
    partners = [render.partner_page(model, p) for p in records.partners]
    assert render.page_contexts(model, files) == render.summary_contexts(model, files) + partners


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def _until(check, deadline: float = 120.0) -> bool:
    """Poll ``check`` until it holds or the (generous) deadline passes: no timed assertion."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_real_server_shows_an_edit(tmp_path):
    records = copy_records(tmp_path)
    layout = site.Layout.find(records)
    port = _free_port()
    stops: list = []
    said: list[str] = []
    server = threading.Thread(target=site.serve, args=(layout, TODAY), daemon=True,
                              kwargs={"port": port, "say": said.append, "use_cache": False, "started": stops.append})
    server.start()
    url = f"http://127.0.0.1:{port}/partners/harbour.html"
    try:
        assert _until(lambda: "Harbour Street Family Practice" in _get(url)), said
        append(records / "harbour.md", LINE)
        assert _until(lambda: "brought the new knee protocol" in _get(url)), said
    finally:
        if stops:
            stops[0]()
        server.join(timeout=30)
    assert not server.is_alive()
    assert [s for s in said if s.startswith("Updated ")], said


def test_the_builds_stream_of_pages_is_render_pages():
    records, settings, _ = load(FIXTURE)
    assert dict(sorted(render.iter_pages(records, settings, TODAY))) == render.render_pages(records, settings, TODAY)


def test_the_preview_writes_nothing_in_the_records_folder_and_only_a_marked_site(tmp_path):
    """Full and incremental passes, with the cache on: the records folder changes only by the test's own edit,
    and a site folder that is not refsite's is refused, untouched."""
    records = copy_records(tmp_path)
    preview = Preview(site.Layout.find(records), TODAY, use_cache=True)
    before = tree_state(records)
    assert preview.refresh().built
    harbour = records / "harbour.md"
    append(harbour, LINE)
    edited = tree_state(records)
    assert [preview.refresh(partners_first=True).built, preview.refresh().built] == [True, True]
    assert tree_state(records) == edited
    assert {k for k in edited if edited[k] != before.get(k)} == {"harbour.md"}
    preview.close()

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n", encoding="utf-8")
    kept = tree_state(foreign)
    with pytest.raises(site.SiteDirRefused):
        Preview(site.Layout.find(records, site_dir=foreign), TODAY, use_cache=False).refresh()
    assert tree_state(foreign) == kept


GYM = """---
name: Paddington Strength Gym
category: fitness
stage: active
tier: light
location: Paddington
contacts:
  - name: Sam Lee
    role: owner
---

## Log

- 2026-09-01 visit @maya with Sam Lee: first visit
"""


def _reload(records: Path, kept: Records, changed: set[str]) -> Records:
    """The records with only the ``changed`` files read again: every other partner is the very same object."""
    fresh, _, _ = load(records)
    old = {p.id: p for p in kept.partners}
    partners = [p if p.id in changed or p.id not in old else old[p.id] for p in fresh.partners]
    return Records(tuple(partners))


def test_the_due_memo_is_due_after_edits_that_reach_other_partners(tmp_path):
    """An edit can change another partner's items through the network (refsite.due.network): an introducer's
    name, who could introduce, an introduction line naming a prospect, the people known at an organisation."""
    records = copy_records(tmp_path)
    prospect = records / "prospect.md"
    append(prospect, "- 2026-10-16 value @tom with Amira Haddad: sent a video\n"
                     "- 2026-10-23 value @tom with Amira Haddad: sent the newsletter\n")
    (records / "gym.md").write_text(GYM, encoding="utf-8")
    memo = DueMemo()
    now, settings, _ = load(records)
    assert memo.items(now, settings, TODAY) == due(now, settings, TODAY)
    asks = [i for i in memo.items(now, settings, TODAY) if i.partner_id == "prospect" and i.rule == "introduction"]
    assert [i.introducers for i in asks] == [("gym", "xss")]

    gym = records / "gym.md"
    edits = [
        ("gym", lambda: gym.write_text(GYM.replace("Paddington Strength Gym", "Paddington Power Gym"), "utf-8")),
        ("gym", lambda: gym.write_text(GYM.replace("stage: active", "stage: former"), "utf-8")),
        ("gym", lambda: gym.write_text(GYM, "utf-8")),
        ("harbour", lambda: append(records / "harbour.md",
                                   "- 2026-11-02 intro-asked @maya with Leah Ortiz: asked about Oxford Street Pilates\n")),
        ("harbour", lambda: (records / "harbour.md").write_text(
            (records / "harbour.md").read_text("utf-8").replace("location: Surry Hills", "location: Paddington"),
            "utf-8")),
        ("gym", lambda: gym.write_text(GYM.replace("location: Paddington", "location: Paddington\n"
                                                   "organisation: Harbour Group"), "utf-8")),
        ("xss", lambda: append(records / "xss.md", "- 2026-11-03 note @maya: nothing for the others\n")),
    ]
    for changed, edit in edits:
        edit()
        now = _reload(records, now, {changed})
        assert memo.items(now, settings, TODAY) == due(now, settings, TODAY), changed
    (records / "gym.md").unlink()
    now = _reload(records, now, set())
    assert memo.items(now, settings, TODAY) == due(now, settings, TODAY)


def test_figures_from_kept_shares_are_the_figures(tmp_path):
    """refsite.metrics.figures keeps each partner's share per period on its facts: asking twice, or for
    another grouping of the same facts, gives what fresh facts give."""
    records, settings, _ = load(FIXTURE)
    facts = all_facts(records, settings, TODAY)
    quarter = Period.last_full("quarter", TODAY)
    first = figures(facts, quarter)
    assert figures(facts[1:], quarter) == figures(all_facts(records, settings, TODAY)[1:], quarter)
    assert figures(facts, quarter) == first == figures(all_facts(records, settings, TODAY), quarter)
    memo = FactsMemo()
    kept = all_facts(records, settings, TODAY, memo)
    assert kept == facts and all(a is b for a, b in zip(kept, all_facts(records, settings, TODAY, memo)))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _memo_edits(records: Path) -> list[tuple[str, object]]:
    """Edits that each reach a different part of the downloads and the list rows, as (the id edited, the edit)."""
    harbour, prospect = records / "harbour.md", records / "prospect.md"
    return [
        ("harbour", lambda: _edit(harbour, "location: Surry Hills", "location: Redfern")),  # its CSV row and list row only
        ("harbour", lambda: append(harbour, "- 2026-11-21 referral-in R-104 service:knee\n")),  # a thanks due: new events
        ("prospect", lambda: _edit(prospect, "name: Oxford Street Pilates", "name: Oxford Pilates")),  # a rename
        ("prospect", lambda: _edit(prospect, "owner: tom", "owner: maya")),  # another owner's calendar
        ("xss", lambda: append(records / "xss.md", "- 2026-11-03 note @maya: nothing for the others\n")),
        ("gym", lambda: (records / "gym.md").write_text(GYM, encoding="utf-8")),  # a partner added
        ("former", lambda: (records / "former.md").unlink()),  # and one removed
    ]


def test_the_downloads_memo_gives_the_downloads_after_edits(tmp_path):
    """refsite.render.downloads.DownloadsMemo keeps each item's event and due.csv line and each partner's
    partners.csv line: after every kind of edit the files are the ones made afresh."""
    from refsite.render.downloads import DownloadsMemo

    records = copy_records(tmp_path)
    memo = DownloadsMemo()
    now, settings, _ = load(records)
    model = render.build_model(now, settings, TODAY)
    assert download_files(model, memo) == download_files(model)
    for changed, edit in _memo_edits(records):
        edit()
        now = _reload(records, now, {changed})
        model = render.build_model(now, settings, TODAY)
        assert download_files(model, memo) == download_files(model), changed
    model = render.build_model(now, settings, TODAY + dt.timedelta(days=40))  # another day: every event moves
    assert download_files(model, memo) == download_files(model)


def test_the_rows_memo_gives_the_lists_after_edits(tmp_path):
    """refsite.render.RowsMemo keeps each partner's list row while its record, next item and introducers are the
    same: the lists are the ones made afresh, and an untouched partner's row is the one kept."""
    records = copy_records(tmp_path)
    memo = render.RowsMemo()
    now, settings, _ = load(records)
    model = render.build_model(now, settings, TODAY)
    assert render.list_pages(model, memo) == render.list_pages(model)
    for changed, edit in _memo_edits(records):
        edit()
        now = _reload(records, now, {changed})
        model = render.build_model(now, settings, TODAY)
        kept = {r.id: r for r in render.list_pages(model, memo)[0].rows}
        assert render.list_pages(model, memo) == render.list_pages(model), changed
        again = {r.id: r for r in render.list_pages(model, memo)[0].rows}
        assert all(again[i] is kept[i] for i in kept), changed  # nothing changed: every row reused
    model = render.build_model(now, settings, TODAY + dt.timedelta(days=40))
    assert render.list_pages(model, memo) == render.list_pages(model)


def test_an_edit_between_the_two_passes_is_not_lost(tmp_path, monkeypatch):
    """The pass after a quick one reuses the quick pass's reading only when no file changed in between."""
    from refsite.site import incremental

    reads: list[Path] = []
    monkeypatch.setattr(incremental, "skipped_files", lambda folder, root: reads.append(folder) or [])
    records = copy_records(tmp_path)
    preview = Preview(site.Layout.find(records), TODAY, use_cache=False)
    assert preview.refresh().built
    harbour = records / "harbour.md"
    append(harbour, "- 2026-11-21 referral-in R-104 service:knee\n")
    assert preview.refresh(partners_first=True).more
    append(records / "xss.md", "- 2026-11-21 note @maya: written while the first pass ran\n")
    again = preview.refresh(partners_first=True)  # read again: xss edited, its page first
    assert (again.built, again.more) == (True, True), again.problems
    assert "written while the first pass ran" in (preview.layout.site_dir / "partners/xss.html").read_text("utf-8")
    rest = preview.refresh(partners_first=True)
    assert (rest.built, rest.more) == (True, False), rest.problems
    assert_same_as_full_build(preview, records, tmp_path, "full-between")
    # Nothing in between: the second pass reads nothing again, and the site is still a full build's.
    _edit(harbour, "location: Surry Hills", "location: Redfern")
    reads.clear()
    assert preview.refresh(partners_first=True).more
    rest = preview.refresh(partners_first=True)
    assert (rest.built, rest.more) == (True, False), rest.problems
    assert reads == [records]  # the folder was read once for the two passes
    assert_same_as_full_build(preview, records, tmp_path, "full-after")
    preview.close()


def test_the_facts_memo_finds_when_the_records_begin(tmp_path):
    """FactsMemo.records_start keeps each partner's first date: the same day as records_start after edits."""
    from refsite.metrics import records_start

    records = copy_records(tmp_path)
    memo = FactsMemo()
    now, _, _ = load(records)
    assert memo.records_start(now.partners, TODAY) == records_start(now.partners, TODAY)
    append(records / "xss.md", "- 2020-01-02 note @maya: the earliest line now\n")
    now = _reload(records, now, {"xss"})
    assert memo.records_start(now.partners, TODAY) == records_start(now.partners, TODAY) == dt.date(2020, 1, 2)
    assert memo.records_start(now.partners, dt.date(2019, 1, 1)) is None is records_start(now.partners, dt.date(2019, 1, 1))
    (records / "xss.md").unlink()
    now = _reload(records, now, set())
    assert memo.records_start(now.partners, TODAY) == records_start(now.partners, TODAY) != dt.date(2020, 1, 2)
