"""A prototype MkDocs plugin: refsite's HTML pages skip Python-Markdown, MkDocs' anchor scan and Material's search parser.

refsite's pages are raw HTML blocks between ``## Heading { attrs }`` lines. Given
to MkDocs as they are, the standard library's HTML parser reads each of them three
times: Python-Markdown's raw-HTML block preprocessor, MkDocs' anchor scan of the
stashed HTML, and Material's search plugin splitting the page into sections. This
plugin takes such a page out of that path:

- ``on_page_markdown``: when :func:`convert` can turn the page into HTML by itself
  (only headings, HTML blocks and blank lines; anything else is left to
  Python-Markdown), it keeps that HTML and hands MkDocs an empty stub, so
  Python-Markdown converts nothing and the anchor scan finds nothing to scan;
- ``on_page_content``: puts the HTML back, with the table of contents and the
  anchors the converter found (so the page's right-hand contents, its permalinks
  and MkDocs' link validation are as before);
- the page's ``search.exclude`` is set, so Material's search plugin does not parse
  it; ``on_post_build`` (after Material's search, before its offline plugin inlines
  the index into ``search_index.js`` for ``file://``) appends the entries refsite
  chose to ``search/search_index.json``: one per page, from a sidecar file the
  adapter writes into the docs folder (:data:`SEARCH_SIDECAR`, a dot file MkDocs
  does not publish) or, without it, the page's title and visible text.

The HTML it produces is byte-identical to Python-Markdown's for these pages
(``tests/test_mkdocs_fast.py`` holds the two to the same output on the demo and
on generated partners). It is a prototype: the adapter (``refsite/site.py``) does
not use it yet; see ``docs/performance.md`` for how to wire it in.
"""

from __future__ import annotations

import html
import json
import os
import re
import zlib
from typing import Any

from mkdocs.plugins import BasePlugin, event_priority

SEARCH_SIDECAR = ".refsite-search.json"  # {page src_uri: [{"title": ..., "text": ..., "anchor": ...}, ...]}

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+\{:?[ \t]*([^}]*?)[ \t]*\})?[ \t]*#*[ \t]*$")
_ATTR = re.compile(r"""([.#][\w-]+)|([\w-]+)=("[^"]*"|'[^']*'|\S+)|([\w-]+)""")
_BLOCK_TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9-]*)[\s>/]")
# Python-Markdown's list of block-level tags (markdown.Markdown.block_level_elements), the ones refsite uses.
_BLOCKS = frozenset(
    "address article aside blockquote details dialog dd div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hgroup hr li main nav ol p pre section table tbody td tfoot th thead tr ul canvas math "
    "iframe noscript output progress script style video".split()
)
_TAGS = re.compile(r"<[^>]*>")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_SPACE = re.compile(r"\s+")


def _slugify(value: str, used: dict[str, int]) -> str:
    """Python-Markdown's toc slugify with unique ids (the defaults MkDocs uses)."""
    from markdown.extensions.toc import slugify

    slug = slugify(value, "-")
    if slug in used:
        used[slug] += 1
        while f"{slug}_{used[slug]}" in used:
            used[slug] += 1
        new = f"{slug}_{used[slug]}"
        used[new] = 0
        return new
    used[slug] = 0
    return slug


