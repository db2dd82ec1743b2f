"""Incremental Markdown rendering for the answer panes."""

from __future__ import annotations

import html as html_lib
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.highlight import DARK, LIGHT
from studio.core.long_lines import LINE_LIMIT
from studio.core.markdown_render import (
    HARD_LIMIT,
    CodeBlock,
    IncrementalMarkdown,
    code_link,
    parse_code_link,
    render_full,
)


def stream(text: str, cuts: list[int], line_limit: int = LINE_LIMIT
           ) -> tuple[str, IncrementalMarkdown]:
    """Feed `text` split at `cuts`; return all stable HTML in order and the renderer."""
    inc = IncrementalMarkdown(line_limit=line_limit)
    out = []
    pos = 0
    for cut in [*sorted(cuts), len(text)]:
        out.append(inc.feed(text[pos:cut]).stable_html)
        pos = cut
    out.append(inc.finish().stable_html)
    return "".join(out), inc


# --- what gets rendered ------------------------------------------------------------------------

@pytest.mark.parametrize(("markdown", "expected"), [
    ("# Title", "<h1>Title</h1>"),
    ("Some *em* and **strong** and ~~gone~~.", "<p>Some <em>em</em> and <strong>strong</strong>"
                                               " and <s>gone</s>.</p>"),
    ("[site](https://example.com)", '<a href="https://example.com">site</a>'),
    ("> quoted", "<blockquote"),
    ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("---", "<hr />"),
    ("`x < y`", '<code style="background-color:#eff1f3">x &lt; y</code>'),
])
def test_blocks_render(markdown: str, expected: str) -> None:
    assert expected in render_full(markdown)


def test_tables_get_visible_borders() -> None:
    html = render_full("| a | b |\n|---|--:|\n| 1 | 2 |")
    assert '<table border="1"' in html
    assert "<th>a</th>" in html
    assert '<td style="text-align:right">2</td>' in html


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "hello <b onclick='x()'>bold</b>",
    "<div>\n\n*text*\n\n</div>",
    "<!-- comment --> <iframe src='https://evil'></iframe>",
])
def test_raw_html_from_the_answer_is_shown_as_text(markdown: str) -> None:
    html = render_full(markdown)
    assert "&lt;" in html
    for tag in ("<script", "<img", "<b ", "<div", "<iframe", "<!--"):
        assert tag not in html


def test_dangerous_links_are_not_links() -> None:
    html = render_full("[a](javascript:alert(1)) [b](file:///etc/passwd) [c](vbscript:x)")
    assert "<a " not in html


def test_images_become_plain_links() -> None:
    html = render_full("![a cat](https://example.com/cat.png) ![](/home/me/secret.png)")
    assert "<img" not in html
    assert '<a href="https://example.com/cat.png">[image: a cat]</a>' in html
    assert '<a href="/home/me/secret.png">[image]</a>' in html


def test_code_blocks_are_highlighted_and_numbered() -> None:
    markdown = ("Intro\n\n```python\ndef f():\n    return 'x'  # done\n```\n\nthen\n\n"
                "~~~js\nconst a = 1;\n~~~\n\n    indented code\n")
    html, inc = stream(markdown, [])
    assert inc.code_blocks == [
        CodeBlock(0, "python", "def f():\n    return 'x'  # done"),
        CodeBlock(1, "js", "const a = 1;"),
        CodeBlock(2, "", "indented code"),
    ]
    for index in range(3):
        assert f'href="{code_link(index)}"' in html
    assert f'<span style="color:{LIGHT.keyword}">def</span>' in html
    assert f'<span style="color:{LIGHT.string}">&#x27;x&#x27;</span>' not in html
    assert f"<span style=\"color:{LIGHT.string}\">'x'</span>" in html
    assert f'<span style="color:{LIGHT.comment};font-style:italic"># done</span>' in html
    assert f'<span style="color:{LIGHT.keyword}">const</span>' in html


def test_code_links_can_be_left_out_and_themes_switched() -> None:
    html = render_full("```js\nlet x\n```", DARK, code_links=False)
    assert "Copy" not in html
    assert DARK.background in html
    assert f'<span style="color:{DARK.keyword}">let</span>' in html


def test_code_link_round_trip() -> None:
    assert parse_code_link(code_link(12)) == 12
    assert parse_code_link("https://example.com") is None
    assert parse_code_link("studio-code:copy/x") is None


def test_fence_inside_a_list_item_and_in_a_quote() -> None:
    markdown = "1. Install:\n\n    ```bash\n    pip install x\n    ```\n\n> ```py\n> a = 1\n> ```"
    _html, inc = stream(markdown, [])
    assert [b.code for b in inc.code_blocks] == ["pip install x", "a = 1"]


