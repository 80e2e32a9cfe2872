"""The benchmark's generator (benchmarks/generate.py): deterministic for a seed, and its output validates clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GENERATOR, TODAY, generate

from refsite.workspace import load_and_validate


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 20, seed=3)
    generate(tmp_path / "b", 20, seed=3)
    assert len(first) == 20
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert len(a) == 21  # 20 partners and settings.yml
    assert "settings.yml" in a
    assert a == b


def test_other_seed_other_partners(tmp_path: Path) -> None:
    generate(tmp_path / "a", 20, seed=3)
    generate(tmp_path / "b", 20, seed=4)
    assert _tree(tmp_path / "a") != _tree(tmp_path / "b")


def test_smaller_run_is_a_prefix(tmp_path: Path) -> None:
    small = generate(tmp_path / "small", 10, seed=3)
    large = generate(tmp_path / "large", 20, seed=3)
    assert [p.name for p in small] == [p.name for p in large[:10]]
    assert [p.read_bytes() for p in small] == [p.read_bytes() for p in large[:10]]


def test_output_validates_clean(tmp_path: Path) -> None:
    generate(tmp_path, 20, seed=3)
    records, settings, problems = load_and_validate(tmp_path, None, TODAY)
    assert [str(p) for p in problems] == []
    assert len(records.partners) == 20
    assert [m.id for m in settings.team] == ["maya", "tom", "sam"]
    events = [e for p in records.partners for e in p.events]
    assert all(e.date <= TODAY for e in events)
    assert {e.kind for e in events} >= {"referral-in", "thanks", "call", "email"}
    assert any(r.status == "discharged" and r.value is not None for p in records.partners for r in p.referrals)


def test_cli_writes_and_refuses_a_used_folder(tmp_path: Path, capsys) -> None:
    assert GENERATOR.main([str(tmp_path / "out"), "--partners", "5", "--seed", "1"]) == 0
    assert capsys.readouterr().out.startswith(f"5 partners written to {tmp_path / 'out'} (")
    assert len(list((tmp_path / "out").glob("*.md"))) == 5
    with pytest.raises(SystemExit) as exc:
        GENERATOR.main([str(tmp_path / "out"), "--partners", "5"])
    assert exc.value.code == 2
    assert "already holds .md files" in capsys.readouterr().err
