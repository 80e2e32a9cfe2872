"""refsite.site: real sites built with Material for MkDocs from fixture records, asserted on the HTML."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import TODAY

from refsite import site
from refsite.due import due, within
from refsite.problems import Problem, Source, error
from refsite.render import keep_together
from refsite.workspace import load_and_validate

FIXTURE = Path(__file__).parent / "fixtures" / "site-records"
PROJECT = Path(__file__).resolve().parent.parent


def copy_records(dest: Path) -> Path:
    records = dest / "records"
    shutil.copytree(FIXTURE, records)
    return records


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and the hash of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The fixture records built once into <tmp>/site (default mkdocs.yml and templates)."""
    root = tmp_path_factory.mktemp("built")
    records = copy_records(root)
    result = site.build(site.Layout.find(records), TODAY)
    assert result.problems == [] and result.built
    return root / "site"


def read(built: Path, page: str) -> str:
    return (built / page).read_text(encoding="utf-8")


def test_the_pages_exist(built):
    for page in ("index.html", "due/maya.html", "due/tom.html", "lists/index.html", "pipeline.html", "review.html", "downloads.html",
                 "partners/harbour.html", "partners/xss.html", "partners/prospect.html", "partners/former.html",
                 "lists/category/fitness.html", "lists/owner/tom.html", "lists/stage/prospect.html",
                 "lists/tag/knee.html", "downloads/due.csv", "downloads/partners.csv", "downloads/due-maya.ics",
                 "robots.txt", "search/search_index.js", "assets/refsite/refsite.css",
                 "assets/refsite/iframe-worker/shim.js", "assets/refsite/iframe-worker/LICENSE"):
        assert (built / page).is_file(), page


def test_the_dashboard_shows_the_computed_due_list(built):
    records, settings, _ = load_and_validate(FIXTURE, None, TODAY)
    page = read(built, "index.html")
    items = within(due(records, settings, TODAY), settings.due_soon_days)
    assert len(items) == 9
    owners = read(built, "due/maya.html") + read(built, "due/tom.html")
    for item in items:  # referral ids and dates are kept from breaking, the rest is escaped text
        assert str(keep_together(item.reason)) in page + owners, item.reason
        if item.rule != "single-contact":  # a notice, apart from the contacts on the dashboard
            assert str(keep_together(item.action)) in owners, item.action
    assert '<div class="rs-count__value">8</div>\n<div class="rs-count__label">Overdue</div>' in page
    assert '<a class="rs-due__partner" href="partners/harbour.html">Harbour Street Family Practice</a>' in page


def test_the_dashboard_figures_match_the_metrics(built):
    page = read(built, "index.html")
    assert "October 2026 against September 2026" in page
    assert ('<div class="rs-figure rs-figure--bad" data-label="Revenue"><b>$320</b>'
            '<small class="rs-figure__change--down">-$320 vs $640</small></div>') in page
    assert '<title>Nov: 2</title>' in page and '<title>Primary care: 3</title>' in page
    assert '<title>Dec 2025: 0</title>' in page and '<title>Jan 2026: 0</title>' in page
    # The year under the first month only when the next month is not a January with its own year.
    assert '>Dec</text></g>' in page
    assert '>Jan</text><text class="rs-chart__label rs-chart__year" x="58.505" y="228" text-anchor="middle">2026</text>' in page


def test_record_values_are_escaped_in_the_html(built):
    for path in built.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for raw in ("<script>alert", "<img src=x", "<b>Gym", "<i>evil", "<em>html", 'href="javascript'):
            assert raw not in text, (path, raw)
    page = read(built, "partners/xss.html")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; - Test Physio &amp; Co</title>" in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "<strong>not bold</strong> [link](javascript:alert(3))" in page  # notes are Markdown, links allow-listed
    assert "<p>&lt;script&gt;alert(8)&lt;/script&gt;</p>" in page and "&lt;iframe src=" in page
    assert "a {{ jinja }} brace: # not a heading." in page
    index = json.loads(read(built, "search/search_index.json"))
    titles = {d["location"]: d["title"] for d in index["docs"]}
    assert titles["partners/xss.html"] == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_every_page_tells_robots_to_stay_away(built):
    pages = sorted(built.rglob("*.html"))
    assert len(pages) == 24  # 23 pages and 404.html
    for path in pages:
        assert '<meta name="robots" content="noindex, nofollow">' in path.read_text(encoding="utf-8"), path
    assert read(built, "robots.txt").endswith("User-agent: *\nDisallow: /\n")


