"""Editing a generated page: change its source, re-run it in the same sandbox, keep each run as
a revision in the real store, restore, diff, find, and hand the page to a follow-up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QImage, QTextCursor
from PySide6.QtWidgets import QMessageBox

from studio.core.highlight import LIGHT, highlight_line
from studio.core.model_sets import entries_from_refs
from studio.core.page_revisions import (
    MemoryRevisions,
    Revision,
    follow_up_with_page,
    matching_revision,
    migrate_edits,
    revision_label,
)
from studio.store import ResponseData, ResponseId, RunId, Store
from studio.ui.preview.editor import DRAFT_LABEL, PageEditor
from studio.ui.preview.revisions import StoreRevisions
from studio.ui.preview.source_highlighter import LONG_LINE, spans_from_html
from tests.preview.conftest import load, needs_display

RED = "rgb(255, 0, 0)"
BLUE = "rgb(0, 0, 255)"
CANVAS_PAGE = f"""<!doctype html>
<html>
<head>
<style>
  html, body {{ margin: 0; height: 100%; overflow: hidden; }}
</style>
</head>
<body>
<canvas id="c"></canvas>
<script>
  const c = document.getElementById("c");
  c.width = innerWidth; c.height = innerHeight;
  const g = c.getContext("2d");
  g.fillStyle = "{RED}";
  g.fillRect(0, 0, c.width, c.height);
