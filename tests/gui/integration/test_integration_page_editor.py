"""Editing an answer's page from its pane: "Edit source" on the preview opens an editor
whose runs go to that preview and are kept as revisions of the answer's page; once an edit
runs, the answer's own page no longer replaces it; the page can go into a follow-up.

Real QtWebEngine under a real X server (xvfb-run), as the previews themselves are tested.
"""

from __future__ import annotations

import os

import pytest
import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.page_revisions import follow_up_with_page
from studio.core.thread import Answer
from studio.store import RunId, Store
from studio.ui.main_window import MainWindow
from studio.ui.preview.editor import PageEditor
from studio.ui.preview.view import PreviewView
from studio.ui.workspace.comparison import Comparison
from studio.ui.workspace.pane import AnswerPane
from studio.ui.workspace.previews_tab import preview_key
from tests.gui.integration.integration_support import page_text, wait_for_page_text
from tests.gui.threads.threads_support import reopened_store, send, sent_thread, settle
from tests.gui.workspace.workspace_support import (
    in_loop,
    live_page_marks,
    spin,
    target,
    wait_until,
)
from tests.support.scenarios import Hold, Synthetic
from tests.support.simulator import Simulator

pytestmark = [
    *live_page_marks(),
    pytest.mark.skipif(not os.environ.get("DISPLAY"),
                       reason="real QtWebEngine pages need an X server (run under xvfb-run)"),
]

ORIGINAL = ("<!doctype html>\n<html><body><h1 id='t'>Original</h1>"
            "<p>A page from the model.</p></body></html>")
EDITED = ("<!doctype html>\n<html><body><h1 id='t'>Edited</h1>"
          "<p>The user's version.</p></body></html>")
HEADING = "document.getElementById('t') ? document.getElementById('t').textContent : ''"


def _answer_with(page: str) -> str:
    return f"Here is the page:\n\n```html\n{page}\n```\n"


def _show_preview(loop: qasync.QEventLoop, pane: AnswerPane) -> PreviewView:
    in_loop(loop, lambda: pane.set_preview_visible(True))
    preview = pane.preview
    assert preview is not None and preview.isVisible()
    return preview


def _edit_source(window: MainWindow, pane: AnswerPane, preview: PreviewView) -> PageEditor:
    action = preview.toolbar.edit_source_action
    assert action.isVisible()  # offered on a pane's preview
    action.trigger()
    answer = pane.answer
    assert answer is not None
    editor = window.page_editor_for(answer)
    assert editor is not None and editor.isVisible()
    assert editor.isWindow() and not editor.isModal()  # a window of its own
    assert editor.preview() is preview
    return editor


def _saved_pages(window: MainWindow, run_id: RunId, slot: int) -> list[tuple[int, str]]:
    with reopened_store(window) as store:
        response = store.run(run_id).turns[0].current(slot)
        assert response is not None
        return [(p.revision, p.html) for p in response.pages]


def _run_id(comparison: Comparison) -> RunId:
    assert comparison.run_id is not None
    return comparison.run_id


