"""Zensical, the second builder: the same staged docs folder and ``mkdocs.yml``, built by ``zensical build``.

Material for MkDocs reaches end of life on 2027-05-05; Zensical (PyPI ``zensical``, pinned at
0.0.73 in the ``zensical`` extra: ``pip install 'refsite[zensical]'``) reads the same
``mkdocs.yml``. :class:`ZensicalBuilder` implements :class:`refsite.site.pipeline.Builder`:

- Zensical wants the docs and site folders inside the folder of its configuration file and
  takes one ``custom_dir``. So the builder makes a project folder inside the (hidden, refsite's
  own) staging site folder it is given: the staged pages hard-linked into ``docs/`` (copied
  where links fail), one overlay folder (refsite's theme layer, then the repository's
  ``theme.custom_dir`` over it: the repository's files win, as with MkDocs), and a generated
  ``mkdocs.yml`` that ``INHERIT``s the repository's file (Zensical resolves its tags itself) and
  sets the folders, ``use_directory_urls: false``, ``theme.variant: classic`` (unless the
  repository chose a variant) and refsite's local search-worker polyfill. Nothing is written
  into the records repository.
- Zensical runs as a subprocess (``python -m zensical build``, the interpreter refsite runs on),
  with ``SOURCE_DATE_EPOCH`` from ``--today``; its output and exit code become Problems: its
  "Warning: ..." issues (with their page and line) are warnings, a failed build is one error
  with Zensical's own last message, never a traceback.
- The built site is moved (renamed: same file system) out of the project folder into the
  staging folder, and the project folder is removed; the pipeline's marker and safe swap are
  as for MkDocs.

refsite's pages reach Zensical as the staged Markdown (raw HTML blocks between headings),
which its Python-Markdown renders as MkDocs does without refsite's fast-pages plugin (that one
is an MkDocs plugin); Zensical writes its own search index (``search.json``, and ``search.js``
for ``file://``), honouring ``search: exclude`` and ``data-search-exclude``.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from refsite.load import display_path
from refsite.problems import Problem, Source, error, warning
from refsite.site.mkdocs import FALLBACK_SITE_NAME, MKDOCS, POLYFILL, THEME_DIR, MkDocsBuilder, epoch, privacy_problems

PIN = "0.0.73"  # the version the `zensical` extra installs (0.1.x needs a zensical-ui the index lacks)
NOT_INSTALLED = "the zensical builder is not installed: pip install 'refsite[zensical]'"
PROJECT = ".refsite-zensical"  # the project folder, inside the staging site folder while Zensical runs
# Material's search dialog (refsite's copy with an accessible name): Zensical has a search of its own.
MATERIAL_ONLY = ("partials/search.html",)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WHERE = re.compile(r"\[\s*([^\]]+?:\d+(?::\d+)?)\s*\]")
_FAILURE = re.compile(r"^(?:[A-Za-z_][\w.]*(?:Error|Exception)|Error): (.+)$")


def missing() -> str | None:
    """Why the zensical builder cannot run here (for people), or None when it can."""
    return NOT_INSTALLED if importlib.util.find_spec("zensical") is None else None


class _Lenient(yaml.SafeLoader):
    """Reads a mkdocs.yml only to look at it: any tag (``!ENV``, ``!!python/name:``) reads as None."""


_Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
_Lenient.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _own_config(config_file: Path) -> dict[str, Any]:
    with open(config_file, encoding="utf-8") as fd:
        data = yaml.load(fd, Loader=_Lenient)  # noqa: S506 (a SafeLoader subclass)
    return data if isinstance(data, dict) else {}


def _link_tree(source: Path, target: Path) -> None:
    """``source``'s files in ``target``: hard links where the file system allows, copies elsewhere."""
    def link(src: str, dst: str) -> object:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        return dst

    shutil.copytree(source, target, copy_function=link, ignore=shutil.ignore_patterns(".*"))


def _overlay(target: Path, custom_dir: Path | None) -> None:
    """refsite's theme layer without Material-only files, then the repository's custom_dir over it."""
    shutil.copytree(THEME_DIR, target)
    for name in MATERIAL_ONLY:
        (target / name).unlink(missing_ok=True)
    if custom_dir is not None:
        shutil.copytree(custom_dir, target, dirs_exist_ok=True)


def _shown_name(name: str) -> str:
    """The practice's name as Zensical's templates can print it.

    They print ``site_name`` as it is in most places (the title, the header, an ``aria-label``) and
    escaped in two (``title`` attributes): a name with ``<``, ``>`` or ``"`` is given escaped (safe
    everywhere; those two tooltips then show the entities), any other name as it is ('Smith & Co').
    """
    return html.escape(name, quote=True) if any(c in name for c in '<>"') else name


