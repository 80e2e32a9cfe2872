"""The Jinja environment: where templates come from, their filters, and template errors as problems.

Templates come from a records repository's own ``site_templates/`` first, then refsite's
defaults (the project's top-level ``site_templates/``, shipped in the package), file by file;
``{% extends "default:partner.md" %}`` reaches a default from an override. Undefined
variables are errors (``StrictUndefined``), and a failing template is reported with its file
and line.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Sequence

import jinja2

from refsite.problems import Problem, Source, error
from refsite.render.contexts import PageContext, context_fields
from refsite.render.formatting import (
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
    tel_url,
)
from refsite.render.notes import notes_html
from refsite.workspace import TEMPLATES_FOLDER, default_templates_dir, defaults_root  # noqa: F401 - re-exported


class RenderError(Exception):
    """A template could not be rendered; ``problems`` say which file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def template_loader(user_dir: Path | None = None) -> jinja2.BaseLoader:
    """The repository's templates first, then the defaults; 'default:NAME' always reaches the default."""
    default_dir = default_templates_dir()
    default = jinja2.FileSystemLoader(str(default_dir))
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None and user_dir.is_dir() and user_dir.resolve() != default_dir.resolve():
        loaders.append(jinja2.FileSystemLoader(str(user_dir)))
    loaders.append(default)
    loaders.append(jinja2.PrefixLoader({"default": default}, delimiter=":"))
    return jinja2.ChoiceLoader(loaders)


def environment(user_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=template_loader(user_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        label=label,
        date=fmt_date,
        long_date=fmt_long_date,
        pct=fmt_pct,
        plural=plural,
        front_matter=front_matter_text,
        relative_days=relative_days,
        money=fmt_money,
        keep_together=keep_together,
        mailto=mailto_url,
        tel=tel_url,
        markdown=notes_html,
        prefers=prefers_text,
    )
    return env


def _template_display(filename: str, roots: Sequence[Path]) -> str:
    """'site_templates/partner.md': the template folder's name and the file in it (never an absolute path)."""
    path = Path(filename)
    for root in roots:
        try:
            return f"{root.name}/{path.resolve().relative_to(root.resolve()).as_posix()}"
        except ValueError:
            continue
    return path.name


def _template_problem(exc: Exception, name: str, roots: Sequence[Path]) -> Problem:
    """Where in which template a rendering error happened, from Jinja's rewritten traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return error(Source(_template_display(exc.filename or exc.name or name, roots), exc.lineno or 0),
                     f"template syntax: {exc.message}", check="site")
    where = Source(f"{TEMPLATES_FOLDER}/{name}", 0)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        shown = _template_display(frame.filename, roots)
        if shown != Path(frame.filename).name:
            where = Source(shown, frame.lineno or 0)
            break
    message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
    return error(where, f"template: {message} (rendering {name})", check="site")


class Renderer:
    """Renders page contexts with one Jinja environment; collects template problems."""

    def __init__(self, user_dir: Path | None = None) -> None:
        self.env = environment(user_dir)
        self.roots = [d for d in (user_dir, default_templates_dir()) if d is not None]
        self.problems: list[Problem] = []
        self._templates: dict[str, jinja2.Template | None] = {}

    def _template(self, name: str) -> jinja2.Template | None:
        if name not in self._templates:
            try:
                self._templates[name] = self.env.get_template(name)
            except jinja2.TemplateNotFound as exc:
                self.problems.append(error(Source(f"{TEMPLATES_FOLDER}/{name}", 0), f"template not found: {exc.message}", check="site"))
                self._templates[name] = None
            except jinja2.TemplateError as exc:
                self.problems.append(_template_problem(exc, name, self.roots))
                self._templates[name] = None
        return self._templates[name]

    def render(self, page: PageContext) -> str | None:
        template = self._template(page.template)
        if template is None:
            return None
        try:
            return template.render(context_fields(page), page=page)
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            problem = _template_problem(exc, page.template, self.roots)
            if problem not in self.problems:
                self.problems.append(problem)
            return None
