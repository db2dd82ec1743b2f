"""HTML extraction: the one document the preview loads for an answer."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.extract import extract_html, extract_page
from studio.core.inline_reasoning import TAG_RE

DOC = ("<!DOCTYPE html>\n<html>\n<head><title>T</title></head>\n"
       "<body><canvas id=\"c\"></canvas></body>\n</html>")
WRAP_HEAD = ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n')


def fenced(body: str, info: str = "html", fence: str = "```") -> str:
    return f"{fence}{info}\n{body}\n{fence}"


def wrapped(body: str, head: str = "", tail: str = "") -> str:
    return f"{WRAP_HEAD}{head}</head>\n<body>\n{body}\n{tail}</body>\n</html>"


# --- fences ------------------------------------------------------------------------------------

@pytest.mark.parametrize("opener", [
    "```html", "```HTML", "~~~html", "~~~HTML", "````html", "```htm", "```xhtml", "```html5",
    "``` html", "```{.html}", "```language-html", '```html title="index.html"', "```index.html",
    "   ```html",
])
def test_fenced_document_in_any_spelling(opener: str) -> None:
    close = opener.strip()[:3] if not opener.strip().startswith("````") else "````"
    answer = f"Here you go:\n\n{opener}\n{DOC}\n{close}\n\nOpen it in a browser."
    page = extract_page(answer)
    assert page is not None
    assert page.html == DOC
    assert (page.source, page.complete) == ("fenced", True)


def test_longer_fence_contains_shorter_ones() -> None:
    body = "<!DOCTYPE html>\n<html><body><pre>\n```js\nlet a = 1;\n```\n</pre></body></html>"
    assert extract_html(fenced(body, fence="````")) == body
    tilde = "<html><body>\n~~~\nnot a close\n~~~\n</body></html>"
    assert extract_html(fenced(tilde, fence="~~~~~")) == tilde


def test_backtick_fence_is_not_closed_by_tildes_or_text_after_the_fence() -> None:
    body = "<html><body>\n~~~\n``` not a close\n</body></html>"
    assert extract_html(fenced(body)) == body


def test_inline_triple_backticks_in_prose_are_not_fences() -> None:
    assert extract_html("Use ```html``` blocks for pages; here is none.") is None


def test_fragment_is_wrapped_into_a_minimal_document() -> None:
    page = extract_page('~~~HTML\n<div id="app">Hi</div>\n~~~')
    assert page is not None
    assert page.html == wrapped('<div id="app">Hi</div>')
    assert (page.source, page.complete) == ("fragment", True)


def test_svg_block_becomes_a_page_when_there_is_no_html() -> None:
    svg = '<svg width="10" height="10"><circle r="4"/></svg>'
    assert extract_html(fenced(svg, "svg")) == wrapped(svg)
    html = "<p>hello there</p>"
    assert extract_html(fenced(svg, "svg") + "\n" + fenced(html)) == wrapped(html)


def test_unlabeled_fence_counts_only_when_it_holds_page_markup() -> None:
    assert extract_html(fenced(DOC, "")) == DOC
    assert extract_html(fenced("a <p> tag wraps a paragraph", "")) is None
    wrapped = extract_html(fenced("<p>just an example</p>", ""))
    assert wrapped is not None and "<p>just an example</p>" in wrapped
    assert extract_html(fenced("print('x')", "python")) is None


def test_crlf_answers() -> None:
    answer = "Page:\r\n```html\r\n<!DOCTYPE html>\r\n<html><body>x</body></html>\r\n```\r\n"
    assert extract_html(answer) == "<!DOCTYPE html>\r\n<html><body>x</body></html>"


def test_content_after_the_closing_html_tag_is_dropped() -> None:
    assert extract_html(fenced(DOC + "\n<!-- end of page -->\n")) == DOC


# --- separate html + css + js ------------------------------------------------------------------

CSS = "body { margin: 0; background: #111; }"
JS = "const c = document.getElementById('c');\nconsole.log(c.width);"


def test_fragment_css_and_js_are_assembled() -> None:
    answer = ("**index.html**\n" + fenced('<canvas id="c"></canvas>') + "\n\n**style.css**\n"
              + fenced(CSS, "css") + "\n\n**script.js**\n" + fenced(JS, "javascript"))
    page = extract_page(answer)
    assert page is not None
    assert page.html == wrapped('<canvas id="c"></canvas>', head=f"<style>\n{CSS}\n</style>\n",
                                tail=f"<script>\n{JS}\n</script>\n")
    assert (page.source, page.complete) == ("assembled", True)


def test_linked_files_are_replaced_by_the_blocks_not_duplicated() -> None:
    html = ('<!DOCTYPE html>\n<html>\n<head>\n<link rel="stylesheet" href="style.css">\n'
            '<script src="https://cdn.jsdelivr.net/npm/three@0.160/build/three.min.js"></script>\n'
            '</head>\n<body>\n<canvas id="c"></canvas>\n<script src="./game.js"></script>\n'
            '</body>\n</html>')
    answer = fenced(html) + "\n" + fenced(CSS, "css") + "\n" + fenced(JS, "js")
    page = extract_page(answer)
    assert page is not None
    assert page.source == "assembled"
    out = page.html
    assert 'href="style.css"' not in out
    assert 'src="./game.js"' not in out
    assert out.count(CSS) == 1
    assert out.count(JS) == 1
    assert "three.min.js" in out  # remote scripts stay
    assert out.index(CSS) < out.index("</head>")
    assert out.index("<canvas") < out.index(JS) < out.index("</body>")


def test_blocks_already_inside_the_document_are_not_added_again() -> None:
    html = (f"<!DOCTYPE html>\n<html><head><style>\n{CSS}\n</style></head>\n"
            f"<body><canvas id=\"c\"></canvas><script>\n{JS}\n</script></body></html>")
    answer = fenced(html) + "\nThe CSS part:\n" + fenced(CSS, "css") + "\n" + fenced(JS, "js")
    page = extract_page(answer)
    assert page is not None
    assert page.html == html
    assert page.source == "fenced"


def test_snippets_do_not_change_a_self_contained_document() -> None:
    html = ("<!DOCTYPE html>\n<html><head><style>body{}</style></head>\n"
            "<body><script>let speed = 1;</script></body></html>")
    answer = fenced(html) + "\nTo go faster change:\n" + fenced("let speed = 5;", "js")
    assert extract_html(answer) == html


def test_module_scripts_stay_modules_and_script_ends_are_escaped() -> None:
    js = ("import * as THREE from 'https://unpkg.com/three/build/three.module.js';\n"
          "const s = '</script>';")
    html = extract_html(fenced("<div></div>") + "\n" + fenced(js, "js"))
    assert html is not None
    assert '<script type="module">' in html
    assert "'<\\/script>'" in html
    assert html.count("</script>") == 1


def test_document_without_head_gets_styles_after_the_html_tag() -> None:
    html = "<html><body><p>x</p></body></html>"
    out = extract_html(fenced(html) + "\n" + fenced(CSS, "css"))
    assert out == f"<html><style>\n{CSS}\n</style>\n<body><p>x</p></body></html>"
    html = "<html lang=\"en\"><p>x</p></html>"
    out = extract_html(fenced(html) + "\n" + fenced(CSS, "css"))
    assert out == f"<html lang=\"en\">\n<style>\n{CSS}\n</style>\n<p>x</p></html>"


def test_css_or_js_alone_is_not_a_page() -> None:
    assert extract_html(fenced(CSS, "css") + "\n" + fenced(JS, "js")) is None


# --- unfenced documents ------------------------------------------------------------------------

def test_unfenced_document_in_prose() -> None:
    page = extract_page(f"Sure! Here is the page:\n\n{DOC}\n\nSave it as index.html.")
    assert page is not None
    assert page.html == DOC
    assert (page.source, page.complete) == ("document", True)


def test_raw_html_answer_keeps_its_leading_comment() -> None:
    answer = f"<!-- Bouncing ball -->\n{DOC}\n"
    assert extract_html(answer) == f"<!-- Bouncing ball -->\n{DOC}"


def test_unfenced_document_keeps_its_own_backtick_lines() -> None:
    doc = ("<!DOCTYPE html>\n<html><body><script>\nconst md = `\n```js\nx\n```\n`;\n"
           "</script></body></html>")
    assert extract_html(doc) == doc


def test_mention_of_the_html_tag_in_prose_is_not_a_document() -> None:
    assert extract_html("Wrap everything in an `<html>` element and a <body>.") is None


def test_fenced_blocks_after_an_unfenced_document_are_assembled() -> None:
    doc = "<!DOCTYPE html>\n<html><head></head><body><p>x</p></body></html>"
    page = extract_page(f"{doc}\n\nAnd the styles:\n" + fenced(CSS, "css"))
    assert page is not None
    assert page.source == "assembled"
    assert f"<style>\n{CSS}\n</style>\n</head>" in page.html


# --- reasoning ---------------------------------------------------------------------------------

def test_think_blocks_are_ignored() -> None:
    answer = ("<think>Maybe:\n" + fenced("<p>draft</p>") + "\nno, better a canvas.</think>\n"
              + fenced("<canvas></canvas>"))
    assert extract_html(answer) == wrapped("<canvas></canvas>")


def test_unclosed_think_at_the_start_is_still_reasoning() -> None:
    assert extract_html("<think>\nI will write " + fenced("<p>draft</p>")) is None
    assert extract_html("  <THINK>plan " + fenced(DOC)) is None


def test_reasoning_before_a_stray_closing_tag_is_ignored() -> None:
    answer = ("Let me draft " + fenced("<p>draft that is much longer</p>") + "</think>\n"
              + fenced("<b>x</b>"))
    assert extract_html(answer) == wrapped("<b>x</b>")


def test_think_tag_in_the_middle_without_close_is_kept_as_text() -> None:
    answer = fenced("<p>The &lt;think&gt; tag: <think></p>")
    assert extract_html(answer) == wrapped("<p>The &lt;think&gt; tag: <think></p>")


# --- several candidates, partial pages ---------------------------------------------------------

def test_a_document_wins_over_a_longer_fragment() -> None:
    fragment = "<p>" + "long fragment " * 100 + "</p>"
    assert extract_html(fenced(fragment) + "\n" + fenced(DOC)) == DOC


def test_the_longest_complete_document_wins() -> None:
    small = "<!DOCTYPE html><html><body>v1</body></html>"
    big = "<!DOCTYPE html><html><body>version two, with more</body></html>"
    assert extract_html(fenced(small) + "\n" + fenced(big)) == big
    assert extract_html(fenced(big) + "\n" + fenced(small)) == big


def test_a_complete_document_wins_over_one_still_streaming() -> None:
    first = "<!DOCTYPE html><html><body>done</body></html>"
    streaming = "<!DOCTYPE html><html><body>a longer page that is not finished yet"
    page = extract_page(fenced(first) + "\nImproved:\n```html\n" + streaming)
    assert page is not None
    assert (page.html, page.complete) == (first, True)


def test_unclosed_fence_gives_the_partial_page() -> None:
    page = extract_page("Here:\n```html\n<!DOCTYPE html>\n<html><body><canvas id=")
    assert page is not None
    assert page.html == "<!DOCTYPE html>\n<html><body><canvas id="
    assert (page.source, page.complete) == ("fenced", False)


def test_partial_css_while_streaming_is_marked_incomplete() -> None:
    page = extract_page(fenced("<div></div>") + "\n```css\nbody { color:")
    assert page is not None
    assert page.source == "assembled"
    assert not page.complete
    assert "body { color:" in page.html


@pytest.mark.parametrize("answer", [
    "", "Just prose, no page.", fenced(""), fenced("   \n  "), "```html", "```html\n",
    fenced("print(1)", "python"), "<think>" + fenced(DOC) + "</think>", "~~~",
])
def test_no_page(answer: str) -> None:
    assert extract_html(answer) is None


ANSWER = ("I'll build it.\n\n```html\n<!DOCTYPE html>\n<html>\n<head><link rel=\"stylesheet\" "
          "href=\"style.css\"></head>\n<body>\n<canvas id=\"c\"></canvas>\n<script src=\"app.js\">"
          "</script>\n</body>\n</html>\n```\n\n```css\ncanvas { width: 100%; }\n```\n\n"
          "```js\nconst ctx = document.getElementById('c').getContext('2d');\n```\n\nDone.")


def test_every_prefix_of_a_streaming_answer_gives_a_page_or_none() -> None:
    final = extract_page(ANSWER)
    assert final is not None
    assert final.complete
    seen_complete = False
    for end in range(len(ANSWER) + 1):
        page = extract_page(ANSWER[:end])
        assert page is None or page.html.strip()
        if page is not None and page.complete:
            seen_complete = True
        if end >= ANSWER.index("Done."):
            assert page == final
    assert seen_complete


def test_same_input_same_output() -> None:
    assert [extract_html(ANSWER) for _ in range(3)] == [extract_html(ANSWER)] * 3


# --- properties --------------------------------------------------------------------------------

_markup = st.text(alphabet="<>/!-=\"' \n\t`~abchtmlbodyscriptstyle{}();#.:", max_size=200)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), _markup))
def test_never_fails_on_arbitrary_text(text: str) -> None:
    for finished in (False, True):
        page = extract_page(text, finished=finished)
        assert page is None or (isinstance(page.html, str) and page.html.strip())
        assert extract_html(text, finished=finished) == (None if page is None else page.html)


_words = st.text(alphabet="abcdefg xyz.,!?", min_size=0, max_size=40)
_html_bodies = st.sampled_from([
    "<p>hi</p>", '<canvas id="c"></canvas>', "<div class=\"a\">x &amp; y</div>",
    DOC, "<!DOCTYPE html>\n<html><head></head><body>\n<h1>t</h1>\n</body></html>",
    "<html><body>\n```js\ninner\n```\n</body></html>", "<svg><rect/></svg>",
])
_css_bodies = st.sampled_from([CSS, "canvas { display: block }", "h1{color:red}"])
_js_bodies = st.sampled_from([JS, "console.log(1)", "import x from './x.js';\nx();"])


@st.composite
def _answers(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["prose", "html", "css", "js", "think", "raw", "channels"]))
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        if kind == "prose":
            parts.append(draw(_words))
        elif kind == "html":
            body = draw(_html_bodies)
            if "```" in body:  # valid Markdown: the outer fence is the longer one
                fence = "````"
            parts.append(fenced(body, draw(st.sampled_from(["html", "HTML", "htm"])), fence))
        elif kind == "css":
            parts.append(fenced(draw(_css_bodies), "css", fence))
        elif kind == "js":
            parts.append(fenced(draw(_js_bodies), "js", fence))
        elif kind == "think":
            tag = draw(st.sampled_from(["think", "thinking", "reasoning"]))
            parts.append(f"<{tag}>" + draw(_words) + f"</{tag}>")
        elif kind == "channels":
            parts.append("<|channel|>analysis<|message|>" + draw(_words) + "<|end|><|start|>"
                         "assistant<|channel|>final<|message|>")
        else:
            parts.append(DOC)
    answer = "\n\n".join(parts)
    cut = draw(st.integers(0, len(answer)))
    return answer[:cut] if draw(st.booleans()) else answer


@settings(max_examples=300, deadline=None)
@given(_answers(), st.booleans())
def test_extraction_is_idempotent_on_its_own_output(answer: str, finished: bool) -> None:
    html = extract_html(answer, finished=finished)
    if html is not None:
        assert extract_html(html, finished=finished) == html


_TOKENS = ["<html>", "</html>", "<!DOCTYPE html>", "```", "```html", "~~~", "~~~html", "\n",
           "\n", "<think>", "</think>", "<thinking>", "</reasoning>", "<|channel|>final",
           "<|message|>", "<|end|>", "<body>", "<head>", "</head>", "</body>", "x", " ",
           "```css", "```js", "<style>", "<script>", '<link rel=stylesheet href="a.css">',
           '<script src="a.js"></script>', "a{}", "f()", "<p>"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join))
def test_idempotent_on_token_soup(answer: str) -> None:
    html = extract_html(answer)
    # Pages real models write start with markup. A fenced "document" that starts with prose
    # is returned as written but is no longer recognisable as a page on its own, and a page
    # with its own fence-like lines is read as Markdown again. A page that itself holds a
    # reasoning tag or a channel marker is cut there when read as an answer, as reasoning in
    # answers is.
    if (html is not None and html.startswith("<") and TAG_RE.search(html) is None
            and "<|" not in html and not re.search(r"^\s*(```|~~~)", html, re.MULTILINE)):
        assert extract_html(html) == html


@settings(max_examples=200, deadline=None)
@given(_answers())
def test_every_page_declares_a_document_or_is_wrapped(answer: str) -> None:
    page = extract_page(answer)
    has_document = re.search(r"<!doctype|<html|<head|<body", answer, re.IGNORECASE)
    if page is not None and page.source in ("fragment", "assembled") and not has_document:
        assert page.html.startswith(WRAP_HEAD)
        assert page.html.endswith("</body>\n</html>")


# --- size --------------------------------------------------------------------------------------

def _big_answer(size: int) -> str:
    rows: list[str] = []
    total = 0
    while total < size:
        rows.append(f'<div class="row" id="r{len(rows)}">Row &amp; <b>text</b> `x` ~~ &lt;</div>\n')
        total += len(rows[-1])
    return ("<think>plan</think>\nHere:\n```html\n<!DOCTYPE html>\n<html><head></head><body>\n"
            + "".join(rows) + "</body></html>\n```\n" + fenced(CSS, "css"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", [
    pytest.param(_big_answer(2_000_000), id="page"),
    pytest.param(_big_answer(2_000_000)[:1_000_000], id="page-cut"),
    pytest.param("x" * 2_000_000, id="letters"),
    pytest.param(" " * 2_000_000 + "<html>", id="spaces"),
    pytest.param("<link " * 300_000, id="open-tags"),
    pytest.param("</html" + " " * 2_000_000, id="unclosed-end-tag"),
    pytest.param("<think>" * 200_000, id="think-tags"),
    pytest.param("```html\n" + "<p>x</p>\n" * 200_000, id="long-unclosed-fence"),
    pytest.param(("``" + " " * 50) * 20_000, id="almost-fences"),
])
def test_megabyte_answers_are_scanned_without_blowing_up(text: str) -> None:
    # A quadratic scan of 2 MB would take minutes; the timeout catches it without
    # asserting on wall-clock figures of a shared machine.
    for _ in range(3):
        extract_page(text)


def test_big_page_is_extracted_whole() -> None:
    answer = _big_answer(1_000_000)
    html = extract_html(answer)
    assert html is not None
    assert html.startswith("<!DOCTYPE html>")
    assert html.endswith("</body></html>")
    assert len(re.findall(r'class="row"', html)) == answer.count('class="row"')
    assert CSS in html


def test_an_untagged_fence_that_opens_with_page_markup_is_a_fragment() -> None:
    # What a small local model really wrote: no language tag and no closing fence.
    answer = '```\n<h1>Your Name</h1>\n<p>Hello, my name is {name}.</p>\n'
    page = extract_html(answer)
    assert page is not None
    assert "<h1>Your Name</h1>" in page
    assert page.lstrip().lower().startswith("<!doctype html>")


def test_an_untagged_fence_with_other_code_is_not_a_page() -> None:
    assert extract_html("```\nprint('<div>')\n```") is None
    assert extract_html('```\n<?xml version="1.0"?><note/>\n```') is None
