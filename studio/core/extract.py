"""The one HTML document the preview should load for an answer, finished or still streaming.

Reasoning the model wrote into its text (think blocks, harmony channels) is never part of the
page. Once the answer has finished, a page still open at its end is closed (see page_close)
and marked as cut off; while it streams, a half-written page is shown as far as it goes.

Called every few hundred milliseconds on answers that may reach megabytes, so every search
is a forward pass (str.find or a regex that starts with a literal and nests no quantifiers, so
nothing backtracks catastrophically) and the Python-level work grows with the number of
fences and tags found, not with the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from studio.core.inline_reasoning import TAG_RE, split_text
from studio.core.page_close import CUT_OFF_NOTE, close_open_markup

PageSource = Literal["fenced", "document", "assembled", "fragment"]


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    html: str
    complete: bool  # False while a part it was built from is cut off (still streaming)
    source: PageSource
    # The answer finished in the middle of the page: what was open was closed, and `html`
    # starts with CUT_OFF_NOTE.
    cut_off: bool = False


def extract_html(answer: str, *, finished: bool = False) -> str | None:
    page = extract_page(answer, finished=finished)
    return None if page is None else page.html


# --- scanning ----------------------------------------------------------------------------------

# Each kind of event is found by its own pass that starts with a literal, which the regex
# engine scans for at C speed; an alternation anchored with ^ would be tried at every offset.
_DOC_START_RE = re.compile(r"<(?:!doctype[ \t\r\n]+html|html[\s>])", re.IGNORECASE)
_RUN_RE = {"`": re.compile("`+"), "~": re.compile("~+")}
_DOC_MARK_RE = re.compile(
    r"<(?:!doctype[ \t\r\n]+html|html[\s>/]|head[\s>/]|body[\s>/])", re.IGNORECASE)
_HTML_END_RE = re.compile(r"</html[ \t\r\n]*>", re.IGNORECASE)
_TAG_START_RE = re.compile(r"<[A-Za-z!?]")
# An untagged fence counts as HTML when it opens with one of the elements pages are made of;
# small models often forget the language tag.
_FRAGMENT_START_RE = re.compile(
    r"<(?:h[1-6]|div|p|canvas|section|main|header|footer|nav|article|style|script|table|ul|ol"
    r"|form|button|body|head)[\s>/]", re.IGNORECASE)

_HTML_LANGS = frozenset({"html", "htm", "xhtml", "html5", "shtml"})
_SVG_LANGS = frozenset({"svg"})
_CSS_LANGS = frozenset({"css"})
_JS_LANGS = frozenset({"js", "javascript", "mjs", "ecmascript", "es6"})
_NEUTRAL_LANGS = frozenset({"", "text", "plain", "plaintext", "txt", "xml", "markup"})
_EXT_LANGS = {".html": "html", ".htm": "html", ".xhtml": "html", ".svg": "svg", ".css": "css",
              ".js": "js", ".mjs": "js"}


def _strip_think(text: str, finished: bool) -> str:
    """Drop <think>…</think> reasoning (also <thinking>, <reasoning>): closed pairs anywhere,
    an unclosed one that opens the answer while it streams (still thinking), and everything
    before a stray closing tag that comes before any page (templates that put the opening tag
    in the prompt). Once finished, an unclosed block that opens the answer holds the answer."""
    kept: list[str] = []
    pos = 0
    open_at: int | None = None
    open_name = ""
    open_end = 0
    page_seen = False  # a document marker in the text kept so far

    def keep(piece: str) -> None:
        nonlocal page_seen
        kept.append(piece)
        page_seen = page_seen or _DOC_MARK_RE.search(piece) is not None

    for m in TAG_RE.finditer(text):
        closing = m.group(1) == "/"
        name = m.group(2).lower()
        if open_at is not None:
            if closing and name == open_name:
                keep(text[pos:open_at])
                pos = m.end()
                open_at = None
        elif not closing:
            open_at, open_name, open_end = m.start(), name, m.end()
        elif not page_seen:
            if _DOC_MARK_RE.search(text, pos, m.start()) is None:
                kept.clear()
                pos = m.end()
            else:
                page_seen = True
    if open_at is not None and not text[pos:open_at].strip() and not "".join(kept).strip():
        return text[open_end:] if finished else ""
    kept.append(text[pos:])
    return "".join(kept)


@lru_cache(maxsize=256)
def _fence_lang(info: str) -> str:
    word = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    word = word.lower().lstrip("{.").rstrip("}")
    word = word.removeprefix("language-")
    for sep in (":", ","):
        word = word.split(sep, 1)[0]
    if word not in _HTML_LANGS | _SVG_LANGS | _CSS_LANGS | _JS_LANGS:
        for ext, lang in _EXT_LANGS.items():
            if word.endswith(ext):
                return lang
    return word


@dataclass(frozen=True, slots=True)
class _Span:
    kind: Literal["fence", "document"]
    lang: str
    start: int
    end: int
    closed: bool
    order: int


@dataclass(frozen=True, slots=True)
class _Fence:
    start: int
    char: str
    length: int
    info: str
    content_start: int  # just after the fence line


def _at_line_start(text: str, pos: int) -> bool:
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    return pos == 0 or text[pos - 1] == "\n"


def _fence_lines(text: str) -> list[_Fence]:
    found: list[_Fence] = []
    for char in "`~":
        run_re = _RUN_RE[char]
        pos = text.find(char * 3)
        while pos >= 0:
            run = run_re.match(text, pos)
            assert run is not None
            line_end = text.find("\n", run.end())
            line_end = len(text) if line_end < 0 else line_end
            info = text[run.end():line_end]
            if _at_line_start(text, pos) and not (char == "`" and "`" in info):
                found.append(_Fence(pos, char, run.end() - pos, info,
                                    min(line_end + 1, len(text))))
                pos = text.find(char * 3, line_end)
            else:  # ```inline``` code in prose, not a fence
                pos = text.find(char * 3, run.end())
    return found


def _scan(text: str) -> list[_Span]:
    fences = _fence_lines(text)
    events: list[tuple[int, str, _Fence | None, int]] = [(f.start, "fence", f, 0) for f in fences]
    first_visible = len(text) - len(text.lstrip())
    if _TAG_START_RE.match(text, first_visible):
        mark = _DOC_MARK_RE.search(text, first_visible,
                                   min((f.start for f in fences), default=len(text)))
        if mark is not None:  # a raw HTML answer, leading comments and all
            events.append((first_visible, "doc", None, mark.start()))
    # for a document start, the last field is where its markup begins
    events += [(m.start(), "doc", None, m.start()) for m in _DOC_START_RE.finditer(text)
               if _at_line_start(text, m.start())]
    events += [(m.start(), "end", None, m.end()) for m in _HTML_END_RE.finditer(text)]
    events.sort(key=lambda e: e[0])

    spans: list[_Span] = []
    fence: _Fence | None = None
    doc_start: int | None = None
    doc_mark = 0
    doc_end: int | None = None
    for pos, kind, line, end in events:
        if fence is not None:
            if (line is not None and line.char == fence.char and line.length >= fence.length
                    and not line.info.strip()):
                spans.append(_Span("fence", _fence_lang(fence.info), fence.content_start, pos,
                                   True, len(spans)))
                fence = None
            continue
        if doc_start is not None:
            if kind == "end":
                if pos > doc_mark:  # an end tag before the markup starts closes nothing
                    doc_end = end
                continue
            if doc_end is None:
                continue  # fences and markers before the first </html> belong to the page
            spans.append(_Span("document", "html", doc_start, doc_end, True, len(spans)))
            doc_start = doc_end = None
        if line is not None:
            fence = line
        elif kind == "doc":
            doc_start, doc_mark = pos, end
    if fence is not None:
        spans.append(_Span("fence", _fence_lang(fence.info), fence.content_start, len(text),
                           False, len(spans)))
    if doc_start is not None:  # the candidate drops what follows its last </html>
        spans.append(_Span("document", "html", doc_start, len(text), doc_end is not None,
                           len(spans)))
    return spans


# --- candidates --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Candidate:
    html: str
    is_document: bool
    is_html: bool  # html rather than a bare svg
    complete: bool
    raw: bool  # an unfenced document
    order: int

    def rank(self) -> tuple[bool, bool, bool, int, int]:
        return (self.is_document, self.is_html, self.complete, len(self.html), self.order)


def _trim_document(html: str, mark: int) -> str:
    """Drop what follows the last </html> that closes the document starting at `mark`."""
    last = _last(_HTML_END_RE, html)
    return html[:last.end()] if last is not None and last.start() > mark else html


def _candidate(text: str, span: _Span) -> _Candidate | None:
    body = text[span.start:span.end].strip()
    if not body:
        return None
    mark = _DOC_MARK_RE.search(body)
    is_document = mark is not None
    if span.kind == "fence" and span.lang in _NEUTRAL_LANGS and not (
            (is_document and body.startswith("<")) or _FRAGMENT_START_RE.match(body)):
        return None
    if mark is not None:
        body = _trim_document(body, mark.start())
    return _Candidate(body, is_document, span.lang not in _SVG_LANGS, span.closed,
                      span.kind == "document", span.order)


# --- assembly ----------------------------------------------------------------------------------

_LINK_TAG_RE = re.compile(r"<link\b([^<>]*)>", re.IGNORECASE)
_SCRIPT_TAG_RE = re.compile(r"<script\b([^<>]*)>", re.IGNORECASE)
_SCRIPT_CLOSE_RE = re.compile(r"[ \t\r\n]*</script[ \t\r\n]*>", re.IGNORECASE)
_STYLE_OPEN_RE = re.compile(r"<style\b[^<>]*>", re.IGNORECASE)
_STYLE_CLOSE_RE = re.compile(r"</style[ \t\r\n]*>", re.IGNORECASE)
_SCRIPT_END_RE = re.compile(r"</script[ \t\r\n]*>", re.IGNORECASE)
_JS_TYPES = frozenset({"", "module", "text/javascript", "application/javascript"})
# Placeholders are a line or two; longer comment-only scripts are not worth the scan.
_MAX_PLACEHOLDER = 2_000
_COMMENTS_RE = re.compile(r"/\*.*?\*/|//[^\n]*|<!--|-->", re.DOTALL)
_ATTR_RE = re.compile(
    r"""([^\s=/>"']+)(?:[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_REMOTE_URL_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_MODULE_RE = re.compile(r"^[ \t]*(?:import[ \t{*\"']|export[ \t])", re.MULTILINE)
_HEAD_CLOSE_RE = re.compile(r"</head[ \t\r\n]*>", re.IGNORECASE)
_BODY_OPEN_RE = re.compile(r"<body\b", re.IGNORECASE)
_HTML_OPEN_RE = re.compile(r"<html\b[^<>]*>", re.IGNORECASE)
_BODY_CLOSE_RE = re.compile(r"</body[ \t\r\n]*>", re.IGNORECASE)

_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def _attrs(raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        if value is None:
            value = m.group(4) or ""
        found.setdefault(m.group(1).lower(), value)
    return found


def _is_local(url: str) -> bool:
    return bool(url.strip()) and _REMOTE_URL_RE.match(url.strip()) is None


def _local_stylesheets(html: str) -> list[tuple[int, int]]:
    spans = []
    for m in _LINK_TAG_RE.finditer(html):
        attrs = _attrs(m.group(1))
        if "stylesheet" in attrs.get("rel", "").lower() and _is_local(attrs.get("href", "")):
            spans.append((m.start(), m.end()))
    return spans


def _is_placeholder(code: str) -> bool:
    """Code that does nothing: empty, or only comments ("// JavaScript code goes here")."""
    return len(code) <= _MAX_PLACEHOLDER and not _COMMENTS_RE.sub("", code).strip()


def _placeholder_styles(html: str) -> tuple[list[tuple[int, int]], bool]:
    """`<style>` elements that hold nothing but comments, and whether the page has a real one."""
    empty: list[tuple[int, int]] = []
    real = False
    for m in _STYLE_OPEN_RE.finditer(html):
        close = _STYLE_CLOSE_RE.search(html, m.end())
        if close is not None and _is_placeholder(html[m.end():close.start()]):
            empty.append((m.start(), close.end()))
        else:
            real = True
    return empty, real


def _scripts(html: str) -> tuple[list[tuple[int, int]], bool, bool]:
    """Script elements to replace (local `<script src>` tags, and placeholders that hold only
    a comment where the program should be), whether one was a module, and whether the page
    already carries inline script code of its own."""
    local: list[tuple[int, int]] = []
    module = inline = False
    for m in _SCRIPT_TAG_RE.finditer(html):
        attrs = _attrs(m.group(1))
        src = attrs.get("src")
        if src is None:
            kind = attrs.get("type", "").strip().lower()
            close = _SCRIPT_END_RE.search(html, m.end())
            if (kind in _JS_TYPES and close is not None
                    and _is_placeholder(html[m.end():close.start()])):
                local.append((m.start(), close.end()))
                module = module or kind == "module"
            else:
                inline = True
            continue
        if _is_local(src):
            close = _SCRIPT_CLOSE_RE.match(html, m.end())
            local.append((m.start(), close.end() if close else m.end()))
            module = module or attrs.get("type", "").lower() == "module"
    return local, module, inline


def _cut(html: str, spans: Iterable[tuple[int, int]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(html[pos:start])
        pos = end
    out.append(html[pos:])
    return "".join(out)


def _insert_at(html: str, index: int, piece: str) -> str:
    return html[:index] + piece + html[index:]


def _last(pattern: re.Pattern[str], html: str) -> re.Match[str] | None:
    last = None
    for match in pattern.finditer(html):
        last = match
    return last


def _style_tags(css: list[str]) -> str:
    # "</style" inside the text would end the element early; "<\/style" means the same in CSS
    return "".join("<style>\n" + c.replace("</style", "<\\/style") + "\n</style>\n" for c in css)


def _script_tags(js: list[str], module: bool) -> str:
    out = []
    for code in js:
        kind = ' type="module"' if module or _MODULE_RE.search(code) else ""
        out.append(f"<script{kind}>\n" + code.replace("</script", "<\\/script")
                   + "\n</script>\n")
    return "".join(out)


def _add_to_document(html: str, css: list[str], js: list[str]) -> tuple[str, bool]:
    css = [c for c in css if c not in html]
    js = [c for c in js if c not in html]
    css_links: list[tuple[int, int]] = []
    has_style = False
    if css:
        css_links, has_style = _placeholder_styles(html)
        css_links += _local_stylesheets(html)
    script_tags, module, has_inline_script = _scripts(html) if js else ([], False, False)
    add_css = bool(css) and (bool(css_links) or not has_style)
    add_js = bool(js) and (bool(script_tags) or not has_inline_script)
    if not add_css and not add_js:
        return html, False
    html = _cut(html, (css_links if add_css else []) + (script_tags if add_js else []))
    if add_css:
        styles = _style_tags(css)
        head_end = _HEAD_CLOSE_RE.search(html)
        body = _BODY_OPEN_RE.search(html)
        opener = _HTML_OPEN_RE.search(html)
        if head_end is not None:
            html = _insert_at(html, head_end.start(), styles)
        elif body is not None:
            html = _insert_at(html, body.start(), styles)
        elif opener is not None:
            html = _insert_at(html, opener.end(), "\n" + styles)
        else:
            html = styles + html
    if add_js:
        scripts = _script_tags(js, module)
        anchor = _last(_BODY_CLOSE_RE, html) or _last(_HTML_END_RE, html)
        if anchor is not None:
            html = _insert_at(html, anchor.start(), scripts)
        else:
            html = html + "\n" + scripts.rstrip("\n")
    return html, True


def _wrap_fragment(body: str, css: list[str], js: list[str]) -> str:
    css = [c for c in css if c not in body]
    js = [c for c in js if c not in body]
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        f"{_VIEWPORT}\n{_style_tags(css)}</head>\n<body>\n{body}\n"
        f"{_script_tags(js, False)}</body>\n</html>"
    )


def _unique(parts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(p for p in parts if p))


def extract_page(answer: str, *, finished: bool = False) -> ExtractedPage | None:
    """The page of `answer`, or None. `finished`: the answer is complete (its stream ended),
    so reasoning it never closed is part of the answer, and a page it stopped in the middle
    of is closed and marked as cut off."""
    text = _strip_think(split_text(answer, finished=finished)[1], finished)
    spans = _scan(text)
    candidates = [c for c in (_candidate(text, s) for s in spans
                              if s.kind == "document" or s.lang in _HTML_LANGS | _SVG_LANGS
                              or s.lang in _NEUTRAL_LANGS) if c is not None]
    body, cut = "", False
    while not body.strip():
        if not candidates:
            return None
        best = max(candidates, key=_Candidate.rank)
        candidates.remove(best)
        body, cut = best.html, False
        if finished and not best.complete:
            # a page cut within its first tag leaves nothing to show
            body, cut = close_open_markup(body)
    css_spans = [s for s in spans if s.kind == "fence" and s.lang in _CSS_LANGS]
    js_spans = [s for s in spans if s.kind == "fence" and s.lang in _JS_LANGS]
    css = _unique(text[s.start:s.end].strip() for s in css_spans)
    js = _unique(text[s.start:s.end].strip() for s in js_spans)
    parts_complete = all(s.closed for s in css_spans + js_spans)
    source: PageSource
    if best.is_document:
        html, added = _add_to_document(body, css, js)
        if added:
            html, complete, source = html.strip(), best.complete and parts_complete, "assembled"
        else:
            complete, source = best.complete, "document" if best.raw else "fenced"
        parts_cut = added and not parts_complete
    else:
        html = _wrap_fragment(body, css, js)
        assembled = any(c not in body for c in css + js)
        complete = best.complete and (parts_complete or not assembled)
        source = "assembled" if assembled else "fragment"
        parts_cut = assembled and not parts_complete
    cut_off = finished and (cut or parts_cut)
    return ExtractedPage(CUT_OFF_NOTE + html if cut_off else html, complete, source, cut_off)
