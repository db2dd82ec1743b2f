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

_START_TAG_RE = re.compile(r"""<([A-Za-z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_END_TAG_RE = re.compile(r"</([A-Za-z][^\s/>]*)[^>]*>")
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
        lt = html.find("<", pos)
        if lt < 0:
            break
        if html.startswith("<!--", lt):
            close = html.find("-->", lt + 4)
            if close < 0:
                suffix, cut = " -->", True
                break
            pos = close + 3
            continue
        nxt = html[lt + 1:lt + 2]
        if nxt in ("!", "?", "/") or nxt.isalpha():
            if nxt == "/":
                m = _END_TAG_RE.match(html, lt)
            elif nxt.isalpha():
                m = _START_TAG_RE.match(html, lt)
            else:
                gt = html.find(">", lt)
                m = None
                if gt >= 0:
                    pos = gt + 1
                    continue
            if m is None:  # a tag the answer stopped in the middle of
                end, cut = lt, True
                break
            pos = m.end()
            name = m.group(1).lower()
            if nxt == "/":
                if name in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(name):]
                continue
            if name in _RAW_TEXT:
                raw_end = _RAW_END_RE[name].search(html, pos)
                if raw_end is None:
                    end = len(html) - _partial_end_tag(html, name)
                    suffix, cut = f"\n</{name}>", True
                    break
                gt = html.find(">", raw_end.end() - 1)
                pos = end if gt < 0 else gt + 1
                continue
            if name == "body" and "head" in stack:
                stack.remove("head")
            if (name not in _VOID and name not in _OPTIONAL_END
                    and not m.group(2).rstrip().endswith("/") and len(stack) < _MAX_OPEN):
                stack.append(name)
            continue
        pos = lt + 1
    if any(name not in _DOCUMENT for name in stack):
        cut = True
    closers = "".join(f"</{name}>" for name in reversed(stack))
    if not suffix and not closers and end == len(html):
        return html, False
    body = html[:end].rstrip()
    return body + suffix + ("\n" + closers if closers else ""), cut