def convert(markdown: str) -> tuple[str, list[dict[str, Any]], set[str]] | None:
    """``(html, toc tokens, anchor ids)`` for a page of HTML blocks and ATX headings, or None for any other page.

    A line is a heading only outside HTML blocks; an HTML block starts with a
    block-level tag at the start of a line and runs to the blank line after its
    tags are closed, as in Python-Markdown. A page with anything else (a Markdown
    paragraph, a list, an inline-only tag at a line start) is left to Python-Markdown.
    """
    out: list[str] = []  # elements, each followed by its separator
    tokens: list[dict[str, Any]] = []
    anchors: set[str] = set()
    used: dict[str, int] = {}
    block: list[str] = []
    depth = 0
    raw_last = False  # whether the last element is a raw HTML block (a heading is not)
    for line in markdown.split("\n"):
        if block:
            block.append(line)
            depth += _depth(line)
            if depth <= 0:
                out += ["\n".join(block), "\n"]
                block = []
            continue
        if not line.strip():
            if out and raw_last:
                out[-1] = "\n\n"  # a blank line after a raw block: Python-Markdown keeps it
            continue
        if line.startswith("<"):
            tag = _BLOCK_TAG.match(line)
            if tag is None or tag.group(2).lower() not in _BLOCKS or tag.group(1):
                return None
            depth = _depth(line)
            raw_last = True
            if depth <= 0:
                out += [line, "\n"]
            else:
                block = [line]
            continue
        heading = _HEADING.match(line)
        if heading is None:
            return None
        level = len(heading.group(1))
        text = heading.group(2)
        if any(c in text for c in "<&*_`[\\"):
            return None  # inline Markdown or entities in a heading: Python-Markdown's job
        attrs = _attributes(heading.group(3) or "")
        if attrs is None:
            return None
        anchor = attrs.get("id") or _slugify(text, used)
        if "id" not in attrs:
            attrs["id"] = anchor
        anchors.add(anchor)
        rendered = "".join(f" {k}" if k == v else f' {k}="{html.escape(v)}"' for k, v in attrs.items())
        raw_last = False
        out += [f"<h{level}{rendered}>{html.escape(text, quote=False)}</h{level}>", "\n"]
        tokens.append({"level": level, "id": anchor, "name": html.escape(text, quote=False), "children": []})
    if block:
        return None  # an element never closed: Python-Markdown's job
    return "".join(out[:-1]), _nest(tokens), anchors


def _depth(line: str) -> int:
    """Block-level tags opened minus closed on a line."""
    if "<" not in line:
        return 0
    change = 0
    for match in _TAG.finditer(line):
        if match.group(2).lower() not in _BLOCKS or match.group(3):
            continue
        change += -1 if match.group(1) else 1
    return change


def _attributes(text: str) -> dict[str, str] | None:
    attrs: dict[str, str] = {}
    classes: list[str] = []
    pos = 0
    for match in _ATTR.finditer(text):
        if text[pos:match.start()].strip():
            return None
        pos = match.end()
        short, key, value, bare = match.groups()
        if short and short[0] == "#":
            attrs["id"] = short[1:]
        elif short:
            classes.append(short[1:])
        elif key:
            attrs[key] = value.strip("\"'")
        else:
            attrs[bare] = bare
    if text[pos:].strip():
        return None
    if classes:
        attrs["class"] = " ".join(classes)
    return attrs


