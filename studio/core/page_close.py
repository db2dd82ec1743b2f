"""Closing what a cut-off page left open, so the browser runs what there is.

A stream that ends in the middle of a page (the model hit its token limit, the connection
dropped) leaves an unterminated `<script>`: browsers never run a script whose end tag never
came, so the preview shows dead markup and no error at all. Closing it makes the browser run
the script, and the syntax error of the cut-off code shows in the preview's console, which is
what a judge of the answer needs to see. A tag cut in the middle is dropped (it never
finished, so there is nothing of it to show), an open comment is ended, and the elements still
open are closed in order.

The document then starts with `CUT_OFF_NOTE`, a comment that says so to anyone reading the
source (the page editor, a saved .html, `run --json`) and that the preview uses to show its
"page cut off" label.
"""

from __future__ import annotations

import re

CUT_OFF_NOTE = ("<!-- page cut off: the answer ended in the middle of this page; Prompt Studio "
                "closed what was still open at its end -->\n")

# Elements whose content is not markup: the page ends inside them when their end tag is missing.
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed",
                       "noframes", "plaintext"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame"})
# End tags the parser supplies by itself; a stray one of these can even add an element
# (a lone </p> makes an empty paragraph), so they are never written.
_OPTIONAL_END = frozenset({"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
                           "thead", "tbody", "tfoot", "colgroup", "rb", "rt", "rp", "rtc"})
_DOCUMENT = frozenset({"html", "head", "body"})
_MAX_OPEN = 512  # nesting beyond this is not a page anybody wrote by hand

# Where a tag may start ("<" before anything else is text), and the token there: a comment's
# start, an end tag, a start tag (its attributes may quote a ">"), a doctype or processing
# instruction. Matched only where a tag starts, so a cut tag fails once, not at every "<".
_TOKEN_RE = re.compile(r"""<(?:(!--)|/([A-Za-z][^\s/>]*)[^>]*>"""
                       r"""|([A-Za-z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*?)\s*>|[!?][^>]*>)""")
_TAG_START_RE = re.compile(r"<(?:/?[A-Za-z]|[!?])")
_RAW_END_RE = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in _RAW_TEXT}


def _partial_end_tag(html: str, name: str) -> int:
    """Length of the start of `</name>` that `html` ends with (at least "</")."""
    tag = f"</{name}"
    tail = html[-len(tag):].lower()
    for n in range(len(tag), 1, -1):
        if tail.endswith(tag[:n]):
            return n
    return 0


def page_was_cut_off(html: str | None) -> bool:
    """Whether `html` is a page the studio closed because the answer stopped inside it."""
    return html is not None and html.startswith(CUT_OFF_NOTE)


def close_open_markup(html: str) -> tuple[str, bool]:
    """`html` with what is still open at its end closed, and whether the page was cut off
    (something other than the document's own html/head/body elements was left open)."""
    stack: list[str] = []
    cut = False
    pos = 0
    end = len(html)
    suffix = ""
    while True:
        start = _TAG_START_RE.search(html, pos)
        if start is None:
            break
        m = _TOKEN_RE.match(html, start.start())
        if m is None:  # a tag the answer stopped in the middle of: it never finished
            end, cut = start.start(), True
            break
        pos = m.end()
        if m.group(1) is not None:  # a comment
            close = html.find("-->", pos)
            if close < 0:
                suffix, cut = " -->", True
                break
            pos = close + 3
            continue
        if m.group(2) is not None:  # an end tag
            name = m.group(2).lower()
            if name in stack:
                while stack.pop() != name:
                    pass
            continue
        if m.group(3) is None:
            continue  # a doctype or a processing instruction
        name = m.group(3).lower()
        if name in _RAW_TEXT:
            raw_end = _RAW_END_RE[name].search(html, pos)
            if raw_end is None:
                end = len(html) - _partial_end_tag(html, name)
                suffix, cut = f"\n</{name}>", True
                break
            gt = html.find(">", raw_end.end() - 1)
            pos = len(html) if gt < 0 else gt + 1
        elif name == "body" and "head" in stack:
            stack.remove("head")
            stack.append(name)
        elif (name not in _VOID and name not in _OPTIONAL_END and len(stack) < _MAX_OPEN
              and not m.group(4).endswith("/")):
            stack.append(name)
    if any(name not in _DOCUMENT for name in stack):
        cut = True
    closers = "".join(f"</{name}>" for name in reversed(stack))
    if not suffix and not closers and end == len(html):
        return html, False
    body = html[:end].rstrip()
    return body + suffix + ("\n" + closers if closers else ""), cut