def test_an_edit_runs_in_the_panes_preview_and_is_kept_as_revision_1(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("page-a", Synthetic([_answer_with(ORIGINAL)]))
    sim.script("page-b", Synthetic(["No page in this one."]))
    comparison = send(loop, window, "Make a page", [
        target(registry, "sim-openai", "page-a"), target(registry, "sim-openai", "page-b")])
    pane = window.pane_area.panes()[0]
    preview = _show_preview(loop, pane)
    wait_for_page_text(loop, preview, HEADING, "Original")

    editor = _edit_source(window, pane, preview)
    assert editor.source() == ORIGINAL
    assert [r.number for r in editor.revisions()] == [0]
    editor.set_source(EDITED)
    assert editor.run() == 1
    wait_for_page_text(loop, preview, HEADING, "Edited")
    run_id = _run_id(comparison)
    assert _saved_pages(window, run_id, 0) == [(0, ORIGINAL), (1, EDITED)]

    # The answer's own page does not come back: not on the pane's next refresh, not in
    # the Previews tab.
    pane.update_preview(final=True)
    window.previews.refresh()
    assert preview.document() == EDITED
    spin(loop, 0.4)
    assert page_text(loop, preview, HEADING) == "Edited"
    window.actions_.previews.trigger()
    grid = window.previews.grid
    assert grid is not None
    shown = grid.preview(preview_key(0, "sim-openai:page-a"))
    assert shown is not None and shown.document() == EDITED
    window.actions_.previews.trigger()

    # The same editor comes back for the same answer; a picture of the edit is kept.
    assert _edit_source(window, pane, preview) is editor
    answer = pane.answer
    assert answer is not None
    response_id = comparison.response_id(answer)
    assert response_id is not None
    with reopened_store(window) as store:
        wait_until(loop, lambda: _has_screenshot(store, response_id, 1),
                   what="a screenshot of revision 1")
    editor.close()
    assert window.page_editor_for(answer) is None


def _has_screenshot(store: Store, response_id: int, revision: int) -> bool:
    from studio.store import ResponseId

    png = store.screenshot(ResponseId(response_id), revision)
    return png is not None and png.startswith(b"\x89PNG")


def test_an_edit_made_while_the_answer_streams_wins_and_is_saved_with_the_answer(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    lines = [f"<p>line {i}</p>\n" for i in range(40)]
    hold = Hold()  # the answer streams on only once the edit has run
    sim.script("slow-page", Synthetic(
        ["Here it comes:\n\n```html\n<!doctype html>\n<html><body><h1 id='t'>Growing</h1>\n",
         *lines, "</body></html>\n```\n"], chunks_per_second=25, hold=hold, hold_after=11))
    comparison = in_loop(loop, lambda: window.send("A long page", [
        target(registry, "sim-openai", "slow-page")]))
    answer = comparison.answers()[0]
    try:
        wait_until(loop, lambda: "line 3" in answer.text, what="the page to start streaming")
        pane = window.pane_area.panes()[0]
        preview = _show_preview(loop, pane)
        wait_for_page_text(loop, preview, HEADING, "Growing")

        editor = _edit_source(window, pane, preview)
        assert "Growing" in editor.source()
        assert not answer.state.finished  # still streaming
        editor.set_source(EDITED)
        assert editor.run() == 1  # kept in memory: the answer is not saved yet
        wait_for_page_text(loop, preview, HEADING, "Edited")
    finally:
        hold.release()
    wait_until(loop, lambda: "line 25" in answer.text, what="more of the page to stream")
    assert preview.document() == EDITED  # the live page did not replace the edit
    settle(loop, comparison)
    assert answer.finished and "line 39" in (answer.html() or "")
    assert preview.document() == EDITED
    assert page_text(loop, preview, HEADING) == "Edited"

    # Saved with the answer: the full extracted page as the original, the edit as 1; later
    # edits go straight to the store.
    run_id = _run_id(comparison)
    pages = _saved_pages(window, run_id, 0)
    assert [n for n, _html in pages] == [0, 1]
    assert "line 39" in pages[0][1] and pages[1][1] == EDITED
    editor.set_source(EDITED.replace("Edited", "Edited again"))
    assert editor.run() == 2
    assert _saved_pages(window, run_id, 0)[2] == (2, EDITED.replace("Edited", "Edited again"))
    wait_for_page_text(loop, preview, HEADING, "Edited again")
    editor.close()


def test_use_in_follow_up_puts_the_page_in_the_prompt_for_that_model_only(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("page-a", Synthetic([_answer_with(ORIGINAL)]),
               Synthetic(["Blue now."]))
    sim.script("page-b", Synthetic(["Another answer."]))
    comparison = send(loop, window, "Make a page", [
        target(registry, "sim-openai", "page-a"), target(registry, "sim-anthropic", "page-b")])
    pane_a, pane_b = window.pane_area.panes()
    preview = _show_preview(loop, pane_a)
    editor = _edit_source(window, pane_a, preview)
    editor.set_source(EDITED)
    editor.run()
    window.prompt_area.set_prompt("Make the heading blue.")

    editor.follow_up_action.trigger()
    expected = follow_up_with_page("Make the heading blue.", EDITED)
    assert window.prompt_area.prompt() == expected
    assert (pane_a.included, pane_b.included) == (True, False)
    editor.follow_up_action.trigger()  # again: the page is replaced, not added twice
    assert window.prompt_area.prompt() == expected

    in_loop(loop, window.submit_follow_up)
    settle(loop, comparison, "the follow-up")
    assert len(sim.requests_for("page-b")) == 1  # the other model was not asked
    last = sent_thread(sim.requests_for("page-a")[-1])
    assert last[-1] == ("user", expected)
    assert "Here is my current version:" in last[-1][1] and EDITED in last[-1][1]
    head = comparison.answers()[0]
    assert isinstance(head, Answer) and head.text == "Blue now."
    editor.close()