def test_nothing_is_loaded_from_another_site(built):
    """No web font, no CDN script, no repository widget: every src and stylesheet is local."""
    for path in built.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "unpkg.com" not in text, path
        for url in re.findall(r'(?:src|href)="([^"]+)"', text):
            if url.startswith(("http://", "https://", "//")):
                # Only links a person clicks (a partner's website), never an asset.
                assert re.search(rf'<a href="{re.escape(url)}" rel="noopener noreferrer">', text), (path, url)
    assert '<script src="../assets/refsite/iframe-worker/shim.js"></script>' in read(built, "partners/harbour.html")


def test_search_indexes_profiles_but_not_timelines_or_reports(built):
    index = json.loads(read(built, "search/search_index.json"))
    locations = sorted({d["location"].split("#")[0] for d in index["docs"]})
    assert locations == ["partners/former.html", "partners/harbour.html", "partners/prospect.html",
                         "partners/xss.html"]
    docs = {d["location"]: d for d in index["docs"]}
    text = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("partners/harbour.html"))
    assert "zeppelin" in text and "R-101" in docs["partners/harbour.html"]["text"]
    # each person is a result of their own: name, role, where, channel and how to reach them
    assert docs["partners/harbour.html#person-2"]["title"] == "Leah Ortiz"
    assert docs["partners/harbour.html#person-2"]["text"].startswith(
        "Referral coordinator at Harbour Street Family Practice · prefers phone · 02 5550 4128")
    # Words stay apart (so that each is found) and the day's due item stays out (it changes daily).
    assert "Surry Hills Owner: Maya Chen Since 15 Mar 2024" in text and " sports knee " in text
    assert "Physician at Harbour Street Family Practice · prefers email · priya@harbour.example" in text
    assert "send an update" not in text and "NameRole" not in text
    assert "dropped off referral pads" not in text  # the timeline
    assert not any(d["location"].endswith(("#timeline", "#relationship")) for d in index["docs"])


def test_partners_are_not_in_the_navigation(built):
    page = read(built, "partners/harbour.html")
    nav = page.split('<nav class="md-nav md-nav--primary', 1)[1].split('<div class="md-content"', 1)[0]
    assert "partners/" not in nav.replace("partners/harbour.html", "")
    assert [t.strip() for t in re.findall(r'<span class="md-ellipsis">\s*([^<]+?)\s*</span>', nav)][:5] == [
        "Dashboard", "Partners", "Pipeline", "Review", "Downloads"]


def test_links_between_pages_resolve(built):
    for path in built.rglob("*.html"):
        if path.name == "404.html":  # a server's error page links from the root
            continue
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r'href="([^"#]+\.html)"', text):
            if "://" in url:
                continue
            assert (path.parent / url).resolve().is_file(), (path.relative_to(built), url)


def test_the_same_input_gives_identical_bytes_in_another_folder(built, tmp_path):
    records = copy_records(tmp_path / "elsewhere" / "deeper")
    result = site.build(site.Layout.find(records), TODAY)
    assert result.built
    assert tree(tmp_path / "elsewhere" / "deeper" / "site") == tree(built)
    sitemap = read(built, "sitemap.xml")
    assert str(dt.date.today().year + 1) not in sitemap and "/tmp" not in sitemap


def test_no_absolute_path_is_written(built):
    for path in built.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".js", ".xml", ".csv", ".ics"):
            text = path.read_text(encoding="utf-8")
            assert str(built.parent) not in text and str(PROJECT) not in text, path