def test_longer_fences_hold_shorter_ones() -> None:
    markdown = "````md\n```js\nx\n```\n````\nafter"
    html, inc = stream(markdown, [])
    assert inc.code_blocks == [CodeBlock(0, "md", "```js\nx\n```")]
    assert "<p>after</p>" in html


def test_unclosed_fence_is_a_code_block_at_the_end() -> None:
    html, inc = stream("text\n```html\n<p>cut off", [])
    assert inc.code_blocks == [CodeBlock(0, "html", "<p>cut off")]
    assert "&lt;p" in html


def test_nul_and_crlf() -> None:
    html = render_full("a\x00b\r\n\r\n```\r\ncode\x00\r\n```\r\n")
    assert "\x00" not in html
    assert "\r" not in html.replace("\r\n", "")  # no stray carriage returns in code


# --- streaming ---------------------------------------------------------------------------------

def test_a_block_becomes_stable_when_the_next_one_starts() -> None:
    inc = IncrementalMarkdown()
    update = inc.feed("First paragraph")
    assert (update.stable_html, update.tail_html) == ("", "<p>First paragraph</p>\n")
    update = inc.feed(" goes on.\n\n")
    assert update.stable_html == ""  # a blank line alone does not end a list item or code
    update = inc.feed("Second")
    assert update.stable_html == ""
    update = inc.feed(" paragraph.\n")
    assert update.stable_html == "<p>First paragraph goes on.</p>\n"
    assert update.tail_html == "<p>Second paragraph.</p>\n"
    update = inc.finish()
    assert (update.stable_html, update.tail_html) == ("<p>Second paragraph.</p>\n", "")


def test_indented_lines_after_a_blank_continue_the_block() -> None:
    inc = IncrementalMarkdown()
    inc.feed("1. Step one\n\n   more about step one\n\n")
    assert inc.feed("2. Step two\n").stable_html.startswith("<ol>\n<li>\n<p>Step one</p>\n"
                                                             "<p>more about step one</p>")


def test_a_closed_fence_is_stable_at_once() -> None:
    inc = IncrementalMarkdown()
    update = inc.feed("```js\nlet a = 1;\n")
    assert update.stable_html == ""
    assert "let" in update.tail_html
    update = inc.feed("```\n")
    assert "let" in update.stable_html
    assert update.tail_html == ""
    assert inc.code_blocks == [CodeBlock(0, "js", "let a = 1;")]


def test_open_fence_tail_shows_code_and_its_block_so_far() -> None:
    inc = IncrementalMarkdown()
    update = inc.feed("Here:\n```python\nimport os\nprint(os.sep")
    assert update.stable_html == "<p>Here:</p>\n"
    assert "</span>(os.sep</pre>" in update.tail_html
    assert inc.code_blocks == [CodeBlock(0, "python", "import os\nprint(os.sep")]
    update = inc.feed("\n``")  # perhaps the closing fence: not shown as code
    assert "``" not in update.tail_html


def test_finish_is_final() -> None:
    inc = IncrementalMarkdown()
    inc.feed("x")
    inc.finish()
    assert inc.finish().stable_html == ""
    with pytest.raises(RuntimeError):
        inc.feed("more")


# --- incremental == full -----------------------------------------------------------------------

_pieces = st.sampled_from([
    "# Head\n", "para text ", "more *em* ", "`code` ", "\n", "\n\n", "\n\n\n", "- item\n",
    "1. one\n", "   indented\n", "    code\n", "> quote\n", "```", "```js\n", "~~~\n", "````\n",
    "``` \n", "let a = 'x'; // c\n", "/* open\n", "*/\n", "| a | b |\n", "|---|---|\n",
    "<b>raw</b>", "[l](https://x.y)", "![i](x.png)", "\t", " ", "\r\n", "---\n", "***",
    "\"\"\"doc\n", "<script>", "</script>\n",
])
_markdownish = st.one_of(
    st.lists(_pieces, max_size=40).map("".join),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=120),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_markdownish, st.data())
