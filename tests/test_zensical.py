"""`refsite build --builder zensical`: the second builder (refsite/site/zensical.py, docs/builders.md).

Zensical comes with the `test` extra (`refsite[zensical]`, pinned). Without it these tests skip,
except under CI (CI=true), where a missing zensical fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import TODAY, TODAY_ARGS, run_cli, tree_hash

from refsite import site
from refsite.problems import Source
from refsite.site import zensical

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "records"
FIXTURE = Path(__file__).parent / "fixtures" / "site-records"


def require_zensical() -> None:
    if zensical.missing():
        if os.environ.get("CI") == "true":
            pytest.fail(f"zensical must be installed in CI (the test extra): {zensical.missing()}")
        pytest.skip(zensical.missing())


def records_in(root: Path) -> Path:
    shutil.copytree(FIXTURE, root / "records")
    return root / "records"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo practice (records/) built once with Zensical, through the command line."""
    require_zensical()
    out = tmp_path_factory.mktemp("zensical-demo") / "site"
    result = run_cli("build", "--records", DEMO, "--site-dir", out, "--builder", "zensical", *TODAY_ARGS)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Built ") and result.output.endswith(f" into {out} (as of {TODAY}).\n")
    return out


def test_the_demo_builds_with_zensical_marked_as_refsite_s(demo):
    assert (demo / site.MARKER).read_text(encoding="utf-8") == site.MARKER_TEXT
    assert not (demo / zensical.PROJECT).exists()  # its project folder is gone
    for page in ("index.html", "lists/index.html", "partners/harbour-street-family-practice.html", "pipeline.html",
                 "review.html", "search.json", "search.js", "robots.txt"):
        assert (demo / page).is_file(), page
    partner = (demo / "partners/harbour-street-family-practice.html").read_text(encoding="utf-8")
    assert "<title>Harbour Street Family Practice - Crown Street Physiotherapy</title>" in partner
    assert '<meta name="robots" content="noindex, nofollow">' in partner
    assert '<script src="../assets/refsite/iframe-worker/shim.js"></script>' in partner
    assert "assets/stylesheets/classic/" in partner  # variant: classic (Material's look)
    # refsite's pre-rendered HTML survives Zensical's Markdown: the profile's own markup and the dashboard's charts
    assert '<aside class="rs-next rs-next--overdue">' in partner and '<svg class="rs-spark"' in partner
    dashboard = (demo / "index.html").read_text(encoding="utf-8")
    assert '<figure class="rs-chart rs-chart--columns">' in dashboard and dashboard.count("<svg") >= 2
    assert '<script src="./assets/refsite/tables.js"></script>' in dashboard


def test_nothing_in_the_zensical_site_is_loaded_from_another_site(demo):
    """No web font, no CDN script, no repository widget: every src and stylesheet is local."""
    pages = sorted(demo.rglob("*.html"))
    assert len(pages) > 50
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text and "unpkg.com" not in text, path
        assert '<meta name="robots" content="noindex, nofollow">' in text, path
        for url in re.findall(r'(?:src|href)="([^"]+)"', text):
            if url.startswith(("http://", "https://", "//")):
                # Only links a person clicks (a partner's website), never an asset.
                assert re.search(rf'<a href="{re.escape(url)}" rel="noopener noreferrer">', text), (path, url)


def test_zensical_indexes_the_profiles_for_search(demo):
    index = json.loads((demo / "search.json").read_text(encoding="utf-8"))
    pages = {item["location"].split("#")[0] for item in index["items"]}
    assert "partners/harbour-street-family-practice.html" in pages
    assert not pages & {"index.html", "pipeline.html", "review.html", "lists/index.html"}  # search: exclude
    assert (demo / "search.js").read_text(encoding="utf-8").startswith("var __index = ")  # for file://


def test_an_unknown_builder_is_a_usage_error(tmp_path):
    result = run_cli("build", "--records", records_in(tmp_path), "--builder", "hugo", *TODAY_ARGS)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--builder': 'hugo' is not one of 'mkdocs', 'zensical'." in result.output
    assert not (tmp_path / "site").exists()


def test_a_missing_zensical_is_a_usage_error_that_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(zensical.importlib.util, "find_spec", lambda name: None)
    result = run_cli("build", "--records", records_in(tmp_path), "--builder", "zensical", *TODAY_ARGS)
    assert result.exit_code == 2, result.output
    assert ("Invalid value for --builder: the zensical builder is not installed: pip install 'refsite[zensical]'; "
            "nothing was touched") in result.output
    assert not (tmp_path / "site").exists()


def test_a_failed_zensical_build_leaves_the_previous_site_whole(tmp_path):
    require_zensical()
    records = records_in(tmp_path)
    result = run_cli("build", "--records", records, "--builder", "zensical", *TODAY_ARGS)
    assert result.exit_code == 0, result.output
    # The repository's own mkdocs.yml with a custom_dir whose template is broken.
    (tmp_path / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace(
        "theme:\n", "theme:\n  custom_dir: overrides\n", 1), encoding="utf-8")
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "main.html").write_text('{% extends "base.html" %}{{ broken( }}\n', encoding="utf-8")
    before = tree_hash(tmp_path)  # the records, the configuration and the previous site
    result = run_cli("build", "--records", records, "--builder", "zensical", *TODAY_ARGS)
    assert result.exit_code == 1, result.output
    assert (f"{tmp_path / 'mkdocs.yml'}: error: Zensical could not build the site: syntax error: unexpected `}}` "
            "(in main.html:1)") in result.output
    assert result.output.endswith("The site was not built; the previous site is unchanged.\n")
    assert tree_hash(tmp_path) == before  # no staging folder left either


