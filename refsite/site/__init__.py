"""The site: the build pipeline (:mod:`.pipeline`), the preview (:mod:`.preview`, incremental:
:mod:`.incremental`) and the one adapter to MkDocs (:mod:`.mkdocs`, the only module that imports it). Pages themselves are rendered by
:mod:`refsite.render`; this package turns them into a site folder and never loses the last one."""

from __future__ import annotations

from refsite.site.incremental import Preview, Refresh
from refsite.site.mkdocs import MKDOCS, POLYFILL, THEME_DIR, MkDocsBuilder, MkDocsSession, live_reload
from refsite.site.pipeline import (
    MARKER,
    MARKER_TEXT,
    PID_FILE,
    Builder,
    BuildResult,
    SiteDirRefused,
    build,
    build_site,
    build_staged,
    clean_leftovers,
    site_dir_refusal,
    stage_pages,
)
from refsite.site.preview import serve
from refsite.workspace import Layout, default_config_file, find_config_file

serve_site = live_reload  # the live-reload server alone (tests drive it with their own rebuild)

__all__ = [
    "MARKER", "MARKER_TEXT", "MKDOCS", "PID_FILE", "POLYFILL", "THEME_DIR", "BuildResult", "Builder", "Layout",
    "MkDocsBuilder", "MkDocsSession", "Preview", "Refresh", "SiteDirRefused", "build", "build_site", "build_staged", "clean_leftovers",
    "default_config_file", "find_config_file", "live_reload", "serve", "serve_site", "site_dir_refusal",
    "stage_pages",
]
