"""Extraction on answers shaped like the ones real models give: reasoning in the text,
placeholder scripts with the program in its own block, unclosed think blocks and pages the
answer stopped in the middle of. The answers are in tests/fixtures/answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.extract import extract_html, extract_page
from studio.core.page_close import CUT_OFF_NOTE, close_open_markup, page_was_cut_off

ANSWERS = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
BREAKOUT = (ANSWERS / "breakout_full.md").read_text(encoding="utf-8")


def answer(name: str) -> str:
    return (ANSWERS / name).read_text(encoding="utf-8")


def fenced_block(text: str, info: str, index: int = 0) -> str:
    blocks = re.findall(rf"^```{info}\n(.*?)\n```$", text, re.MULTILINE | re.DOTALL)
    return str(blocks[index])


# --- reasoning never becomes the page ----------------------------------------------------------

@pytest.mark.parametrize("finished", [False, True])
def test_harmony_channels_leave_only_the_final_page(finished: bool) -> None:
    text = answer("harmony_channels.txt")
    page = extract_page(text, finished=finished)
    assert page is not None
    assert page.html == fenced_block(text.split("<|channel|>final<|message|>")[1], "html")
    assert page.html.startswith("<!DOCTYPE html>") and page.html.endswith("</html>")
    assert "<|" not in page.html and "Let's draft" not in page.html
    assert (page.source, page.complete, page.cut_off) == ("fenced", True, False)


def test_while_the_analysis_channel_streams_there_is_no_page_yet() -> None:
    text = answer("harmony_channels.txt")
    analysis = text[:text.index("<|end|>")]
    assert '<canvas id="c">' in analysis  # a draft that must not be shown
    assert extract_page(analysis) is None


@pytest.mark.parametrize(("name", "title"), [("thinking_tags.md", "<title>Clock</title>"),
                                             ("reasoning_tags.md", "<title>Tip calculator")])
def test_thinking_and_reasoning_blocks_are_not_the_page(name: str, title: str) -> None:
    text = answer(name)
    for finished in (False, True):
        page = extract_page(text, finished=finished)
        assert page is not None
        assert title in page.html
        assert page.html.startswith("<!DOCTYPE html>")


def test_an_unclosed_think_block_is_still_thinking_while_it_streams() -> None:
    assert extract_page(answer("unclosed_think.md")) is None


def test_a_page_inside_a_think_block_never_closed_is_the_page_once_finished() -> None:
    text = answer("unclosed_think.md")
    page = extract_page(text, finished=True)
    assert page is not None
    assert page.html == fenced_block(text, "html")
    assert (page.source, page.complete, page.cut_off) == ("fenced", True, False)


def test_an_unclosed_think_after_a_closed_one_is_also_the_answer_once_finished() -> None:
    text = "<think>first</think>\n<thinking>\n```html\n<p>kept</p>\n```"
    assert extract_page(text) is None
    page = extract_page(text, finished=True)
    assert page is not None and "<p>kept</p>" in page.html


# --- placeholder scripts and styles ------------------------------------------------------------

def test_placeholder_script_gets_the_program_from_its_own_block() -> None:
    text = answer("placeholder_script.md")
    game = fenced_block(text, "javascript")
    page = extract_page(text, finished=True)
    assert page is not None
    assert page.source == "assembled"
    assert "JavaScript code goes here" not in page.html
    assert page.html.count(game) == 1
    assert page.html.count("<script") == 1
    assert page.html.index('<canvas id="game"') < page.html.index(game) < page.html.index(
        "</body>")
    assert '<p>Score: <span id="score">0</span></p>' in page.html


def test_placeholder_style_and_module_script_are_filled_and_stay_a_module() -> None:
    text = answer("placeholder_style_and_module.md")
    css, js = fenced_block(text, "css"), fenced_block(text, "js")
    page = extract_page(text, finished=True)
    assert page is not None
    html = page.html
    assert "styles here" not in html and "your code here" not in html
    assert html.count("<style>") == 1 and html.index(css) < html.index("</head>")
    assert f'<script type="module">\n{js}\n</script>' in html
    assert html.index('<div id="app">') < html.index(js)


@pytest.mark.parametrize("script", [
    "<script></script>", "<script>\n</script>", "<script>/* TODO: game logic */</script>",
    "<script>\n  // Your code will go here\n  // (see below)\n</script>",
    '<script type="text/javascript"><!-- --></script>',
])
def test_every_kind_of_empty_script_is_replaced(script: str) -> None:
    code = "document.body.dataset.ready = 'yes';"
    text = (f"```html\n<!DOCTYPE html>\n<html><body><main></main>{script}</body></html>\n```\n"
            f"```js\n{code}\n```")
    html = extract_html(text, finished=True)
    assert html is not None
    assert html.count(code) == 1 and html.count("<script") == 1


def test_a_real_inline_script_is_not_a_placeholder() -> None:
    text = ("```html\n<!DOCTYPE html>\n<html><body><script>\n// draw\nlet speed = 1;\n"
            "</script></body></html>\n```\nTo make it faster:\n```js\nlet speed = 5;\n```")
    assert extract_html(text, finished=True) == fenced_block(text, "html")


def test_data_scripts_are_kept_as_they_are() -> None:
    doc = ('<!DOCTYPE html>\n<html><body><script type="application/json" id="cfg"></script>'
           "</body></html>")
    text = f"```html\n{doc}\n```\n```js\nconsole.log(1);\n```"
    html = extract_html(text, finished=True)
    assert html is not None and '<script type="application/json" id="cfg"></script>' in html


# --- pages the answer stopped in the middle of -------------------------------------------------

def test_cut_inside_a_script_is_closed_so_the_script_runs_and_fails_visibly() -> None:
    text = answer("breakout_cut_in_script.md")
    page = extract_page(text, finished=True)
    assert page is not None
    assert page.cut_off and not page.complete
    assert page.html.startswith(CUT_OFF_NOTE + "<!DOCTYPE html>")
    assert page.html.endswith("    ball.dy = -Math.\n</script>\n</body></html>")
    assert page_was_cut_off(page.html)


def test_while_streaming_a_half_page_is_shown_as_far_as_it_goes() -> None:
    text = answer("breakout_cut_in_script.md")
    page = extract_page(text)
    assert page is not None
    assert not page.cut_off and not page_was_cut_off(page.html)
    assert page.html.endswith("    ball.dy = -Math.")


@pytest.mark.parametrize(("cut_after", "ending"), [
    ('<canvas id="game" wid', "<!-- the board -->\n</div></body></html>"),
    ("<div class=\"stat\">Lives: <span id=\"liv", '<div class="stat">Lives:\n</div></div>'
     "</body></html>"),
    ("  <div class=\"stat\">Score: <span id=\"score\">0</span></div>\n",
     '<span id="score">0</span></div>\n</div></body></html>'),
    ("<!-- the board", "</body></html>"),
    ("canvas { border: 2px solid #fee7", "#fee7\n</style>\n</head></html>"),
    ("for (const b of bricks) if (b.alive) ctx.fillRect(b.x, b.y, brickW, brickH);\n  ctx.fil",
     "ctx.fil\n</script>\n</body></html>"),
    ("function loop() { update(); draw(); if (lives > 0) requestAnimationFrame(loop); }\n"
     "loop();\n</scr", "loop();\n</script>\n</body></html>"),
])
def test_cut_off_pages_are_closed_where_they_stop(cut_after: str, ending: str) -> None:
    source = BREAKOUT.replace('<div id="board">', '<div id="board">\n<!-- the board -->')
    text = source[:source.index(cut_after) + len(cut_after)]
    page = extract_page(text, finished=True)
    assert page is not None
    assert page.cut_off
    assert page.html.endswith(ending), page.html[-200:]
    assert page.html.count("<script") == page.html.count("</script>")


def test_a_page_that_only_lacks_its_closing_fence_is_not_cut_off() -> None:
    text = BREAKOUT[:BREAKOUT.index("</html>") + len("</html>")]
    page = extract_page(text, finished=True)
    assert page is not None
    assert not page.cut_off
    assert page.html == fenced_block(BREAKOUT, "html")


def test_a_document_without_its_last_end_tags_is_finished_not_cut_off() -> None:
    page = extract_page("<!DOCTYPE html>\n<html><body><h1>Hi</h1>\n", finished=True)
    assert page is not None
    assert not page.cut_off
    assert page.html == "<!DOCTYPE html>\n<html><body><h1>Hi</h1>\n</body></html>"


def test_a_cut_off_script_block_makes_an_assembled_page_cut_off() -> None:
    text = ("```html\n<div id=\"app\"></div>\n```\n```js\nconst app = document.getElementById("
            "'app');\napp.textContent = 'Hel")
    page = extract_page(text, finished=True)
    assert page is not None
    assert page.cut_off and page.source == "assembled"
    assert page.html.startswith(CUT_OFF_NOTE)
    assert "app.textContent = 'Hel\n</script>" in page.html


def test_a_cut_off_page_extracts_to_itself() -> None:
    html = extract_html(answer("breakout_cut_in_script.md"), finished=True)
    assert html is not None
    assert extract_html(html, finished=True) == html
    assert extract_html(html) == html


def test_closing_leaves_complete_markup_alone() -> None:
    doc = fenced_block(BREAKOUT, "html")
    assert close_open_markup(doc) == (doc, False)
    assert close_open_markup("<p>one<p>two<li>x") == ("<p>one<p>two<li>x", False)


def test_closing_drops_a_tag_cut_in_a_quoted_attribute_holding_a_bracket() -> None:
    assert close_open_markup('<div><a title="x > y" href="/pa') == ("<div>\n</div>", True)


_PREFIX_ENDS = st.integers(min_value=0, max_value=len(BREAKOUT))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PREFIX_ENDS)
def test_every_prefix_of_a_finished_answer_gives_a_runnable_page_or_none(end: int) -> None:
    text = BREAKOUT[:end]
    page = extract_page(text, finished=True)
    if page is None:
        return
    html = page.html
    assert html.count("<script") == html.count("</script>")
    assert html.count("<style") == html.count("</style>")
    assert page.cut_off == page_was_cut_off(html)
    assert extract_html(html, finished=True) == html
    streaming = extract_page(text)
    assert streaming is not None and not streaming.cut_off


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>/!-=\"' \nabcdivspnrt{}();", max_size=300))
def test_closing_never_fails_and_settles(markup: str) -> None:
    closed, _cut = close_open_markup(markup)
    again, cut_again = close_open_markup(closed)
    assert not cut_again
    assert again == closed


@pytest.mark.timeout(60)
def test_a_megabyte_page_cut_off_is_closed_in_one_pass() -> None:
    rows = "".join(f'<div class="row" id="r{i}"><span>{i}</span></div>\n' for i in range(30_000))
    text = f"```html\n<!DOCTYPE html>\n<html><body><main>\n{rows}<div class=\"row\"><span>x"
    page = extract_page(text, finished=True)
    assert page is not None and page.cut_off
    assert page.html.endswith("<span>x\n</span></div></main></body></html>")
    # A tag cut in an unbalanced quote is tried once, not again at every later "<".
    assert close_open_markup('<a "' * 200_000) == ("", True)
