"""Pages from the computed model: Jinja2 templates in, ``{relative path: text}`` out.

``render_pages(records, settings, today)`` computes what the site shows (the due
items, the metrics, the lists) and renders one Markdown page per template and
context, plus the downloads (CSV, iCalendar). It writes nothing and knows
nothing of MkDocs: ``refsite.site`` hands the pages to the site generator.

Templates come from a records repository's own ``site_templates/`` first, then
refsite's defaults (the project's top-level ``site_templates/``, shipped in the
package), file by file; ``{% extends "default:partner.md" %}`` reaches a default
from an override. Every page template receives the fields of its context
dataclass (``refsite.render.contexts``) as variables (documented in docs/site.md,
checked by tests/test_render.py): that is the template contract.

Values from the records are text, never markup: templates are autoescaped for
HTML, and the pages put record values only inside HTML blocks (which Markdown
leaves alone); headings written in Markdown hold fixed words only. Links between
pages are relative ``.html`` paths (the site is built with
``use_directory_urls: false`` so that it works opened from disk).

Modules, each importing only those above it in this list::

    formatting   text for people, no locale: the templates' filters
    contexts     the template contract: one frozen dataclass per page, PAGES
    templates    the Jinja environment (repository templates first, then the defaults),
                 Renderer, RenderError, where the default templates live
    computed     Model: the due items, metrics facts and links, computed once for all pages
    charts       SVG bar charts laid out at build time
    figures      headline numbers against the period before
    downloads    partners and due items as CSV, due contacts as iCalendar
    pages        each page's context, page_contexts and render_pages

The names below are the public API (refsite.site, the tests and the docs use them);
import anything else from its module.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from refsite.model import Records
from refsite.render.charts import chart_months, referral_charts
from refsite.render.computed import Model, build_model, list_url, partner_row, partner_url
from refsite.render.contexts import (
    PAGES,
    Bar,
    BarChart,
    ContactRow,
    DashboardPage,
    DataWarning,
    Download,
    DownloadsPage,
    DraftView,
    DuePage,
    DueRow,
    Facet,
    FacetValue,
    Figure,
    FocusRow,
    GroupRow,
    IdeaRow,
    Link,
    ListPage,
    OwnerDue,
    PageContext,
    PartnerPage,
    PartnerRow,
    PartnersPage,
    PipelineCard,
    PipelineColumn,
    PipelinePage,
    RankedRow,
    Ranking,
    RankRow,
    ReviewPage,
    SiteInfo,
    State,
    TeamMember,
    TimelineRow,
    Totals,
    context_fields,
)
from refsite.render.downloads import due_ics
from refsite.render.figures import headline_figures, partner_figures, period_figures
from refsite.render.formatting import (
    ago,
    fmt_date,
    fmt_long_date,
    fmt_money,
    fmt_pct,
    front_matter_text,
    keep_together,
    label,
    mailto_url,
    plural,
    prefers_text,
    relative_days,
    safe_url,
    slugify,
    tel_url,
)
from refsite.render.pages import (
    RowsMemo,
    dashboard_page,
    downloads_page,
    due_pages,
    iter_pages,
    list_pages,
    page_contexts,
    partner_page,
    pipeline_page,
    render_pages,
    review_page,
    summary_contexts,
)
from refsite.render.templates import (
    TEMPLATES_FOLDER,
    Renderer,
    RenderError,
    default_templates_dir,
    defaults_root,
    environment,
    template_loader,
)

__all__ = [
    "Bar",
    "BarChart",
    "ContactRow",
    "DashboardPage",
    "DataWarning",
    "Download",
    "DownloadsPage",
    "DraftView",
    "DuePage",
    "DueRow",
    "Facet",
    "FacetValue",
    "Figure",
    "FocusRow",
    "GroupRow",
    "IdeaRow",
    "Link",
    "ListPage",
    "Model",
    "OwnerDue",
    "PAGES",
    "PageContext",
    "PartnerPage",
    "PartnerRow",
    "PartnersPage",
    "PipelineCard",
    "PipelineColumn",
    "PipelinePage",
    "RankRow",
    "RankedRow",
    "Ranking",
    "RenderError",
    "Renderer",
    "ReviewPage",
    "RowsMemo",
    "SiteInfo",
    "State",
    "TEMPLATES_FOLDER",
    "TeamMember",
    "TimelineRow",
    "Totals",
    "ago",
    "build_model",
    "chart_months",
    "context_fields",
    "dashboard_page",
    "default_templates_dir",
    "defaults_root",
    "downloads_page",
    "due_ics",
    "due_pages",
    "environment",
    "iter_pages",
    "fmt_date",
    "fmt_long_date",
    "fmt_money",
    "fmt_pct",
    "front_matter_text",
    "headline_figures",
    "keep_together",
    "label",
    "list_pages",
    "list_url",
    "mailto_url",
    "page_contexts",
    "partner_figures",
    "partner_model",
    "partner_page",
    "partner_row",
    "partner_url",
    "period_figures",
    "pipeline_page",
    "plural",
    "prefers_text",
    "referral_charts",
    "relative_days",
    "render_pages",
    "review_page",
    "safe_url",
    "slugify",
    "summary_contexts",
    "tel_url",
    "template_loader",
]


def partner_model(like: Model, records: Records, partner_ids: Iterable[str]) -> Model:
    """A model for the pages of ``partner_ids`` alone, made quickly from ``like`` (an earlier full model).

    Their due items (over the whole network of ``records``) and facts are computed afresh; what
    every page shares (the site's header, who introduced whom, the tag slugs) is ``like``'s. The
    incremental preview shows an edited partner's page with it first, then renders it again from
    a full :func:`build_model` and corrects whatever differs (an edit that changes what pages
    share: a new owner, say).
    """
    from refsite.due import partner_due
    from refsite.metrics import partner_facts

    partners = [p for p in (records.get(i) for i in partner_ids) if p is not None]
    by_partner = {p.id: tuple(partner_due(p, like.settings, like.today, records)) for p in partners}
    return dataclasses.replace(
        like, records=records, items=tuple(i for items in by_partner.values() for i in items),
        by_partner=by_partner, facts=tuple(partner_facts(p, like.settings, like.today) for p in partners), _drafts={},
    )
