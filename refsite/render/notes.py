"""Notes as Markdown, safely: CommonMark to HTML with no raw HTML and no link but to a safe place.

A partner's notes and a contact's notes are written by people in Markdown (the record format
says so). ``notes_html`` renders them with markdown-it-py's CommonMark parser, with:

- raw HTML off: ``<script>``, ``<iframe>``, ``<img onerror=...>`` are shown as the text written;
- links only to ``http:``, ``https:``, ``mailto:`` and ``tel:`` addresses (a ``javascript:`` or
  relative link stays text, its label shown);
- no images (an image would load from wherever its address points: the site stays private);
- no headings bigger than the page's own (a note's ``#`` heading is drawn as a ``<h4>`` and below).

The result is ``Markup`` (HTML) with no blank line in it, so that it stays inside the HTML
block the page puts it in (Markdown leaves an HTML block alone up to its first blank line).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_LINK = re.compile(r"(?i)^\s*(https?:|mailto:|tel:)")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    md.validateLink = lambda url: bool(SAFE_LINK.match(url))  # type: ignore[method-assign]

    def link_open(self, tokens, idx, options, env):  # another site's page opens with no way back to this one
        if tokens[idx].attrGet("href").lower().startswith(("http:", "https:")):
            tokens[idx].attrSet("rel", "noopener noreferrer")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _parser()
_HEADING = re.compile(r"<(/?)h([1-6])>")
_EMPTY_LINE = re.compile(r"\n(?=\n)")


def notes_html(text: str | None) -> Markup:
    """A note in Markdown as HTML: paragraphs, lists, emphasis, code and safe links, never raw HTML."""
    if not text or not text.strip():
        return Markup("")
    html = _MD.render(text)
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 3, 6)}>", html)
    # an empty line (in a code block) would end the page's HTML block: it keeps a space instead
    html = _EMPTY_LINE.sub("\n&#32;", html.strip())
    return Markup(html)  # markdown-it escaped every character of the text
