"""The answer view: streamed Markdown and code end up as a one-shot render would show them."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from studio.core.markdown_render import code_link, render_full
from studio.ui.workspace.answer_view import AnswerView
from studio.ui.workspace.stream_segments import (
    CodeCut,
    CodeLine,
    FenceClose,
    FenceOpen,
    MarkdownText,
    Segmenter,
)
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

ANSWER = """# A bouncing ball

Here is the page, with **bold** and `inline code`:

```html
<!doctype html>
<canvas id="c"></canvas>

<script>
  const ctx = document.getElementById("c").getContext("2d");
</script>
```

- one
- two

| a | b |
|---|---|
| 1 | 2 |

~~~python
print("done")
~~~
The end.
"""


def normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def one_shot(markdown: str) -> str:
    doc = QTextDocument()
    doc.setHtml(render_full(markdown))
    return normalized(doc.toPlainText())


def stream(view: AnswerView, text: str, size: int) -> None:
    for start in range(0, len(text), size):
        view.append(text[start:start + size])
    view.finish()


def streamed_cost(text: str, size: int) -> tuple[AnswerView, float, float]:
    """Stream `text` in chunks of `size` into a shown view; the median seconds per chunk
    over the first and the last tenth of the chunks."""
    view = AnswerView()
    view.resize(500, 600)
    view.show()
    cost: list[float] = []
    for start in range(0, len(text), size):
        started = time.perf_counter()
        view.append(text[start:start + size])
        cost.append(time.perf_counter() - started)
    view.finish()
    tenth = len(cost) // 10
    return view, sorted(cost[:tenth])[tenth // 2], sorted(cost[-tenth:])[tenth // 2]


def test_segmenter_splits_markdown_and_fences_whatever_the_chunking() -> None:
    expected = [MarkdownText("Intro\n"), FenceOpen("js title"), CodeLine("let a = 1;"),
                CodeLine(""), FenceClose(), MarkdownText("After ``` not a fence\n")]
    text = "Intro\n```js title\nlet a = 1;\n\n```\nAfter ``` not a fence\n"
    for size in (1, 2, 3, 7, len(text)):
        seg = Segmenter()
        pieces = []
        for start in range(0, len(text), size):
            pieces.extend(seg.feed(text[start:start + size]))
        pieces.extend(seg.finish())
        merged: list[object] = []
        for p in pieces:
            if merged and isinstance(p, MarkdownText) and isinstance(merged[-1], MarkdownText):
                merged[-1] = MarkdownText(merged[-1].text + p.text)
            else:
                merged.append(p)
        assert merged == expected, size


def test_an_unclosed_fence_ends_with_the_answer() -> None:
    seg = Segmenter()
    pieces = seg.feed("```\nline 1\nline")
    assert seg.in_fence and seg.partial_code == "line"
    pieces += seg.finish()
    assert pieces == [FenceOpen(""), CodeLine("line 1"), CodeLine("line"), FenceClose()]


@pytest.mark.parametrize("size", [1, 5, 64, len(ANSWER)])
def test_streamed_answer_shows_what_a_one_shot_render_shows(qapp: QApplication,
                                                           size: int) -> None:
    view = AnswerView()
    stream(view, ANSWER, size)
    assert view.answer_text() == ANSWER
    assert normalized(view.document().toPlainText()) == one_shot(ANSWER)
    blocks = view.code_blocks
    assert [(b.index, b.language) for b in blocks] == [(0, "html"), (1, "python")]
    assert blocks[0].code.startswith("<!doctype html>\n<canvas")
    assert blocks[0].code.endswith("</script>")
    assert blocks[1].code == 'print("done")'


def test_code_blocks_are_listed_while_still_streaming(qapp: QApplication) -> None:
    view = AnswerView()
    view.append("Text\n```css\nbody { margin: 0; }\nh1 { col")
    blocks = view.code_blocks
    assert len(blocks) == 1 and blocks[0].language == "css"
    assert blocks[0].code == "body { margin: 0; }\nh1 { col"
    assert "h1 { col" in view.document().toPlainText()


def test_the_copy_link_of_a_code_block_copies_its_code(qapp: QApplication) -> None:
    view = AnswerView()
    stream(view, ANSWER, 9)
    copied: list[int] = []
    view.codeCopied.connect(copied.append)
    view.anchorClicked.emit(QUrl(code_link(1)))
    assert copied == [1]
    assert QApplication.clipboard().text() == 'print("done")'


def test_a_long_code_block_costs_the_same_per_chunk_at_its_end_as_at_its_start(
        qapp: QApplication) -> None:
    # A growing code block is appended line by line, never re-rendered as a whole:
    # the document work per chunk must not grow with the block (it would, 30-fold here,
    # if the open block were re-inserted on every chunk).
    lines = [f'  <div class="cell" id="c{i}"><span>{i}</span> cell {i}</div>' for i in range(1500)]
    text = "Intro\n\n```html\n" + "\n".join(lines) + "\n```\n"
    view, first, last = streamed_cost(text, 40)
    assert last < 3 * first, (first, last)
    assert view.code_blocks[0].code == "\n".join(lines)


def test_turns_follow_each_other_and_a_retry_resets_only_the_last(
        qapp: QApplication) -> None:
    view = AnswerView()
    stream(view, "First **answer**.", 4)
    view.begin_turn("make it shorter")
    view.append("Second ans")
    view.reset_turn()
    view.append("Second answer.")
    view.finish()
    shown = normalized(view.document().toPlainText())
    assert shown == "First answer.\nPrompt: make it shorter\nSecond answer."
    assert view.answer_text() == "Second answer."


def test_the_view_follows_new_text_only_while_the_reader_is_at_the_bottom(
        qapp: QApplication) -> None:
    view = AnswerView()
    view.resize(400, 200)
    view.show()
    for i in range(40):
        view.append(f"Line {i} of a long answer.\n\n")
        QApplication.processEvents()
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    bar.setValue(0)  # the reader scrolls up to read the start
    for i in range(40, 60):
        view.append(f"Line {i} of a long answer.\n\n")
        QApplication.processEvents()
    assert bar.value() == 0 and not view.following
    bar.setValue(bar.maximum())  # back at the bottom: following again
    view.append("More.\n\n")
    QApplication.processEvents()
    assert bar.value() == bar.maximum() and view.following


# --- one line of a megabyte: a model looping, minified code, a long JSON line -----------------

def test_a_long_code_line_is_cut_at_the_same_places_whatever_the_chunking() -> None:
    line = "  " + "".join(f"v{i}=[{i},{i * 2}];" for i in range(40))
    text = f"```js\n{line}\nok\n```\n"
    expected = None
    for size in (1, 7, 50, len(text)):
        seg = Segmenter(line_limit=64)
        pieces = []
        for start in range(0, len(text), size):
            pieces.extend(seg.feed(text[start:start + size]))
            partial = seg.partial_code
            assert partial is None or len(partial) <= 64
        pieces.extend(seg.finish())
        cuts = [p for p in pieces if isinstance(p, CodeCut)]
        assert len(cuts) > 5 and all(len(p.code) <= 64 for p in cuts)
        assert "".join(p.code for p in cuts) + pieces[len(cuts) + 1].code == line
        expected = expected or pieces
        assert pieces == expected, size


LONG_LINES = {
    "paragraph": "Intro.\n\n" + " ".join(f"word{i}" for i in range(3_000)) + "\n\nThe end.\n",
    "code line": "```js\nconst a = [" + ", ".join(str(i) for i in range(3_000)) + "];\n```\n",
    "table row": "| a | b |\n|---|---|\n" + "| c " * 3_000 + "|\n| 1 | 2 |\n",
    "inline code": "Here: `" + "x = 1; " * 2_000 + "` done.\n",
}


@pytest.mark.parametrize("case", LONG_LINES)
def test_a_streamed_long_line_shows_what_a_one_shot_render_shows(qapp: QApplication,
                                                                 case: str) -> None:
    text = LONG_LINES[case]
    view = AnswerView()
    stream(view, text, 37)
    assert view.answer_text() == text
    assert normalized(view.document().toPlainText()) == one_shot(text)
    if case == "code line":
        assert view.code_blocks[0].code == text.split("\n")[1]


@pytest.mark.parametrize("case", ["paragraph", "code line"])
def test_an_open_long_line_costs_the_same_per_chunk_at_its_end_as_at_its_start(
        qapp: QApplication, case: str) -> None:
    # Redrawing the open line on every chunk would make the cost per chunk grow with it
    # (8-fold over 100 KB, and the window stalls at a megabyte).
    body = " ".join(f"w{i}" for i in range(40_000))
    text = body if case == "paragraph" else f"```js\n{body}"
    view, first, last = streamed_cost(text, 100)
    assert last < 3 * first, (first, last)
    assert view.answer_text() == text