def test_invalid_records_stop_the_build_and_keep_the_old_site(tmp_path):
    records = copy_records(tmp_path)
    assert site.build(site.Layout.find(records), TODAY).built
    before = tree(tmp_path / "site")
    broken = records / "harbour.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("tier: key", "tier: platinum"), encoding="utf-8")
    result = site.build(site.Layout.find(records), TODAY)
    assert not result.built and result.pages == 0
    assert [str(p) for p in result.problems if p.is_error] == [
        f"{records.as_posix()}/harbour.md:5: error: tier: unknown tier 'platinum' (one of: key, standard, light)"
    ]
    assert tree(tmp_path / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "site"]


def test_a_failing_mkdocs_build_keeps_the_old_site(tmp_path):
    records = copy_records(tmp_path)
    assert site.build(site.Layout.find(records), TODAY).built
    before = tree(tmp_path / "site")
    (tmp_path / "mkdocs.yml").write_text("site_name: Broken\ntheme:\n  name: no-such-theme\n", encoding="utf-8")
    result = site.build(site.Layout.find(records), TODAY)
    assert not result.built
    assert [p.message for p in result.problems][:1] == [
        "MkDocs could not build the site: Aborted with a configuration error!"]
    assert any("Unrecognised theme name: 'no-such-theme'" in p.message for p in result.problems)
    assert tree(tmp_path / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mkdocs.yml", "records", "site"]


def test_a_repository_mkdocs_yml_is_used_and_privacy_settings_warned_about(tmp_path):
    records = copy_records(tmp_path)
    config = (PROJECT / "mkdocs.yml").read_text(encoding="utf-8")
    config = "site_name: Our Own Site\n" + config.replace("  font: false", "  font:\n    text: Inter")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    layout = site.Layout.find(records)
    assert layout.config_file == tmp_path / "mkdocs.yml"
    result = site.build(layout, TODAY)
    assert result.built
    assert [p.message for p in result.problems] == [
        "theme.font is not false: Material will load Google Fonts on every page view"]
    assert "<title>Dashboard - Our Own Site</title>" in read(tmp_path / "site", "index.html")


def test_the_site_is_named_after_the_practice_unless_the_mkdocs_yml_names_it(built, tmp_path):
    # refsite's default mkdocs.yml has no site_name: the settings' practice names the site, escaped once
    assert "site_name" not in [line.split(":")[0] for line in (PROJECT / "mkdocs.yml").read_text().splitlines()]
    page = read(built, "index.html")
    assert "<title>Dashboard - Test Physio &amp; Co</title>" in page
    assert 'title="Test Physio &amp; Co" class="md-header__button md-logo" aria-label="Test Physio &amp; Co"' in page
    assert '<span class="md-ellipsis">\n            Test Physio &amp; Co\n          </span>' in page
    assert "Referrals</title>" not in page and "&amp;amp;" not in page
    # a name that is markup stays text
    records = copy_records(tmp_path)
    (records / "settings.yml").write_text("practice: <b>Bold</b> & Co\n", encoding="utf-8")
    assert site.build(site.Layout.find(records), TODAY).built
    assert "<title>Dashboard - &lt;b&gt;Bold&lt;/b&gt; &amp; Co</title>" in read(tmp_path / "site", "index.html")


def test_a_repository_template_overrides_a_default(tmp_path):
    records = copy_records(tmp_path)
    (tmp_path / "site_templates").mkdir()
    (tmp_path / "site_templates" / "downloads.md").write_text(
        '{% extends "default:downloads.md" %}{% block body %}<p class="ours">Ask Maya first.</p>\n\n{{ super() }}'
        "{% endblock %}\n", encoding="utf-8")
    result = site.build(site.Layout.find(records), TODAY)
    assert result.built
    page = read(tmp_path / "site", "downloads.html")
    assert '<p class="ours">Ask Maya first.</p>' in page and "<h1>Downloads</h1>" in page


def test_a_broken_override_stops_the_build(tmp_path):
    records = copy_records(tmp_path)
    (tmp_path / "site_templates").mkdir()
    (tmp_path / "site_templates" / "review.md").write_text("{{ nothing.here }}\n", encoding="utf-8")
    result = site.build(site.Layout.find(records), TODAY)
    assert not result.built
    assert [str(p) for p in result.problems] == [
        "site_templates/review.md:1: error: template: 'nothing' is undefined (rendering review.md)"]
    assert not (tmp_path / "site").exists()


def test_pages_cannot_be_written_outside_the_docs_folder(tmp_path):
    problems = site.build_site({"../escape.md": "x", "/abs.md": "y", "ok.md": "# ok\n"}, tmp_path / "site",
                               site.default_config_file(), TODAY)
    assert [p.message for p in problems] == [
        "refusing to write page '../escape.md' outside the site folder",
        "refusing to write page '/abs.md' outside the site folder",
    ]
    assert not (tmp_path / "site").exists() and not (tmp_path / "escape.md").exists()


class _FailingBuilder:
    name = "failing"

    def build(self, config_file: Path, docs_dir: Path, site_dir: Path, today: dt.date,
              site_name: str | None = None) -> list[Problem]:
        (site_dir / "half.html").write_text("half a site")
        return [error(Source("mkdocs.yml"), "it broke")]


def test_a_builder_is_a_small_adapter_and_its_failure_leaves_no_trace(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("the old site")
    problems = site.build_site({"index.md": "# hi\n"}, tmp_path / "site", site.default_config_file(), TODAY,
                               builder=_FailingBuilder())
    assert [str(p) for p in problems] == ["mkdocs.yml: error: it broke"]
    assert tree(tmp_path) == {"site/index.html": hashlib.sha256(b"the old site").hexdigest()}


def test_layout_finds_everything_next_to_the_records(tmp_path):
    records = copy_records(tmp_path)
    layout = site.Layout.find(records)
    assert layout.config_file == site.default_config_file() == PROJECT / "mkdocs.yml"
    assert layout.templates_dir is None and layout.site_dir == tmp_path / "site"
    assert layout.watched() == [records]
    (tmp_path / "site_templates").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    layout = site.Layout.find(records, settings_path=tmp_path / "team.yml")
    assert layout.watched() == [records, tmp_path / "mkdocs.yml", tmp_path / "team.yml", tmp_path / "site_templates"]


def test_a_wheel_carries_the_default_templates_config_and_theme(tmp_path):
    """pip install . (not editable) must find site_templates/, mkdocs.yml and the theme inside the package."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "mkdocs.yml"):
        shutil.copy(PROJECT / name, src / name)
    for folder in ("refsite", "site_templates"):
        shutil.copytree(PROJECT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path / "dist"), str(src)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("refsite-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"refsite/{p.relative_to(PROJECT / 'refsite').as_posix()}" for p in (PROJECT / "refsite").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    wanted |= {f"refsite/_defaults/{p.relative_to(PROJECT).as_posix()}" for p in (PROJECT / "site_templates").rglob("*")
               if p.is_file()}
    wanted.add("refsite/_defaults/mkdocs.yml")
    assert wanted - names == set()
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    probe = ("from refsite import render, site; "
             "print(render.default_templates_dir()); print(site.default_config_file()); print(site.THEME_DIR)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(target)},
                         check=True, capture_output=True, text=True).stdout.split()
    assert out == [str(target / "refsite/_defaults/site_templates"), str(target / "refsite/_defaults/mkdocs.yml"),
                   str(target / "refsite/theme")]
    assert (target / "refsite/_defaults/site_templates/partner.md").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, attempts: int = 100) -> str:
    """GET a page from the local preview server, waiting (bounded) for it to come up."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the preview server never answered {url}")


def test_serve_rebuilds_when_a_record_changes(tmp_path):
    records = copy_records(tmp_path)
    layout = site.Layout.find(records)
    builds: queue.Queue[site.BuildResult] = queue.Queue()

    def rebuild() -> None:
        builds.put(site.build(layout, TODAY))

    rebuild()
    assert builds.get().built
    stops: list = []
    port = _free_port()
    server = threading.Thread(target=site.serve_site, args=(rebuild, layout.watched(), layout.site_dir),
                              kwargs={"port": port, "started": stops.append}, daemon=True)
    server.start()
    try:
        assert "Harbour Street Family Practice" in _get(f"http://127.0.0.1:{port}/partners/harbour.html")
        record = records / "harbour.md"
        record.write_text(record.read_text(encoding="utf-8").replace(
            "name: Harbour Street Family Practice", "name: Harbour Street Medical"), encoding="utf-8")
        assert builds.get(timeout=60).built
        assert "<h1>Harbour Street Medical</h1>" in _get(f"http://127.0.0.1:{port}/partners/harbour.html")
    finally:
        stops[0]()
        server.join(timeout=30)
    assert not server.is_alive()


def test_a_repository_custom_dir_comes_before_refsites_theme_layer(tmp_path):
    records = copy_records(tmp_path)
    config = (PROJECT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    config = config.replace("use_directory_urls: false", "use_directory_urls: true")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}\n{% block extrahead %}<meta name="robots" content="noindex, nofollow, ours">'
        "{% endblock %}\n", encoding="utf-8")
    result = site.build(site.Layout.find(records), TODAY)
    assert result.built, result.problems
    page = read(tmp_path / "site", "partners/harbour.html")
    assert '<meta name="robots" content="noindex, nofollow, ours">' in page
    assert '<meta name="robots" content="noindex, nofollow">' not in page
    # refsite's layer still supplies the stylesheet and the polyfill, and links stay .html files.
    assert (tmp_path / "site" / "assets/refsite/refsite.css").is_file()
    assert (tmp_path / "site" / "partners/harbour.html").is_file()


