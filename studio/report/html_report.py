"""A report as one self-contained HTML file (Jinja2 templates in resources/report/).

Everything is in the file: styles, pictures as data: URIs, each page in the srcdoc of its
sandboxed frame, and one small script allowed by its hash (see containment.py for the
policies). Templates escape every value; the only HTML passed through as it is comes from
our own Markdown renderer (answers) and our own script and style sheet.
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import fields
from functools import lru_cache

from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup, escape

from studio import APP_NAME
from studio.core.highlight import DARK, LIGHT, Theme
from studio.core.markdown_render import WHOLE_LINES, render_full
from studio.core.resources import read_text, resource
from studio.report.containment import (
    FramedPage,
    PagePolicy,
    framed_document,
    report_csp,
    sha256_source,
)
from studio.report.model import Layout, ReportDocument, Sealed, Text, ThemeChoice
from studio.report.run_report import CSS_THEME
from studio.report.texts import stars, when

# The report's own colours next to the code colours of highlight.py's themes.
_CHROME = {
    "light": {"bg": "#ffffff", "fg": "#1f2328", "surface": "#f6f8fa", "chip": "#eaeef2",
              "accent": "#0969da", "on-accent": "#ffffff", "danger": "#cf222e",
              "error-bg": "#ffebe9", "ok": "#1a7f37", "warn": "#9a6700", "star": "#bf8700",
              "prompt-bg": "#ddf4ff", "heat-win": "9 105 218", "heat-loss": "207 34 46"},
    "dark": {"bg": "#0d1117", "fg": "#e6edf3", "surface": "#161b22", "chip": "#262c36",
             "accent": "#4493f8", "on-accent": "#0d1117", "danger": "#f85149",
             "error-bg": "#3c1618", "ok": "#3fb950", "warn": "#d29922", "star": "#e3b341",
             "prompt-bg": "#12263b", "heat-win": "68 147 248", "heat-loss": "248 81 73"},
}
_THEME_VARS = {"text": "code-text", "background": "code-bg", "border": "border",
               "muted": "muted", "link": "link", "inline_code_background": "inline-code-bg",
               "keyword": "hl-keyword", "string": "hl-string", "comment": "hl-comment",
               "number": "hl-number", "builtin": "hl-builtin", "tag": "hl-tag",
               "attr": "hl-attr"}


def palette(theme: Theme) -> str:
    """CSS custom properties of one colour scheme."""
    values = dict(_CHROME[theme.name])
    for f in fields(theme):
        if f.name in _THEME_VARS:
            values[_THEME_VARS[f.name]] = getattr(theme, f.name)
    return " ".join(f"--{name}: {value};" for name, value in values.items())


def _show(value: Text) -> Markup:
    """A value, or the placeholder that "reveal" fills in, for a sealed one."""
    if isinstance(value, Sealed):
        return Markup('<span class="sealed" data-reveal="{}">hidden</span>').format(value.key)
    return escape(value)


def _template(name: str) -> str:
    return read_text("report", name)


def _percent(value: float) -> str:
    """A length in a style attribute: percent of the axis."""
    return f"{value:.3f}%"


def section_css(doc: ReportDocument) -> list[Markup]:
    """The style sheets of the kinds of section in the document (`section-KIND.css`), once
    each; a kind without one needs none beyond report.css."""
    sheets = []
    for kind in dict.fromkeys(section.kind for section in doc.sections):
        sheet = resource("report", f"section-{kind}.css")
        if sheet.is_file():
            sheets.append(Markup(sheet.read_text(encoding="utf-8")))
    return sheets


def _markdown(text: str) -> Markup:
    """An answer rendered by our own Markdown renderer (it escapes what the model wrote)."""
    return Markup(render_full(text, CSS_THEME, code_links=False, line_limit=WHOLE_LINES))


def packed(text: str) -> str:
    """Text as gzip in base64, for what a report unpacks only when the reader asks for it
    (report.js, with the browser's DecompressionStream): a batch's answers and pages."""
    data = gzip.compress(str(text).encode("utf-8", "surrogatepass"), 9, mtime=0)
    return base64.b64encode(data).decode("ascii")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FunctionLoader(_template), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update(show=_show, when=when, stars=stars, pct=_percent, markdown=_markdown,
                       packed=packed)
    return env


def report_script() -> str:
    script = read_text("report", "report.js")
    if "</script" in script.lower():  # it is inlined as it is
        raise ValueError("the report script must not contain a closing script tag")
    return script


def render_html(doc: ReportDocument, *, layout: Layout = "columns",
                theme: ThemeChoice = "auto") -> str:
    script = report_script()
    policies: list[PagePolicy] = []
    frames: dict[str, FramedPage] = {}
    for frame in doc.frames():
        policy = PagePolicy.of(frame.html)
        policies.append(policy)
        frames[frame.key] = framed_document(frame.html, policy)
    sealed = base64.b64encode(json.dumps(dict(doc.sealed)).encode("utf-8")).decode("ascii")
    return _environment().get_template("report.html.j2").render(
        doc=doc, app_name=APP_NAME, layout=layout, theme=theme, frames=frames,
        csp=report_csp([sha256_source(script)], policies), sealed=sealed,
        palette={"light": Markup(palette(LIGHT)), "dark": Markup(palette(DARK))},
        css=Markup(read_text("report", "report.css")), section_css=section_css(doc),
        script=Markup(script))