def test_a_repository_s_custom_dir_wins_over_refsite_s_theme_layer(tmp_path):
    require_zensical()
    records = records_in(tmp_path)
    (tmp_path / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace(
        "theme:\n", "theme:\n  custom_dir: overrides\n", 1).replace("use_directory_urls: false", "site_name: Own"),
        encoding="utf-8")
    (tmp_path / "overrides" / "assets" / "refsite").mkdir(parents=True)
    (tmp_path / "overrides" / "assets" / "refsite" / "refsite.css").write_text("/* ours */\n", encoding="utf-8")
    result = site.build(site.Layout.find(records), TODAY, zensical.ZENSICAL)
    assert result.built, result.problems
    built = tmp_path / "site"
    assert (built / "assets/refsite/refsite.css").read_text(encoding="utf-8") == "/* ours */\n"
    assert (built / "assets/refsite/tables.js").is_file()  # the rest of refsite's layer is still there
    page = (built / "partners/harbour.html").read_text(encoding="utf-8")
    assert "<title>Harbour Street Family Practice - Own</title>" in page  # its own site_name
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert not (tmp_path / "overrides" / "main.html").exists()  # the repository's folder is untouched


def test_zensical_s_issues_and_failures_become_problems():
    source = Source("mkdocs.yml", 0)
    output = ("Build started\n\x1b[33mWarning:\x1b[0m page does not exist\n     ╭─[ index.md:430:9 ]\n     │\n"
              "Traceback (most recent call last):\n  File \"x\", line 1\nRuntimeError: syntax error (in main.html:1)\n")
    problems = zensical.problems_from_output(output, 1, source)
    assert [(p.severity.value, p.message) for p in problems] == [
        ("warning", "Zensical: index.md:430:9: page does not exist"),
        ("error", "Zensical could not build the site: syntax error (in main.html:1)"),
    ]
    assert [p.message for p in zensical.problems_from_output("Error: Docs directory does not exist: /x\n", 1,
                                                             source)] == [
        "Zensical could not build the site: Docs directory does not exist: /x"]
    assert zensical.problems_from_output("Build started\nNo issues found\n", 0, source) == []


def _article(path: Path) -> str:
    """A page's article, as refsite rendered it: without what Zensical adds or takes out, whitespace folded."""
    text = re.search(r"<article[^>]*>(.*?)</article>", path.read_text(encoding="utf-8"), re.S).group(1)
    # Zensical drops data-search-exclude once its index honoured it, and adds a skip-link target.
    text = text.replace(" data-search-exclude", "").replace('<a id="__skip" tabindex="-1"></a>', "")
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", text)).strip()


def test_every_page_s_html_is_the_html_mkdocs_builds(tmp_path):
    """refsite's pre-rendered pages (tables, charts, scripts, escaped record values) reach Zensical's site intact."""
    require_zensical()
    layout = site.Layout.find(records_in(tmp_path))
    mk = site.build(site.Layout.find(layout.records_dir, None, None, None, tmp_path / "mk"), TODAY)
    zen = site.build(site.Layout.find(layout.records_dir, None, None, None, tmp_path / "zen"), TODAY, zensical.ZENSICAL)
    assert mk.built and zen.built, (mk.problems, zen.problems)
    assert [p for p in zen.problems if p.check == "site"] == []
    pages = sorted(p.relative_to(tmp_path / "mk") for p in (tmp_path / "mk").rglob("*.html"))
    assert pages == sorted(p.relative_to(tmp_path / "zen") for p in (tmp_path / "zen").rglob("*.html"))
    assert len(pages) == 24
    for page in pages:
        assert _article(tmp_path / "zen" / page) == _article(tmp_path / "mk" / page), page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (tmp_path / "zen" / "partners/xss.html").read_text(encoding="utf-8")


def test_the_practice_s_name_reaches_zensical_as_text_never_as_markup(tmp_path):
    config = tmp_path / "mkdocs.yml"
    assert zensical.generated_config(config, {}, "Test Physio & Co")["site_name"] == "Test Physio & Co"
    assert zensical.generated_config(config, {}, 'A <b>"Co"</b>')["site_name"] == "A &lt;b&gt;&quot;Co&quot;&lt;/b&gt;"
    assert "site_name" not in zensical.generated_config(config, {"site_name": "Own"}, "Test Physio & Co")
    assert zensical.generated_config(config, {}, None) == {
        "INHERIT": str(config.resolve()), "docs_dir": "docs", "site_dir": "site", "use_directory_urls": False,
        "theme": {"custom_dir": "overlay", "variant": "classic"}, "site_name": "Referrals",
        "extra": {"polyfills": ["assets/refsite/iframe-worker/shim.js"]}}
    chosen = {"theme": {"variant": "modern"}, "extra": {"polyfills": ["assets/refsite/iframe-worker/shim.js"]}}
    assert zensical.generated_config(config, chosen, "X")["theme"] == {"custom_dir": "overlay"}
    assert "extra" not in zensical.generated_config(config, chosen, "X")
