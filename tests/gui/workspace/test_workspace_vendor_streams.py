"""Vendor stream shapes in the real window: typed thinking chunks in the reasoning box,
and cached prompt tokens in the metrics strip with the cost they make."""

from __future__ import annotations

import pytest
import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.runner import ModelState
from studio.ui.main_window import MainWindow
from tests.gui.workspace.workspace_support import (
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    target,
    wait_until,
)
from tests.support.scenarios import Replay
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def test_thinking_chunks_and_cached_tokens_reach_the_panes(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("claude-sonnet-4-5", Replay("anthropic_cache_stream"))
    targets = [target(registry, "sim-openai", "mistral_reasoning_stream"),
               target(registry, "sim-openai", "zai_glm_stream"),
               target(registry, "sim-anthropic", "claude-sonnet-4-5")]
    comparison = in_loop(loop, lambda: window.send("Go", targets))
    wait_until(loop, lambda: comparison.settled, what="three answers")
    loop.run_until_complete(comparison.wait())
    mistral, zai, claude = window.pane_area.panes()
    for pane in (mistral, zai, claude):
        assert pane.state is ModelState.DONE, pane.error_label.text()

    # Mistral's {"type": "thinking"} chunks are reasoning, its text chunks the answer
    assert mistral.reasoning.plain_text() == (
        "Okay, the user wants a haiku about the sea. Five, seven, five.")
    assert mistral.reasoning.isVisibleTo(mistral)
    assert mistral.view.answer_text().startswith("Waves fold into foam,")
    assert mistral.metrics.tokens.text() == "in 12 · out 46"  # no cache: nothing added

    assert zai.metrics.tokens.text() == "in 1,169 (1,165 cached) · out 27"
    assert claude.metrics.tokens.text() == "in 3,169 (2,048 cached, 1,100 to cache) · out 12"
    # claude-sonnet-4-5: 21 × $3 + 1,100 × $3.75 + 2,048 × $0.30 + 12 × $15 per million
    assert claude.metrics.cost.text() == "$0.0050"
    assert claude.run is not None
    cost = claude.run.metrics.cost_usd
    assert cost == pytest.approx((21 * 3.0 + 1100 * 3.75 + 2048 * 0.30 + 12 * 15.0) / 1e6)