def _nest(flat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    roots: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for token in flat:
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(token)
        stack.append(token)
    return roots


def page_text(content: str) -> str:
    """The visible text of HTML, outside ``data-search-exclude`` blocks (a cheap stand-in for refsite's own choice).

    Escaped again for HTML: Material's search shows a result's text as HTML, so a record's
    ``<iframe>`` (shown escaped on its page) must stay text in the index too, never live markup.
    """
    return html.escape(_SPACE.sub(" ", html.unescape(_TAGS.sub(" ", content))).strip(), quote=False)


class FastPages(BasePlugin):
    """See the module's docstring. Add an instance to ``config.plugins`` after loading the config."""

    def __init__(self) -> None:
        super().__init__()
        self._pages: dict[str, tuple[str, list[dict[str, Any]], set[str]]] = {}
        self._entries: dict[str, list[dict[str, Any]]] = {}  # per page, kept across dirty rebuilds
        self._filled: set[str] = set()  # pages whose HTML this plugin put back (let go once rendered)
        self._held: dict[str, bytes] = {}  # page -> its HTML, compressed, from on_page_content to on_page_context
        self._dirty = False
        self._sidecar: dict[str, list[dict[str, str]]] | None = None
        self.converted = 0
        self.left = 0

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._dirty = dirty

    def on_pre_build(self, *, config: Any) -> None:
        self._pages.clear()
        self._held.clear()
        if not self._dirty:  # a dirty rebuild renders only the changed pages: keep the others' entries
            self._entries = {}
        self.converted = self.left = 0
        path = os.path.join(config.docs_dir, SEARCH_SIDECAR)
        self._sidecar = None
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as file:
                self._sidecar = json.load(file)

    def forget(self, src_uri: str) -> None:
        """A page was removed from the site (the incremental preview): drop its search entries."""
        self._entries.pop(src_uri, None)

    def reorder(self, src_uris: list[str]) -> None:
        """Put the pages' search entries in this order (a full build's: MkDocs' order of the pages)."""
        self._entries = {uri: self._entries[uri] for uri in src_uris if uri in self._entries}

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        got = convert(markdown)
        if got is None:
            self.left += 1
            return markdown
        self.converted += 1
        self._pages[page.file.src_uri] = got
        search = page.meta.get("search") or {}
        if not search.get("exclude"):
            page.meta["search"] = {**search, "exclude": True}
            self._index(page, got[0])
        return ""

    def on_page_content(self, html_: str, *, page: Any, config: Any, files: Any) -> str:
        got = self._pages.pop(page.file.src_uri, None)
        if got is None:
            return html_
        from mkdocs.structure.toc import get_toc

        content, tokens, anchors = got
        self._filled.add(page.file.src_uri)
        page.toc = get_toc(tokens)  # type: ignore[arg-type]  # MkDocs types its tokens as a TypedDict; ours are the same keys
        page.present_anchor_ids = anchors
        # MkDocs reads every page before it writes any: held as it is, the HTML of all pages would be in
        # memory at once (most of a build's peak). Held compressed until the page's own turn comes.
        self._held[page.file.src_uri] = zlib.compress(content.encode("utf-8"), 1)
        return ""

    @event_priority(100)  # before every other plugin's (Material's search strips attributes from the content)
    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        held = self._held.pop(page.file.src_uri, None)
        if held is not None:
            page.content = zlib.decompress(held).decode("utf-8")
        return context

    @event_priority(-100)  # after every other plugin has seen the page
    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        """Let a page's HTML go once its file is rendered: MkDocs keeps every page to the end of the build, and
        nothing after this reads the content (the anchors are checked from ``present_anchor_ids``; the search
        entries are made in ``on_page_markdown``), so memory stays flat instead of growing with the pages."""
        from mkdocs.structure.toc import get_toc

        if page.file.src_uri in self._filled:
            self._filled.discard(page.file.src_uri)
            page.content = None
            page.toc = get_toc([])  # its headings too: only its own template read them
        return output

    def _index(self, page: Any, content: str) -> None:
        title = str(page.meta.get("title") or page.title or "")
        entries = self._entries[page.file.src_uri] = []
        if self._sidecar is not None and page.file.src_uri in self._sidecar:
            for item in self._sidecar[page.file.src_uri]:
                anchor = item.get("anchor")
                entries.append({"location": page.url + (f"#{anchor}" if anchor else ""),
                                      "title": html.escape(item.get("title") or title, quote=False),
                                      "text": html.escape(item.get("text", ""), quote=False)})
            return
        for anchor, heading, body in _sections(content):
            entries.append({"location": page.url + (f"#{anchor}" if anchor else ""),
                                  "title": heading or title, "text": page_text(body)})

    @event_priority(-50)  # after Material's search writes the index (0), before offline inlines it (-100)
    def on_post_build(self, *, config: Any) -> None:
        path = os.path.join(config.site_dir, "search", "search_index.json")
        if not self._entries or not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        ours = {entry["location"] for entries in self._entries.values() for entry in entries}
        data["docs"] = [d for d in data["docs"] if d.get("location") not in ours]
        data["docs"].extend(entry for entries in self._entries.values() for entry in entries)
        with open(path, "w", encoding="utf-8") as file:
            file.write(json.dumps(data, separators=(",", ":"), default=str))


_EXCLUDED = re.compile(r"<(aside|div|thead|section|table|ul|ol|p|span)\b[^>]*\bdata-search-exclude\b.*?</\1>", re.S)
_SECTION = re.compile(r"<h[1-6]\b([^>]*)\bid=\"([^\"]+)\"[^>]*>(.*?)</h[1-6]>", re.S)


def _sections(content: str) -> list[tuple[str, str, str]]:
    """``(anchor, heading, html)`` per section, as Material's search splits a page (at headings with an id),
    without the sections under an excluded heading and without excluded elements."""
    sections = []
    pos, anchor, heading, excluded = 0, "", "", False
    for match in _SECTION.finditer(content):
        if not excluded:
            sections.append((anchor, heading, _EXCLUDED.sub(" ", content[pos:match.start()])))
        pos, anchor, heading = match.end(), match.group(2), page_text(match.group(3))
        excluded = "data-search-exclude" in match.group(0)
    if not excluded:
        sections.append((anchor, heading, _EXCLUDED.sub(" ", content[pos:])))
    return [s for s in sections if s[0] or s[2].strip()]