</script>
</body>
</html>
"""


# -- helpers --------------------------------------------------------------------------------


def _centre(qtbot: Any, view: Any) -> tuple[int, int, int]:
    shots: list[bytes] = []
    view.grab_png(shots.append)
    qtbot.waitUntil(lambda: bool(shots), timeout=15_000)
    image = QImage.fromData(shots[0])
    assert not image.isNull()
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def _wait_colour(qtbot: Any, view: Any, rgb: tuple[int, int, int]) -> None:
    seen: list[tuple[int, int, int]] = []

    def matches() -> bool:
        seen.append(_centre(qtbot, view))
        return seen[-1] == rgb

    qtbot.waitUntil(matches, timeout=20_000)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "studio.db"


@pytest.fixture
def saved_answer(db_path: Path) -> Iterator[tuple[Store, RunId, ResponseId]]:
    store = Store.open(db_path)
    run_id = store.start_run(body="A red canvas", models=entries_from_refs(["openai:gpt-4o"]),
                             first_turn="A red canvas")
    turn = store.run(run_id).turns[0].id
    response_id = store.save_response(turn, 0, ResponseData(
        model="openai:gpt-4o", text=f"```html\n{CANVAS_PAGE}```", html=CANVAS_PAGE))
    yield store, run_id, response_id
    store.close()


@pytest.fixture
def make_editor(qtbot: Any) -> Iterator[Callable[..., PageEditor]]:
    editors: list[PageEditor] = []

    def make(revisions: Any, **options: Any) -> PageEditor:
        editor = PageEditor(revisions, **options)
        editor.resize(900, 600)
        editor.show()
        qtbot.waitExposed(editor)
        editors.append(editor)
        return editor

    yield make
    for editor in editors:
        editor.code.document().setModified(False)
        editor.close()
        editor.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _activate(qtbot: Any, widget: Any) -> None:
    # Shortcuts only fire in the active window.
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5000)


def _replace_by_typing(qtbot: Any, editor: PageEditor, old: str, new: str) -> None:
    """Select `old` with the find bar, then type `new` over it, as a user would."""
    assert editor.search(old, case_sensitive=True) == 1
    assert editor.code.textCursor().selectedText() == old
    editor.code.setFocus()
    qtbot.keyClicks(editor.code, new)


# -- the whole story, against the real store and a real sandboxed preview -----------------


@needs_display
def test_edit_run_keeps_a_revision_and_the_preview_changes(
        qtbot: Any, make_view: Any, make_editor: Any, db_path: Path,
        saved_answer: tuple[Store, RunId, ResponseId]) -> None:
    store, run_id, response_id = saved_answer
    view = make_view(show_toolbar=False)
    load(qtbot, view, CANVAS_PAGE)
    assert _centre(qtbot, view) == (255, 0, 0)

    editor = make_editor(StoreRevisions(store, response_id), preview=view, label="gpt-4o")
    assert editor.source() == CANVAS_PAGE
    assert editor.revision_combo.count() == 1
    assert editor.revision_combo.currentText() == "Original"
    assert not editor.has_unsaved_changes()

    _replace_by_typing(qtbot, editor, RED, BLUE)
    assert BLUE in editor.source() and RED not in editor.source()
    assert editor.has_unsaved_changes() and editor.isWindowModified()
    assert "not run" in editor.status_label.text()

    # Ctrl+Enter runs the edit in the same preview (same sandbox, same origin).
    page_before = view.page()
    _activate(qtbot, editor)
    with qtbot.waitSignal(editor.revisionAdded, timeout=5000) as added, \
            qtbot.waitSignal(view.loadFinished, timeout=20_000):
        qtbot.keyClick(editor.code, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert added.args == [1]
    assert view.page() is page_before
    assert view.document() == editor.source()
    _wait_colour(qtbot, view, (0, 0, 255))
    assert not editor.has_unsaved_changes()
    assert editor.current_revision() == 1
    assert [editor.revision_combo.itemText(i) for i in range(2)] == ["Original", "Edit 1"]
    assert editor.revision_combo.currentText() == "Edit 1"

    # Running the same page again adds nothing, but runs it from the start.
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        assert editor.run() == 1
    # A picture of the new revision is kept with it.
    qtbot.waitUntil(lambda: store.screenshot(response_id, 1) is not None, timeout=20_000)

    # Reopened from disk: the original is untouched and the edit is revision 1.
    with Store.open(db_path) as reopened:
        answer = reopened.run(run_id).turns[0].current(0)
        assert answer is not None
        assert [(p.revision, p.html) for p in answer.pages] == [
            (0, CANVAS_PAGE), (1, CANVAS_PAGE.replace(RED, BLUE))]
        assert answer.html == CANVAS_PAGE
        assert answer.latest_html == CANVAS_PAGE.replace(RED, BLUE)
        png = reopened.screenshot(response_id, 1)
        assert png is not None and QImage.fromData(png).pixelColor(10, 10).blue() == 255

    # The original is one choice away: pick it in the revision list (keyboard, as a user).
    editor.revision_combo.setFocus()
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        qtbot.keyClick(editor.revision_combo, Qt.Key.Key_Home)
    assert editor.current_revision() == 0
    assert editor.source() == CANVAS_PAGE
    assert not editor.has_unsaved_changes()
    _wait_colour(qtbot, view, (255, 0, 0))
    # Restoring adds no revision; the edit is still there to go back to.
    assert [r.number for r in StoreRevisions(store, response_id, run_id).revisions()] == [0, 1]
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        editor.restore(1)
    _wait_colour(qtbot, view, (0, 0, 255))

    # The diff between the two revisions shows the changed line, word by word.
    dialog = editor.open_diff(0, 1)
    assert dialog.isVisible() and not dialog.isModal()
    changed = [row for row in dialog.rows if row.kind != "equal"]
    assert len(changed) == 1
    row = changed[0]
    assert row.kind == "replace" and row.left is not None and row.right is not None
    assert row.left.text.strip() == f'g.fillStyle = "{RED}";'
    assert row.right.text.strip() == f'g.fillStyle = "{BLUE}";'
    assert row.left.number == CANVAS_PAGE.splitlines().index(f'  g.fillStyle = "{RED}";') + 1
    # Only the colour is marked inside the line.
    marked = "".join(s.text for s in row.right.segments if s.changed)
    assert marked and set(marked) <= set("0, 255")
    assert not any(s.changed and "fillStyle" in s.text for s in row.right.segments)
    assert "1 changed" in dialog.summary.text()
    dialog.close()


@needs_display
def test_a_draft_can_be_compared_and_closing_asks_first(
        qtbot: Any, make_view: Any, make_editor: Any,
        saved_answer: tuple[Store, RunId, ResponseId]) -> None:
    store, _run_id, response_id = saved_answer
    view = make_view(show_toolbar=False)
    load(qtbot, view, CANVAS_PAGE)
    editor = make_editor(StoreRevisions(store, response_id), preview=view)
    closed: list[bool] = []
    editor.closed.connect(lambda: closed.append(True))
    _replace_by_typing(qtbot, editor, "fillRect", "strokeRect")

    # The unsaved draft can be compared with the revision it started from.
    dialog = editor.open_diff()
    assert dialog.left_combo.currentText() == "Original"
    assert dialog.right_combo.currentText() == DRAFT_LABEL
    assert [r.kind for r in dialog.rows if r.kind != "equal"] == ["replace"]
    dialog.close()

    # Closing with unsaved changes asks (without blocking) and stays open meanwhile.
    assert editor.request_close() is False
    question = editor.close_question()
    assert question is not None and question.isVisible()
    assert editor.isVisible() and closed == []
    cancel = question.button(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.close_question() is None, timeout=5000)
    assert editor.isVisible() and editor.has_unsaved_changes()

    # "Run and keep" runs the draft, keeps it as revision 1, then closes.
    assert editor.request_close() is False
    question = editor.close_question()
    assert question is not None
    keep = next(b for b in question.buttons() if b.text() == "Run and keep")
    with qtbot.waitSignal(editor.closed, timeout=5000):
        qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    assert not editor.isVisible()
    assert [r.number for r in StoreRevisions(store, response_id).revisions()] == [0, 1]
    assert "strokeRect" in (view.document() or "")

    # Reopened with a fresh draft, "Discard changes" goes back to the revision and closes.
    editor.show()
    _replace_by_typing(qtbot, editor, "strokeRect", "clearRect")
    editor.close()
    question = editor.close_question()
    assert question is not None
    discard = next(b for b in question.buttons() if b.text() == "Discard changes")
    with qtbot.waitSignal(editor.closed, timeout=5000):
        qtbot.mouseClick(discard, Qt.MouseButton.LeftButton)
    assert "strokeRect" in editor.source() and "clearRect" not in editor.source()
    assert not editor.has_unsaved_changes()
    # The discarded draft is still one undo away.
    editor.code.undo()
    assert "clearRect" in editor.source()


@needs_display
def test_unsaved_answer_edits_live_in_memory_and_move_to_the_store(
        qtbot: Any, make_view: Any, make_editor: Any,
        saved_answer: tuple[Store, RunId, ResponseId]) -> None:
    view = make_view(show_toolbar=False)
    load(qtbot, view, CANVAS_PAGE)
    memory = MemoryRevisions(CANVAS_PAGE)
    editor = make_editor(memory)
    editor.attach(view)
    assert editor.preview() is view

    _replace_by_typing(qtbot, editor, RED, BLUE)
    _activate(qtbot, editor)
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        qtbot.keyClick(editor.code, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    _wait_colour(qtbot, view, (0, 0, 255))
    assert [(r.number, r.html) for r in memory.revisions()] == [
        (0, CANVAS_PAGE), (1, CANVAS_PAGE.replace(RED, BLUE))]
    qtbot.waitUntil(lambda: 1 in memory.screenshots, timeout=20_000)

    # Typing the original back and running it finds revision 0 instead of adding one.
    _replace_by_typing(qtbot, editor, BLUE, RED)
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        assert editor.run() == 0
    assert len(memory.revisions()) == 2
    _wait_colour(qtbot, view, (255, 0, 0))

    # Once the answer is saved, its edits follow it into the store.
    store, _run_id, response_id = saved_answer
    target = StoreRevisions(store, response_id)
    assert migrate_edits(memory, target) == {1: 1}
    assert [r.html for r in target.revisions()] == [CANVAS_PAGE, CANVAS_PAGE.replace(RED, BLUE)]


@needs_display
def test_an_editor_opens_the_revision_its_preview_is_running(
        qtbot: Any, make_view: Any, make_editor: Any,
        saved_answer: tuple[Store, RunId, ResponseId]) -> None:
    store, run_id, response_id = saved_answer
    store.add_page_revision(response_id, CANVAS_PAGE.replace(RED, BLUE), "blue")
    view = make_view(show_toolbar=False)
    load(qtbot, view, CANVAS_PAGE)
    revisions = StoreRevisions(store, response_id, run_id)
    alone = make_editor(revisions)
    assert alone.current_revision() == 1 and BLUE in alone.source()
    assert alone.revision_combo.currentText() == "Edit 1 — blue"
    attached = make_editor(revisions, preview=view)
    assert attached.current_revision() == 0 and attached.source() == CANVAS_PAGE


def test_a_preview_that_goes_away_detaches_itself(qtbot: Any, make_editor: Any) -> None:
    from studio.ui.preview.view import PreviewView

    memory = MemoryRevisions("<p>one</p>")
    editor = make_editor(memory)
    view = PreviewView()
    editor.attach(view)
    assert editor.preview() is view
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert editor.preview() is None
    editor.set_source("<p>two</p>")
    assert editor.run() == 1 and editor.current_revision() == 1
    other = PreviewView()
    editor.attach(other)
    editor.detach()
    assert editor.preview() is None
    other.deleteLater()


# -- find, go to line, follow-up: the editor itself -------------------------------------


def test_find_marks_every_match_and_moves_the_cursor(qtbot: Any, make_editor: Any) -> None:
    page = "<p>Ball</p>\n<script>\nlet ball = 1; // ball\nball += BALL;\n</script>\n"
    editor = make_editor(MemoryRevisions(page))
    assert editor.search("ball") == 5
    assert editor.find_bar.isVisible()
    code = editor.code
    assert len(code.extraSelections()) == 5
    first = code.textCursor()
    assert first.selectedText().lower() == "ball"
    assert first.selectionStart() == page.index("Ball")
    assert editor.find_bar.count_label.text() == "1 of 5"

    editor.find_bar.find_next()
    assert code.textCursor().selectionStart() == page.index("ball =")
    assert code.current_line() == 3
    assert editor.find_bar.count_label.text() == "2 of 5"
    editor.find_bar.find_previous()
    assert code.textCursor().selectionStart() == page.index("Ball")
    editor.find_bar.find_previous()  # wraps to the last match
    assert code.textCursor().selectionStart() == page.index("BALL")

    # Enter in the field finds the next match; Shift+Enter the previous one.
    qtbot.keyClick(editor.find_bar.field, Qt.Key.Key_Return)
    assert code.textCursor().selectionStart() == page.index("Ball")
    qtbot.keyClick(editor.find_bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert code.textCursor().selectionStart() == page.index("BALL")

    editor.find_bar.case_box.setChecked(True)
    assert len(code.matches()) == 3
    assert [page[s:e] for s, e in code.matches()] == ["ball"] * 3
    assert editor.search("nothing here") == 0
    assert editor.find_bar.count_label.text() == "No matches"

    # Edits update the marks.
    editor.search("ball", case_sensitive=True)
    code.moveCursor(QTextCursor.MoveOperation.End)
    code.insertPlainText("ball\n")
    qtbot.waitUntil(lambda: len(code.matches()) == 4, timeout=2000)

    # Esc in the find field closes the bar and clears the marks.
    _activate(qtbot, editor)
    editor.find_bar.field.setFocus()
    qtbot.keyClick(editor.find_bar.field, Qt.Key.Key_Escape)
    assert editor.find_bar.isHidden()
    assert code.extraSelections() == []
    # Ctrl+F opens it again with the selected word.
    code.setFocus()
    cursor = code.textCursor()
    cursor.setPosition(page.index("let"))
    cursor.setPosition(page.index("let") + 3, QTextCursor.MoveMode.KeepAnchor)
    code.setTextCursor(cursor)
    qtbot.keyClick(code, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert editor.find_bar.isVisible() and editor.find_bar.field.text() == "let"
    # Esc in the text closes it too.
    code.setFocus()
    qtbot.keyClick(code, Qt.Key.Key_Escape)
    assert editor.find_bar.isHidden()


def test_go_to_line_undo_redo_and_follow_up(qtbot: Any, make_editor: Any) -> None:
    page = "\n".join(f"<p>line {n}</p>" for n in range(1, 41))
    editor = make_editor(MemoryRevisions(page))
    assert editor.code.blockCount() == 40
    assert editor.go_to_line(25) and editor.code.current_line() == 25
    assert not editor.go_to_line(41)

    _activate(qtbot, editor)
    editor.code.setFocus()
    qtbot.keyClick(editor.code, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert editor.line_bar.isVisible()
    editor.line_bar.field.setText("7")
    qtbot.keyClick(editor.line_bar.field, Qt.Key.Key_Return)
    assert editor.line_bar.isHidden() and editor.code.current_line() == 7

    qtbot.keyClicks(editor.code, "<hr>")
    assert editor.source().splitlines()[6] == "<hr><p>line 7</p>"
    assert editor.undo_action.isEnabled()
    editor.undo_action.trigger()
    assert editor.source() == page and not editor.has_unsaved_changes()
    assert editor.redo_action.isEnabled()
    editor.redo_action.trigger()
    assert "<hr>" in editor.source() and editor.has_unsaved_changes()

    sent: list[str] = []
    editor.includeInFollowUp.connect(sent.append)
    editor.follow_up_action.trigger()
    assert sent == [editor.source()]
    prompt = follow_up_with_page("Add a score counter", sent[0])
    assert prompt.startswith("Add a score counter\n\nHere is my current version:\n```html\n")
    assert "<hr><p>line 7</p>" in prompt and prompt.endswith("</p>\n```")


def test_the_editor_colours_html_with_its_script_and_style(qtbot: Any, make_editor: Any) -> None:
    page = ("<style>\n/* a comment\n   over two lines */\nbody { color: red; }\n</style>\n"
            "<script>\nconst s = `a template\nover two lines`;\n</script>\n<p class=\"x\">hi</p>")
    editor = make_editor(MemoryRevisions(page))
    doc = editor.code.document()
    assert editor.code.highlighting()

    def formats(line: int) -> list[tuple[int, int, str, bool]]:
        layout = doc.findBlockByNumber(line).layout()
        return [(r.start, r.length, r.format.foreground().color().name(),
                 r.format.fontItalic()) for r in layout.formats()]

    # The second line of a CSS block comment is still a comment (state carried over).
    assert formats(2) == [(0, len("   over two lines */"), LIGHT.comment, True)]
    assert (0, 4, LIGHT.attr, False) not in formats(3)  # "body" is a selector, not a property
    assert any(colour == LIGHT.attr for _s, _n, colour, _i in formats(3))  # color:
    # The second line of a JS template string is still a string.
    assert formats(7)[0] == (0, len("over two lines`"), LIGHT.string, False)
    # After </script>, HTML again: tag and attribute colours.
    colours = {colour for _s, _n, colour, _i in formats(9)}
    assert {LIGHT.tag, LIGHT.attr, LIGHT.string} <= colours

    # A minified one-line script stays plain; the lines after it are coloured as before.
    minified = "var a=1;" * (LONG_LINE // 8 + 1)
    editor.set_source(f"<script>\n{minified}\nlet x = 1;\n</script>\n<p>after</p>")
    assert formats(1) == []
    assert (0, 3, LIGHT.keyword, False) in formats(2)
    assert (0, 3, LIGHT.tag, False) in formats(4)  # "<p" and ">" side by side


def test_span_offsets_follow_the_line_even_with_entities_and_emoji() -> None:
    line = 'g.fillText("🎱 & <b>", 1, 2); // 🎱 done'
    markup, _state = highlight_line("js", line, (), LIGHT)
    spans = spans_from_html(markup, line)
    utf16 = line.encode("utf-16-le")

    def text(start: int, length: int) -> str:
        return utf16[2 * start:2 * (start + length)].decode("utf-16-le")

    coloured = {text(s, n): c for s, n, c, _i in spans}
    assert coloured['"🎱 & <b>"'] == LIGHT.string
    assert coloured["// 🎱 done"] == LIGHT.comment
    assert coloured["1"] == LIGHT.number


# -- pure parts -------------------------------------------------------------------------


def test_follow_up_with_page_composes_the_prompt() -> None:
    page = "<!doctype html>\r\n<p>hi</p>\r\n"
    assert follow_up_with_page("Make it 10 balls", page) == (
        "Make it 10 balls\n\nHere is my current version:\n```html\n"
        "<!doctype html>\n<p>hi</p>\n```")
    assert follow_up_with_page("  ", "<p>x</p>") == (
        "Here is my current version:\n```html\n<p>x</p>\n```")
    # A page that itself contains a fence gets a longer one, so it is carried whole.
    tricky = "<pre>\n```js\ncode\n```\n</pre>"
    composed = follow_up_with_page("Fix it", tricky)
    assert "\n````html\n" in composed and composed.endswith("\n````")
    assert tricky in composed


def test_memory_revisions_and_matching() -> None:
    ticks = iter(range(100))
    memory = MemoryRevisions("<p>a</p>", clock=lambda: float(next(ticks)))
    assert memory.add("<p>b</p>", "bigger") == 1
    assert memory.add("<p>c</p>") == 2
    assert memory.revisions() == [Revision(0, "<p>a</p>", "", 0.0),
                                  Revision(1, "<p>b</p>", "bigger", 1.0),
                                  Revision(2, "<p>c</p>", "", 2.0)]
    assert matching_revision(memory.revisions(), "<p>b</p>") == 1
    assert matching_revision(memory.revisions(), "<p>z</p>") is None
    crlf = MemoryRevisions("<p>a</p>\r\n<p>b</p>")
    assert matching_revision(crlf.revisions(), "<p>a</p>\n<p>b</p>") == 0
    none = MemoryRevisions(None)
    assert none.revisions() == [] and none.add("<p>new</p>") == 1
    assert [revision_label(n) for n in (0, 1, 12)] == ["Original", "Edit 1", "Edit 12"]
