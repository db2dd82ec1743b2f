"""The fix-it loop for models whose pane is not on screen (the tabs layout, another pane
focused, the Previews tab in front): their pages run off screen in the sandbox, and each
model's follow-up still carries its own screenshot — at the size of the preview on screen,
or 1280 × 800 when none is — and its own console errors, seen at the simulator."""

from __future__ import annotations

import base64
import io

import qasync
from PIL import Image

from studio.core.catalog import ProviderRegistry
from studio.ui.attachments.page_shots import HUNG_LINE
from studio.ui.main_window import MainWindow
from studio.ui.workspace.comparison import Comparison
from studio.ui.workspace.layouts import LayoutMode
from tests.gui.threads.threads_support import send, settle
from tests.gui.workspace.workspace_support import in_loop, live_page_marks, target, wait_until
from tests.support.scenarios import Synthetic
from tests.support.simulator import SeenRequest, Simulator

pytestmark = live_page_marks()

# The call to a missing function is on line 4 of the page; the page is filled with `colour`.
BROKEN = ("```html\n<!doctype html>\n<html><body style='margin:0;background:{colour}'>\n"
          "<script>\n{call}();\n</script>\n<h1>A page</h1></body></html>\n```\n")
LOOPS = "```html\n<!doctype html>\n<p>stuck</p><script>while (true) {}</script>\n```\n"
COLOURS = {"left": (200, 0, 0), "middle": (0, 150, 0), "right": (0, 0, 200)}
PROVIDERS = {"left": "sim-openai", "middle": "sim-openai", "right": "sim-anthropic"}


def _script(sim: Simulator, model: str) -> None:
    r, g, b = COLOURS[model]
    sim.script(model, Synthetic([BROKEN.format(colour=f"rgb({r},{g},{b})",
                                               call=f"{model}Missing")]),
               Synthetic([f"Fixed {model}."]))


def _send(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
          models: list[str]) -> Comparison:
    return send(loop, window, "Write a page",
                [target(registry, PROVIDERS[m], m) for m in models])


def _sent(request: SeenRequest) -> tuple[str, bytes | None]:
    """The text of a fix-it follow-up and its picture (None: it had none), in either
    protocol's form."""
    blocks = request.json["messages"][-1]["content"]
    assert isinstance(blocks, list), blocks
    text = next(b["text"] for b in blocks if b["type"] == "text")
    pictures = [b for b in blocks if b["type"] in ("image_url", "image")]
    if not pictures:
        return text, None
    picture = pictures[0]
    data = (picture["image_url"]["url"].split(",", 1)[1] if picture["type"] == "image_url"
            else picture["source"]["data"])
    return text, base64.b64decode(data)


def _size_and_colour(png: bytes) -> tuple[tuple[int, int], tuple[int, int, int]]:
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        r, g, b = rgb.getpixel((width - 5, height - 5))  # the page's background
        return (width, height), (r, g, b)


def _open_preview(loop: qasync.QEventLoop, comparison: Comparison, slot: int) -> tuple[int, int]:
    """Open a pane's preview on screen; the size its page is shown at."""
    pane = comparison.panes[slot]
    in_loop(loop, pane.preview_button.click)
    wait_until(loop, lambda: pane.preview is not None and pane.preview.error_count() >= 1,
               timeout=30, what="the page's console error")
    assert pane.preview is not None and pane.preview.runs_on_screen()
    web = pane.preview.web_view()
    assert web is not None
    return web.width(), web.height()


def _fix_every_model(loop: qasync.QEventLoop, window: MainWindow, comparison: Comparison,
                     slot: int, models: list[str], sim: Simulator) -> None:
    """"Show the model its page" from `slot`, to every model, and wait for every
    follow-up at the simulator."""
    comparison.fixItRequested.emit(slot)
    dialog = window.fix_it.dialog
    assert dialog is not None and dialog.every_model.isEnabled()
    dialog.every_model.setChecked(True)
    in_loop(loop, dialog.accept)
    wait_until(loop, lambda: all(len(sim.requests_for(m)) == 2 for m in models), timeout=90,
               what="every follow-up")
    settle(loop, comparison)


def _assert_own_page(sim: Simulator, model: str, size: tuple[int, int]) -> bytes:
    text, png = _sent(sim.requests_for(model)[1])
    assert f"error at line 4: Uncaught ReferenceError: {model}Missing is not defined" in text
    assert not [m for m in COLOURS if m != model and f"{m}Missing" in text]
    assert png is not None, f"{model}'s follow-up had no screenshot"
    assert _size_and_colour(png) == (size, COLOURS[model])
    return png


def test_tabs_layout_the_hidden_tabs_pages_run_off_screen_at_the_shown_size(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    models = ["left", "middle", "right"]
    for model in models:
        _script(sim, model)
    in_loop(loop, lambda: window.set_layout_mode(LayoutMode.TABS))
    comparison = _send(loop, window, registry, models)
    size = _open_preview(loop, comparison, 0)  # the tab in front

    _fix_every_model(loop, window, comparison, 0, models, sim)

    pictures = [_assert_own_page(sim, model, size) for model in models]
    assert len(set(pictures)) == 3
    for slot in (1, 2):  # their tabs stayed behind: their previews never ran the page
        preview = comparison.panes[slot].preview
        assert preview is not None and not preview.runs_on_screen()
        assert preview.state() == "empty"
    turn = comparison.chat.head_turn
    assert turn is not None
    assert [[a.name for a in turn.files_for(s)] for s in range(3)] == [
        ["page.png", "console.txt"]] * 3


def test_a_focused_pane_the_others_pages_run_off_screen_even_one_stuck_in_a_loop(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    _script(sim, "right")
    sim.script("left", Synthetic([LOOPS]), Synthetic(["Fixed the loop."]))
    comparison = _send(loop, window, registry, ["left", "right"])
    in_loop(loop, lambda: window.pane_area.focus_pane(1))
    size = _open_preview(loop, comparison, 1)

    _fix_every_model(loop, window, comparison, 1, ["left", "right"], sim)

    _assert_own_page(sim, "right", size)
    text, _png = _sent(sim.requests_for("left")[1])
    assert f"error: {HUNG_LINE}" in text  # its page never loads: the model is told why
    assert "rightMissing" not in text
    preview = comparison.panes[0].preview
    assert preview is not None and preview.state() == "empty"


def test_from_the_previews_tab_every_page_runs_off_screen_at_the_default_size(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    models = ["left", "right"]
    for model in models:
        _script(sim, model)
    comparison = _send(loop, window, registry, models)
    in_loop(loop, lambda: window.show_previews(True))  # the panes are behind it

    _fix_every_model(loop, window, comparison, 1, models, sim)

    for model in models:
        _assert_own_page(sim, model, (1280, 800))