def test_the_partners_rows_file_is_a_site_file_that_serve_keeps_as_a_full_build_would(tmp_path, monkeypatch):
    """lists/partners-rows.js: built beside the list, rewritten by `refsite serve` when a row changes, gone when the
    list is built whole again, back when it is not; after each step the served site is a full build's, byte for byte."""
    from refsite.render import pages
    from refsite.site.incremental import Preview

    monkeypatch.setattr(pages, "LIST_PAGE", 2)
    records = copy_records(tmp_path)
    preview = Preview(site.Layout.find(records), TODAY, use_cache=False)
    served = preview.layout.site_dir

    def same_as_a_full_build(name: str) -> None:
        result = site.build(site.Layout.find(records, site_dir=tmp_path / name), TODAY)
        assert result.built, result.problems
        assert tree(served) == tree(tmp_path / name)

    assert preview.refresh().built
    rows = served / pages.ROWS_FILE
    assert rows.read_text("utf-8").startswith("window.refsiteRows = {\"count\": 4, ")
    same_as_a_full_build("full-0")
    harbour = records / "harbour.md"
    harbour.write_text(harbour.read_text("utf-8").replace("name: Harbour Street Family Practice",
                                                          "name: Harbour Street Medical"), encoding="utf-8")
    step = preview.refresh()
    assert (step.built, step.full) == (True, False), step.problems
    assert "Harbour Street Medical" in rows.read_text("utf-8")
    same_as_a_full_build("full-1")
    former = (records / "former.md").read_text("utf-8")
    (records / "former.md").unlink()
    (records / "prospect.md").rename(tmp_path / "prospect.md")
    step = preview.refresh()
    assert (step.built, step.full) == (True, False), step.problems
    assert not rows.exists()  # two partners: the list is built whole
    same_as_a_full_build("full-2")
    (records / "former.md").write_text(former, encoding="utf-8")
    step = preview.refresh()
    assert step.built, step.problems
    assert rows.read_text("utf-8").startswith("window.refsiteRows = {\"count\": 3, ")
    same_as_a_full_build("full-3")
    preview.close()
