"""Answers shaped like real ones in the real window: reasoning the server passed through in
the text lands in the reasoning section, and a page the answer stopped in the middle of is
labelled "Page cut off" in its preview and in the Previews tab."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from studio.core.catalog import ProviderRegistry
from studio.core.page_close import CUT_OFF_NOTE
from studio.core.runner import ModelState
from studio.ui.main_window import MainWindow
from studio.ui.preview.scheme import is_registered
from studio.ui.workspace.previews_tab import preview_key
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    target,
    wait_until,
)
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

if TYPE_CHECKING:
    from studio.ui.preview.view import PreviewView

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE)]

ANSWERS = Path(__file__).resolve().parents[2] / "fixtures" / "answers"


def chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def test_channel_markers_in_the_text_show_as_reasoning_not_as_the_answer(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    whole = (ANSWERS / "harmony_channels.txt").read_text(encoding="utf-8")
    analysis = whole[len("<|channel|>analysis<|message|>"):whole.index("<|end|>")]
    final = whole[whole.index("final<|message|>") + len("final<|message|>"):
                  whole.index("<|return|>")]
    sim.script("gpt-oss", Synthetic(chunks(whole, 5)))
    comparison = in_loop(loop, lambda: window.send("hexagon", [
        target(registry, "sim-openai", "gpt-oss")]))
    wait_until(loop, lambda: comparison.settled, what="the answer")
    pane = window.pane_area.panes()[0]
    assert pane.state is ModelState.DONE
    assert pane.reasoning.plain_text() == analysis
    assert pane.view.answer_text() == final
    assert "<|" not in pane.view.document().toPlainText()


@pytest.mark.webengine
@pytest.mark.slow
@pytest.mark.skipif(not is_registered(), reason="a QApplication existed before the scheme")
def test_a_cut_off_page_is_labelled_in_the_pane_and_in_the_previews_tab(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    cut = (ANSWERS / "breakout_cut_in_script.md").read_text(encoding="utf-8")
    whole = (ANSWERS / "breakout_full.md").read_text(encoding="utf-8")
    sim.script("cut", Synthetic(chunks(cut, 50)))
    sim.script("whole", Synthetic(chunks(whole, 50)))
    comparison = in_loop(loop, lambda: window.send("breakout", [
        target(registry, "sim-openai", m) for m in ("cut", "whole")]))
    wait_until(loop, lambda: comparison.settled, what="two answers")
    cut_pane, whole_pane = window.pane_area.panes()

    in_loop(loop, cut_pane.preview_button.click)
    preview = cast("PreviewView | None", cut_pane.preview)
    assert preview is not None
    document = preview.document()
    assert document is not None and document.startswith(CUT_OFF_NOTE)
    assert not preview.cut_off_badge.isHidden()
    in_loop(loop, whole_pane.preview_button.click)
    other = cast("PreviewView | None", whole_pane.preview)
    assert other is not None and other.cut_off_badge.isHidden()

    window.actions_.previews.trigger()
    QApplication.processEvents()
    grid = window.previews.grid
    assert grid is not None
    labelled = [grid.preview(preview_key(i, f"sim-openai:{m}"))
                for i, m in enumerate(("cut", "whole"))]
    assert [v is not None and not v.cut_off_badge.isHidden() for v in labelled] == [True, False]