def test_streaming_gives_exactly_the_full_render(text: str, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=12))
    full = render_full(text)
    streamed, inc = stream(text, cuts)
    assert streamed == full
    _one_piece, whole = stream(text, [])
    assert inc.code_blocks == whole.code_blocks


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_markdownish, st.data())
def test_state_after_each_feed_does_not_depend_on_how_text_was_split(
        text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    inc = IncrementalMarkdown()
    pos = 0
    for cut in cuts:
        inc.feed(text[pos:cut])
        pos = cut
        fresh = IncrementalMarkdown()
        fresh.feed(text[:cut])
        assert inc.html == fresh.html
        assert inc.code_blocks == fresh.code_blocks


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_markdownish, st.data(), st.integers(1, 24))
def test_with_lines_cut_short_streaming_still_gives_exactly_the_full_render(
        text: str, data: st.DataObject, line_limit: int) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=12)))
    streamed, inc = stream(text, cuts, line_limit)
    assert streamed == render_full(text, line_limit=line_limit)
    assert inc.code_blocks == stream(text, [], line_limit)[1].code_blocks
    for cut in cuts:  # and what is shown midway does not depend on the chunking either
        one, two = IncrementalMarkdown(line_limit=line_limit), IncrementalMarkdown(
            line_limit=line_limit)
        one.feed(text[:cut])
        two.feed(text[:cut // 2])
        two.feed(text[cut // 2:cut])
        assert one.html == two.html and one.code_blocks == two.code_blocks


_ALLOWED_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "code", "pre",
                 "a", "ul", "ol", "li", "blockquote", "hr", "br", "table", "thead", "tbody",
                 "tr", "th", "td", "span"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_markdownish)
def test_only_known_tags_come_out(text: str) -> None:
    html = render_full(text)
    for tag in re.findall(r"</?([A-Za-z0-9]+)", html):
        assert tag in _ALLOWED_TAGS
    for href in re.findall(r'href="([^"]*)"', html):
        assert not href.lower().startswith(("javascript:", "vbscript:", "file:", "data:"))


# --- cost per feed -----------------------------------------------------------------------------

def _long_answer(size: int) -> str:
    rng = random.Random(7)
    parts = []
    total = 0
    section = 0
    while total < size:
        section += 1
        code = "\n".join(f"  const v{j} = compute({j}, 'label {j}'); // step {j}"
                         for j in range(rng.randint(3, 80)))
        part = (f"## Part {section}\n\nSome **bold** text, `inline` code and a "
                f"[link](https://example.com/{section}).\nA second line of the paragraph.\n\n"
                f"- point one\n- point two with *emphasis*\n\n```js\n{code}\n```\n\n"
                f"| col | value |\n|---|---|\n| a | {section} |\n\n> note {section}\n\n")
        parts.append(part)
        total += len(part)
    return "".join(parts)


@pytest.mark.timeout(300)
def test_cost_per_chunk_does_not_grow_with_the_answer() -> None:
    text = _long_answer(1_000_000)
    inc, work = _work_per_feed(text, 10_000)
    tenth = len(work) // 10
    first, last = sum(work[:tenth]), sum(work[-tenth:])
    assert last <= 2 * first, (first, last)
    # and the total is linear: each character is parsed a bounded number of times
    assert inc.work < 40 * len(text)


def _work_per_feed(text: str, feeds: int) -> tuple[IncrementalMarkdown, list[int]]:
    """Stream `text` in `feeds` equal pieces; the renderer and its work for each feed."""
    size = len(text) // feeds + 1
    inc = IncrementalMarkdown()
    work = []
    for start in range(0, len(text), size):
        before = inc.work
        inc.feed(text[start:start + size])
        work.append(inc.work - before)
    inc.finish()
    return inc, work


@pytest.mark.timeout(120)
def test_a_block_without_blank_lines_is_cut_to_bound_the_tail() -> None:
    line = "- list item with some words in it\n"
    inc = IncrementalMarkdown()
    per_feed = []
    for _ in range(1_000):  # ~35 KB without a blank line
        before = inc.work
        inc.feed(line)
        per_feed.append(inc.work - before)
    assert max(per_feed) <= HARD_LIMIT + 2 * len(line)
    assert render_full(line * 1_000).count("<li>") == 1_000


@pytest.mark.timeout(120)
def test_a_long_table_is_cut_and_keeps_its_columns() -> None:
    rows = "".join(f"| row {i} | {i * 2} |\n" for i in range(1_000))
    markdown = "Results:\n| name | value |\n|:---|---:|\n" + rows + "\nAfter."
    html, _inc = stream(markdown, list(range(0, len(markdown), 50)))
    assert html.count("<table") > 1  # cut into several tables…
    assert html.count("</th>") == 2  # …with the header once
    assert html.count("<tr>") == 1_001
    assert html.count('<td style="text-align:right">') == 1_000
    assert "| row" not in html  # no row fell out of a table into a paragraph
    assert html.endswith("<p>After.</p>\n")


@pytest.mark.parametrize("seed", range(4))
def test_streaming_equals_full_across_hard_cuts(seed: int) -> None:
    rng = random.Random(seed)
    blocks = []
    for _ in range(40):
        kind = rng.choice(["table", "list", "para", "code", "quote"])
        n = rng.randint(1, 120)
        if kind == "table":
            blocks.append("| a | b |\n|---|:-:|\n" + "| x | y |\n" * n)
        elif kind == "list":
            blocks.append("".join(f"{i}. item {i}\n" for i in range(1, n + 1)))
        elif kind == "para":
            blocks.append("words and more words\n" * n)
        elif kind == "code":
            blocks.append("```py\n" + "x = 1  # c\n" * n + "```\n")
        else:
            blocks.append("> quoted line\n" * n)
        blocks.append(rng.choice(["\n", "", "\n\n"]))
    text = "".join(blocks)
    cuts = [rng.randrange(len(text)) for _ in range(rng.randint(10, 400))]
    streamed, inc = stream(text, cuts)
    assert streamed == render_full(text)
    assert inc.code_blocks == stream(text, [])[1].code_blocks


# --- long open blocks: a single line of a megabyte ---------------------------------------------

_LONG_CASES = {
    "paragraph": " ".join(f"w{i}" for i in range(1_500)) + "\n\nAfter.",
    "code line in a fence": "```js\nconst data = [" + ", ".join(str(i) for i in range(1_500))
                            + "];\nx();\n```\nAfter.",
    "table row": "| a | b |\n|---|---|\n" + "| cell " * 1_000 + "|\n| 1 | 2 |\n\nAfter.",
    "inline code span": "Data: `" + "{'k': 1}, " * 800 + "` and *after* it.\n",
}


@pytest.mark.parametrize("case", _LONG_CASES)
@pytest.mark.parametrize("seed", range(3))
def test_long_lines_stream_exactly_as_they_render_in_full(case: str, seed: int) -> None:
    text = _LONG_CASES[case]
    rng = random.Random(seed)
    cuts = [rng.randrange(len(text)) for _ in range(rng.randint(1, 300))]
    inc = IncrementalMarkdown(line_limit=64)
    out, pos = [], 0
    for cut in [*sorted(cuts), len(text)]:
        out.append(inc.feed(text[pos:cut]).stable_html)
        pos = cut
        fresh = IncrementalMarkdown(line_limit=64)
        fresh.feed(text[:pos])
        assert inc.html == fresh.html  # the same cuts however the text arrived
        assert inc.code_blocks == fresh.code_blocks
    out.append(inc.finish().stable_html)
    assert "".join(out) == render_full(text, line_limit=64)
    assert inc.code_blocks == stream(text, [])[1].code_blocks


def _shown_text(html: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


def test_a_long_paragraph_keeps_all_its_words_and_no_gaps() -> None:
    text = _LONG_CASES["paragraph"]
    html = render_full(text, line_limit=64)
    assert _shown_text(html).split() == text.split()
    assert html.count('<p style="margin-top:0; margin-bottom:0">') > 100  # shown in pieces…
    assert html.startswith('<p style="margin-bottom:0">w0 w1')  # …that follow each other
    assert max(len(piece) for piece in _shown_text(html).split("\n")) <= 64


def test_a_long_code_line_is_shown_in_pieces_and_copied_whole() -> None:
    text = _LONG_CASES["code line in a fence"]
    inc = IncrementalMarkdown(line_limit=64)
    html = inc.feed(text).stable_html + inc.finish().stable_html
    line = text.split("\n")[1]
    assert inc.code_blocks[0].code == f"{line}\nx();"
    shown = _shown_text(html)
    assert line + "x();" in shown.replace("\n", "")  # every character…
    assert shown.count("\n") > len(line) // 64  # …on display lines of at most 64
    assert shown.count("Copy") == 1  # one header for all its parts


def test_a_long_inline_code_span_stays_code_across_the_cuts() -> None:
    text = _LONG_CASES["inline code span"]
    html = render_full(text, line_limit=64)
    code = re.findall(r'<code style="[^"]*">([^<]*)</code>', html)
    assert "".join(html_lib.unescape(c) for c in code) == "{'k': 1}, " * 800
    assert "`" not in _shown_text(html)
    assert "<em>after</em>" in html


def test_a_long_table_row_keeps_its_cells_and_the_table_goes_on() -> None:
    text = _LONG_CASES["table row"]
    html = render_full(text, line_limit=64)
    assert _shown_text(html).count("cell") == 1_000
    assert html.count("<table") == 2  # the rows after the long one are still a table
    assert "<td>1</td>" in html and html.endswith("<p>After.</p>\n")


def _megabyte_cases() -> dict[str, str]:
    words = " ".join(f"w{i}" for i in range(150_000))
    return {
        "paragraph": words,
        "code line in a fence": "```js\n" + words,
        "table row": "| a | b |\n|---|---|\n" + words.replace(" ", " | "),
        "inline code span": "`" + words,
    }


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", _megabyte_cases())
def test_the_cost_per_feed_of_an_open_megabyte_line_does_not_grow(case: str) -> None:
    text = _megabyte_cases()[case]
    size = len(text) // 10_000 + 1
    inc, work = _work_per_feed(text, 10_000)
    tenth = len(work) // 10
    first, last = sum(work[:tenth]), sum(work[-tenth:])
    assert last <= 2 * first, (first, last)
    assert max(work) <= 2 * HARD_LIMIT + 2 * size
    assert inc.work < 40 * len(text)  # as for the long answer above: linear in the text
