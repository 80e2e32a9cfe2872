"""The fast-page prototype (refsite/site/fastpages.py) gives Python-Markdown's HTML, ids and contents for refsite's pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import markdown
from conftest import generate
from mkdocs.utils.meta import get_data

from refsite.render import render_pages
from refsite.site.fastpages import _sections, convert
from refsite.workspace import load_and_validate

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)


def _python_markdown(body: str) -> tuple[str, list]:
    md = markdown.Markdown(extensions=["toc", "tables", "fenced_code", "attr_list"])
    return md.convert(body), md.toc_tokens  # type: ignore[attr-defined]


def _pages(folder: Path) -> dict[str, str]:
    records, settings, problems = load_and_validate(folder, None, TODAY)
    assert [p for p in problems if p.is_error] == []
    return {k: v for k, v in render_pages(records, settings, TODAY).items() if k.endswith(".md")}


def _same_as_python_markdown(pages: dict[str, str]) -> int:
    converted = 0
    for relpath, text in sorted(pages.items()):
        body, _meta = get_data(text)
        got = convert(body)
        if got is None:
            continue
        converted += 1
        html, tokens, anchors = got
        expected_html, expected_tokens = _python_markdown(body)
        assert html == expected_html, relpath
        assert tokens == [_strip(t) for t in expected_tokens], relpath
        assert anchors == {t["id"] for t in _flat(expected_tokens)}, relpath
    return converted


def _strip(token: dict) -> dict:
    return {"level": token["level"], "id": token["id"], "name": token["name"],
            "children": [_strip(c) for c in token["children"]]}


def _flat(tokens: list) -> list:
    return [t for token in tokens for t in [token, *_flat(token["children"])]]


def test_the_demo_pages_convert_as_python_markdown_does() -> None:
    pages = _pages(ROOT / "records")
    partners = [k for k in pages if k.startswith("partners/")]
    assert _same_as_python_markdown(pages) == len(pages)
    assert len(partners) > 30


def test_generated_partner_pages_convert_as_python_markdown_does(tmp_path: Path) -> None:
    generate(tmp_path / "records", 40, seed=2)
    pages = _pages(tmp_path / "records")
    assert _same_as_python_markdown(pages) == len(pages)


def test_other_markdown_is_left_to_python_markdown() -> None:
    assert convert("Some *prose*.\n") is None
    assert convert("<div>\nnever closed\n") is None
    assert convert("## A `code` heading\n") is None
    assert convert("<span>inline</span>\n") is None


def test_search_sections_follow_headings_and_skip_excluded_ones() -> None:
    html, _tokens, _anchors = convert(
        '<div class="a">\n<p>Intro</p>\n</div>\n\n## People\n\n<p>Ann</p>\n<aside data-search-exclude>\n<p>due</p>\n</aside>\n\n'
        "## Timeline { data-search-exclude }\n\n<p>secret</p>\n"
    )
    assert _sections(html) == [("", "", '<div class="a">\n<p>Intro</p>\n</div>\n\n'),
                               ("people", "People", "\n<p>Ann</p>\n \n\n")]
