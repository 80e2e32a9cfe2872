"""The parsed-records cache (refsite/load/cache.py): a hit only for the same bytes, settings and refsite; anything doubtful is rebuilt."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import generate

from refsite.load import SETTINGS_FILE, load_partner, load_settings, partner_files
from refsite.load import cache as cache_module
from refsite.load.cache import RecordCache, cache_path, parse_files
from refsite.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _settings(folder: Path) -> Settings:
    settings, problems = load_settings(folder / SETTINGS_FILE, f"{folder.name}/{SETTINGS_FILE}")
    assert problems == []
    return settings


def _files(folder: Path) -> list[tuple[Path, str]]:
    return [(path, f"{folder.name}/{path.name}") for path in partner_files(folder)]


def _run(folder: Path, settings: Settings, use_cache: bool) -> tuple[list, RecordCache]:
    cache = RecordCache.for_records(folder, settings).load()

    def parse(path: Path, display: str, data: bytes):
        return load_partner(path, display, settings)

    results = parse_files(_files(folder), parse, cache if use_cache else None)
    if use_cache:
        assert cache.save()
    return results, cache


def _copy_demo(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    shutil.copytree(ROOT / "records", folder)
    return folder


def test_demo_same_results_with_and_without_the_cache(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=False)
    first, cold = _run(folder, settings, use_cache=True)
    second, warm = _run(folder, settings, use_cache=True)
    assert (cold.hits, cold.misses) == (0, len(plain))
    assert (warm.hits, warm.misses) == (len(plain), 0)
    assert first == plain
    assert second == plain
    assert cache_path(folder) == tmp_path / ".refsite-cache" / "records.cache"
    assert (tmp_path / ".refsite-cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_generated_partners_same_results_with_and_without_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    generate(folder, 40, seed=5)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=False)
    _run(folder, settings, use_cache=True)
    cached, warm = _run(folder, settings, use_cache=True)
    assert warm.hits == 40
    assert cached == plain


def test_a_file_changed_with_the_same_size_and_mtime_is_read_again(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    _run(folder, settings, use_cache=True)
    path = folder / "coastline-rehab.md"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "stage: active" in text
    changed = text.replace("stage: active", "stage: former", 1)
    assert len(changed) == len(text)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    results, cache = _run(folder, settings, use_cache=True)
    assert cache.misses == 1
    by_id = {p.id: p for p, _ in results if p is not None}
    assert by_id["coastline-rehab"].stage == "former"


def test_a_checkout_that_resets_mtimes_still_hits(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    for path, _display in _files(folder):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    results, cache = _run(folder, settings, use_cache=True)
    assert (cache.hits, cache.misses) == (len(plain), 0)
    assert results == plain


@pytest.mark.parametrize("cut", [1, 37, 1000, -1])
def test_a_truncated_cache_is_ignored(tmp_path: Path, cut: int) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    stored = cache_path(folder)
    data = stored.read_bytes()
    stored.write_bytes(data[:cut] if cut > 0 else data[:cut])  # -1: only the end frame's last byte missing

    loaded = RecordCache.for_records(folder, settings).load()
    assert loaded.entries == {}
    assert loaded.ignored != ""
    results, cache = _run(folder, settings, use_cache=True)
    assert (cache.hits, cache.misses) == (0, len(plain))
    assert results == plain
    assert RecordCache.for_records(folder, settings).load().ignored == ""  # rebuilt


def test_a_damaged_frame_is_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    _run(folder, settings, use_cache=True)
    stored = cache_path(folder)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    calls = []
    real = cache_module.pickle.loads
    monkeypatch.setattr(cache_module.pickle, "loads", lambda payload: calls.append(1) or real(payload))
    loaded = RecordCache.for_records(folder, settings).load()
    assert loaded.entries == {}
    assert loaded.ignored == "a frame does not match its digest"
    assert len(calls) < len(_files(folder))  # stopped at the damaged frame


def test_a_cache_from_another_version_or_other_settings_is_ignored(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    _run(folder, settings, use_cache=True)
    other_version = RecordCache(cache_path(folder), RecordCache.for_records(folder, settings).settings_key, "0.0.1").load()
    assert other_version.entries == {}
    assert other_version.ignored == "written by another refsite, Python or settings"
    other_settings = RecordCache.for_records(folder, Settings()).load()
    assert other_settings.entries == {}
    assert RecordCache.for_records(folder, settings).load().entries != {}


def test_a_foreign_file_is_ignored(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    stored = cache_path(folder)
    stored.parent.mkdir()
    stored.write_bytes(b"\x80\x04not a refsite cache")
    loaded = RecordCache.for_records(folder, settings).load()
    assert loaded.entries == {}
    assert loaded.ignored == "written by another refsite, Python or settings"


def test_removed_files_leave_the_cache(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    (folder / "coastline-rehab.md").unlink()
    _run(folder, settings, use_cache=True)
    loaded = RecordCache.for_records(folder, settings).load()
    assert len(loaded.entries) == len(plain) - 1
    assert "records/coastline-rehab.md" not in loaded.entries


def test_own_problems_are_cached_with_the_partner(tmp_path: Path) -> None:
    from refsite.checks import partner_problems
    from refsite.load.cache import parse_files_checked

    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    calls: list[str] = []

    def own(partner):
        calls.append(partner.id)
        return partner_problems(partner, settings)

    def parse(path: Path, display: str, data: bytes):
        return load_partner(path, display, settings)

    def run(check=own):
        cache = RecordCache.for_records(folder, settings).load()
        results = parse_files_checked(_files(folder), parse, cache, own=check)
        assert cache.save()
        return results

    plain = parse_files_checked(_files(folder), parse, None, own=own)
    count = len(calls)
    assert count == len([p for p, _, _ in plain if p is not None])
    assert run() == plain  # primes: every partner checked once more
    assert len(calls) == 2 * count
    assert run() == plain  # warm: taken from the cache, not checked again
    assert len(calls) == 2 * count
    for partner, _, _ in run():
        if partner is not None:  # the log still packed; the referrals cached too, and decoded with it
            assert "_packed" in partner.__dict__ and "referrals" not in partner.__dict__
            assert partner.events is partner.__dict__["events"]
            assert partner.__dict__.get("referrals") is not None

    def other(partner):  # another function: its problems are not the cached ones
        calls.append(partner.id)
        return ()

    assert [checked for _, _, checked in run(other)] == [() if p is not None else None for p, _, _ in plain]
    assert len(calls) == 3 * count
    assert [(p, found) for p, found, _ in run(None)] == [(p, found) for p, found, _ in plain]


def test_a_save_copies_the_entries_it_read_and_writes_nothing_when_nothing_changed(tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    stored = cache_path(folder)
    before = stored.stat()
    dumped: list[str] = []
    real = cache_module.pickle.dumps

    def dumps(value, protocol):  # the entries and end frames the cache pickles (not a partner's packed log within)
        if isinstance(value, cache_module.Entry) or value[0] == "end":
            dumped.append(getattr(value, "display", "end"))
        return real(value, protocol)

    monkeypatch.setattr(cache_module.pickle, "dumps", dumps)
    results, warm = _run(folder, settings, use_cache=True)
    assert (warm.hits, results) == (len(plain), plain)
    assert dumped == []
    assert (stored.stat().st_ino, stored.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not written

    path = folder / "coastline-rehab.md"
    path.write_text(path.read_text(encoding="utf-8") + "- 2026-11-20 note: one more\n", encoding="utf-8")
    results, warm = _run(folder, settings, use_cache=True)
    assert (warm.hits, warm.misses) == (len(plain) - 1, 1)
    assert dumped == ["records/coastline-rehab.md", "end"]  # the others copied as they were
    loaded = RecordCache.for_records(folder, settings).load()
    assert loaded.ignored == ""
    assert [(e.partner, list(e.problems)) for e in loaded.entries.values()] == results


def test_a_partner_decoded_lazily_equals_an_eager_one(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    cached, _ = _run(folder, settings, use_cache=True)
    summaries = ("latest_date", "referral_ids", "referrals_in", "intro_lines")
    for (eager, _), (lazy, _) in zip(plain, cached):
        if eager is None:
            continue
        assert "_packed" in lazy.__dict__
        assert [getattr(lazy, name) for name in summaries] == [getattr(eager, name) for name in summaries]
        assert "_packed" in lazy.__dict__  # answered without decoding the log
        assert lazy == eager  # compares the log: decodes it
        assert "_packed" not in lazy.__dict__
        assert (lazy.events, lazy.referrals) == (eager.events, eager.referrals)
        assert all(r.events[0] in lazy.events for r in lazy.referrals)
    assert any(p is not None and p.intro_lines and p.referral_ids for p, _ in plain)  # the demo has both


def test_a_lazy_partner_read_referrals_first(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    cached, _ = _run(folder, settings, use_cache=True)
    eager, lazy = next((e, c) for (e, _), (c, _) in zip(plain, cached) if e is not None and e.referrals)
    assert lazy.referrals == eager.referrals  # decoded with the log, not derived again
    assert lazy.referrals[0].events[0] is lazy.__dict__["events"][lazy.events.index(lazy.referrals[0].events[0])]


def _edit(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8") + f"- 2026-11-20 note: {text}\n", encoding="utf-8")


def test_an_appended_frame_replaces_the_older_entry(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    stored = cache_path(folder)
    before = stored.stat()
    _edit(folder, "coastline-rehab.md", "appended")
    results, warm = _run(folder, settings, use_cache=True)
    after = stored.stat()
    assert after.st_ino == before.st_ino and after.st_size > before.st_size  # appended, not rewritten
    assert stored.read_bytes()[:before.st_size] == _prefix(stored, before.st_size)
    loaded = RecordCache.for_records(folder, settings).load()
    assert loaded.ignored == ""
    assert len(loaded.entries) == len(plain)
    entry = loaded.entries["records/coastline-rehab.md"]
    assert entry.partner is not None and entry.partner.events[-1].text == "appended"
    assert [(e.partner, list(e.problems)) for e in loaded.entries.values()] == results
    again, cache = _run(folder, settings, use_cache=True)
    assert (cache.hits, cache.misses, again) == (len(plain), 0, results)


def _prefix(path: Path, size: int) -> bytes:
    with path.open("rb") as file:
        return file.read(size)


@pytest.mark.parametrize("cut", [1, 40, -1])
def test_a_truncated_appended_cache_is_ignored_whole(tmp_path: Path, cut: int) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    stored = cache_path(folder)
    first = stored.stat().st_size
    _edit(folder, "coastline-rehab.md", "appended")
    _run(folder, settings, use_cache=True)
    data = stored.read_bytes()
    assert len(data) > first
    stored.write_bytes(data[:first + cut] if cut > 0 else data[:cut])  # inside the appended segment
    loaded = RecordCache.for_records(folder, settings).load()
    assert (loaded.entries, loaded.ignored != "") == ({}, True)  # the older segment is not trusted either
    results, cache = _run(folder, settings, use_cache=True)
    assert (cache.hits, cache.misses) == (0, len(plain))
    assert RecordCache.for_records(folder, settings).load().ignored == ""  # rebuilt


def test_the_cache_is_compacted_when_dead_frames_grow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_demo(tmp_path)
    settings = _settings(folder)
    plain, _ = _run(folder, settings, use_cache=True)
    stored = cache_path(folder)
    fresh = stored.stat()
    monkeypatch.setattr(cache_module, "DEAD_SHARE", 0.1)
    inodes = []
    for i in range(8):
        _edit(folder, "coastline-rehab.md", f"edit {i}")
        results, _ = _run(folder, settings, use_cache=True)
        inodes.append(stored.stat().st_ino)
        loaded = RecordCache.for_records(folder, settings).load()
        assert loaded.ignored == ""
        assert [(e.partner, list(e.problems)) for e in loaded.entries.values()] == results
        assert loaded._dead <= 0.1 * stored.stat().st_size
    assert inodes[0] == fresh.st_ino  # the first edits appended
    assert len(set(inodes)) > 1  # then the file was written afresh (atomically: a new file replaced it)
    assert stored.stat().st_size < fresh.st_size * 1.1
    assert list(stored.parent.glob("*.tmp")) == []
