"""The fix-it loop end to end: a page with a console error runs in its sandboxed preview;
"Show the model its page" sends that model (or every model, each its own page) a follow-up
carrying the page's screenshot at the preview's size and the error with its line number."""

from __future__ import annotations

import base64

import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.fix_it import FIX_IT_PROMPT
from studio.ui.main_window import MainWindow
from tests.gui.threads.threads_support import send, settle
from tests.gui.workspace.workspace_support import (
    in_loop,
    live_page_marks,
    target,
    wait_until,
)
from tests.support import images
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = live_page_marks()

# The call to a missing function is on line 4 of the page.
BROKEN = ("```html\n<!doctype html>\n<html><body style='background:#c00'>\n"
          "<script>\n{call}();\n</script>\n<h1>{title}</h1></body></html>\n```\n")


def _user_parts(request) -> list[dict]:  # type: ignore[no-untyped-def]
    content = request.json["messages"][-1]["content"]
    assert isinstance(content, list), content
    return content


def _open_preview(loop: qasync.QEventLoop, window: MainWindow, slot: int) -> None:
    comparison = window.comparison
    assert comparison is not None
    pane = comparison.panes[slot]
    in_loop(loop, pane.preview_button.click)
    wait_until(loop, lambda: pane.preview is not None and pane.preview.error_count() >= 1,
               timeout=30, what="the page's console error")


def test_show_the_model_its_page_sends_its_screenshot_and_console_error(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("painter", Synthetic([BROKEN.format(call="drawScene", title="One")]),
               Synthetic(["Fixed: drawScene was never defined."]))
    comparison = send(loop, window, "Draw a scene", [target(registry, "sim-openai",
                                                            "painter")])
    _open_preview(loop, window, 0)
    preview = comparison.panes[0].preview
    assert preview is not None
    web = preview.web_view()
    assert web is not None
    size = (web.width(), web.height())

    comparison.fixItRequested.emit(0)  # what the preview's toolbar action does
    dialog = window.fix_it.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.prompt() == FIX_IT_PROMPT
    assert not dialog.every_model.isEnabled()  # only one model wrote a page
    dialog.prompt_edit.setPlainText("Here is your page. Fix the error.")
    in_loop(loop, dialog.accept)
    wait_until(loop, lambda: len(sim.requests_for("painter")) == 2, timeout=30,
               what="the fix-it follow-up")
    settle(loop, comparison)

    parts = _user_parts(sim.requests_for("painter")[1])
    text = parts[0]["text"]
    assert text.startswith("Here is your page. Fix the error.\n\nconsole.txt\n```\n")
    assert "error at line 4: Uncaught ReferenceError: drawScene is not defined" in text
    png = base64.b64decode(parts[1]["image_url"]["url"].removeprefix("data:image/png;base64,"))
    assert images.size_of(png) == size  # the preview's current size
    # the model's earlier answer is in its thread, before the fix-it prompt
    messages = sim.requests_for("painter")[1].json["messages"]
    assert messages[1]["role"] == "assistant" and "drawScene" in messages[1]["content"]
    # what was sent shows in the turn, and is kept with the run
    turn = comparison.chat.head_turn
    assert turn is not None
    assert [a.name for a in turn.files_for(0)] == ["page.png", "console.txt"]
    assert "Sent with page.png (" in comparison.panes[0].view.toPlainText()
    assert window.store is not None and comparison.run_id is not None
    saved = window.store.run(comparison.run_id).turns[-1]  # type: ignore[arg-type]
    assert [a.name for a in saved.files_for(0)] == ["page.png", "console.txt"]


def test_every_model_is_shown_its_own_page(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("left", Synthetic([BROKEN.format(call="leftMissing", title="Left")]),
               Synthetic(["ok left"]))
    sim.script("right", Synthetic([BROKEN.format(call="rightMissing", title="Right")]),
               Synthetic(["ok right"]))
    comparison = send(loop, window, "Two pages", [target(registry, "sim-openai", "left"),
                                                  target(registry, "sim-anthropic", "right")])
    _open_preview(loop, window, 0)
    _open_preview(loop, window, 1)
    comparison.fixItRequested.emit(1)
    dialog = window.fix_it.dialog
    assert dialog is not None and dialog.every_model.isEnabled()
    dialog.every_model.setChecked(True)
    in_loop(loop, dialog.accept)
    wait_until(loop, lambda: len(sim.requests_for("left")) == 2
               and len(sim.requests_for("right")) == 2, timeout=30, what="both follow-ups")
    settle(loop, comparison)
    left = _user_parts(sim.requests_for("left")[1])
    assert "leftMissing is not defined" in left[0]["text"]
    assert "rightMissing" not in left[0]["text"]
    right = sim.requests_for("right")[1].json["messages"][-1]["content"]
    right_text = next(b["text"] for b in right if b["type"] == "text")
    assert "rightMissing is not defined" in right_text
    left_png = base64.b64decode(left[1]["image_url"]["url"].split(",", 1)[1])
    right_png = base64.b64decode(next(b for b in right if b["type"] == "image")
                                 ["source"]["data"])
    assert left_png != right_png
    turn = comparison.chat.head_turn
    assert turn is not None and turn.attachments == ()
    assert turn.files_for(0)[0].data == left_png and turn.files_for(1)[0].data == right_png


def test_nothing_is_sent_while_models_are_still_answering_or_without_a_page(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("talker", Synthetic(["Just words, no page."]))
    comparison = send(loop, window, "Say something", [target(registry, "sim-openai",
                                                              "talker")])
    messages: list[str] = []
    window.fix_it.failed.connect(messages.append)
    assert not window.fix_it.start(comparison, [0])
    assert messages and "No finished page" in messages[0]
    assert len(sim.requests_for("talker")) == 1
