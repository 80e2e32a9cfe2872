"""Reading records creates no reference cycles, so pausing the cycle collector while reading is safe.

refsite/load/folder.py pauses Python's cycle collector while it reads a folder and
freezes what it read (see ``_no_cycle_collection``); that is only right while
reading leaves no cyclic garbage behind, which these tests check on valid and
invalid records alike.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from refsite.load import load, load_partner, load_settings, partner_files

FIXTURES = Path(__file__).parent / "fixtures"
# Hidden folders are not fixtures (a command run on a fixture may leave .refsite-cache/ beside it).
FOLDERS = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.is_dir() and not p.name.startswith(".")) + [
    FIXTURES / "valid-bom-crlf"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_reading_leaves_no_cyclic_garbage(folder: Path) -> None:
    settings, _ = load_settings(folder / "settings.yml", "settings.yml")
    gc.collect()
    gc.disable()
    try:
        read = [load_partner(path, path.name, settings) for path in partner_files(folder)]
        del read
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_collector_is_back_on_after_reading() -> None:
    records, _settings, _problems = load(FIXTURES / "valid-bom-crlf")
    assert gc.isenabled()
    assert records.partners


def test_a_paused_collector_stays_paused() -> None:
    gc.disable()
    try:
        load(FIXTURES / "valid-bom-crlf")
        assert not gc.isenabled()
    finally:
        gc.enable()