def generated_config(config_file: Path, own: dict[str, Any], site_name: str | None) -> dict[str, Any]:
    """The configuration Zensical reads: the repository's file, inherited, with refsite's settings over it."""
    theme = own.get("theme") if isinstance(own.get("theme"), dict) else {}
    extra = own.get("extra") if isinstance(own.get("extra"), dict) else {}
    config: dict[str, Any] = {
        "INHERIT": str(Path(config_file).resolve()),
        "docs_dir": "docs",
        "site_dir": "site",
        "use_directory_urls": False,
        "theme": {"custom_dir": "overlay"},
    }
    if not own.get("site_name"):
        config["site_name"] = _shown_name(site_name or FALLBACK_SITE_NAME)
    if not (theme or {}).get("variant"):
        config["theme"]["variant"] = "classic"  # Material's look; Zensical's default is "modern"
    polyfills = (extra or {}).get("polyfills") or []
    if not any("iframe-worker" in str(p) for p in polyfills):  # else the offline plugin adds a CDN's copy
        config["extra"] = {"polyfills": [POLYFILL]}  # lists are appended to the inherited ones
    return config


def problems_from_output(output: str, returncode: int, source: Source) -> list[Problem]:
    """Zensical's issues as warnings, and a failed build as one error in Zensical's own words."""
    lines = [_ANSI.sub("", line).rstrip() for line in output.splitlines()]
    problems: list[Problem] = []
    for index, line in enumerate(lines):
        if line.startswith("Warning: "):
            where = next((m.group(1) for m in map(_WHERE.search, lines[index + 1:index + 3]) if m), None)
            text = line.removeprefix("Warning: ")
            problems.append(warning(source, f"Zensical: {where}: {text}" if where else f"Zensical: {text}", check="site"))
    if returncode != 0:
        reason = next((m.group(1) for m in map(_FAILURE.match, reversed(lines)) if m), None)
        if reason is None:
            reason = next((line for line in reversed(lines) if line.strip()), f"exit code {returncode}")
        problems.append(error(source, f"Zensical could not build the site: {reason}", check="site"))
    return problems


@dataclass(frozen=True)
class ZensicalBuilder:
    """Zensical through its command line, in a project folder of its own (see the module's docstring)."""

    name: str = "zensical"

    def build(self, config_file: Path, docs_dir: Path, site_dir: Path, today: dt.date,
              site_name: str | None = None) -> list[Problem]:
        source = Source(display_path(config_file), 0)
        why = missing()
        if why:
            return [error(source, why, check="site")]
        try:
            own = _own_config(config_file)
        except (OSError, yaml.YAMLError) as exc:
            return [error(source, f"cannot read the site configuration: {exc}", check="site")]
        problems = privacy_problems(own, source)
        project = Path(site_dir) / PROJECT
        try:
            project.mkdir()
            _link_tree(Path(docs_dir), project / "docs")
            theme = own.get("theme") if isinstance(own.get("theme"), dict) else {}
            custom = (theme or {}).get("custom_dir")
            custom_dir = (Path(config_file).resolve().parent / str(custom)) if custom else None
            if custom_dir is not None and not custom_dir.is_dir():
                return [*problems, error(source, f"theme.custom_dir '{custom}' is not a folder", check="site")]
            _overlay(project / "overlay", custom_dir)
            generated = project / "mkdocs.yml"
            generated.write_text(yaml.safe_dump(generated_config(config_file, own, site_name), sort_keys=False),
                                 encoding="utf-8")
            env = {**os.environ, "SOURCE_DATE_EPOCH": epoch(today), "NO_COLOR": "1"}
            run = subprocess.run(
                [sys.executable, "-m", "zensical", "build", "-f", str(generated)],
                cwd=project, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                encoding="utf-8", errors="replace", check=False,
            )
            problems += problems_from_output(run.stdout + "\n" + run.stderr, run.returncode, source)
            if run.returncode == 0:
                for entry in (project / "site").iterdir():
                    entry.rename(Path(site_dir) / entry.name)
        except OSError as exc:
            problems.append(error(source, f"Zensical could not build the site: {exc.strerror or exc}", check="site"))
        finally:
            shutil.rmtree(project, ignore_errors=True)
        return problems


ZENSICAL = ZensicalBuilder()
BUILDERS: dict[str, MkDocsBuilder | ZensicalBuilder] = {"mkdocs": MKDOCS, "zensical": ZENSICAL}  # `refsite build --builder NAME`
