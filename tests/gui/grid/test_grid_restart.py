"""A batch survives the end of its process: quitting the window mid-batch, or a batch
process killed with SIGKILL, leaves it interrupted; the next start offers it with Resume,
and resuming sends every cell that is not finished and none that is (the simulator's
request log says what was sent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import qasync

from studio.core.batch import BatchState, CellState
from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.store import Store
from studio.ui.main_window import MainWindow
from tests.gui.grid.grid_support import (
    WindowMaker,
    add_collection,
    batch_window,
    controller,
    open_start_dialog,
    sent_prompt,
    start,
    wait_finished,
)
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    close_window,
    in_loop,
    target,
    wait_until,
)
from tests.support.batch_files import done_cells
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
              pytest.mark.timeout(180)]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
PROMPTS = [{"title": f"P{i}", "body": f"Prompt number {i}"} for i in range(3)]


def _resume_from_the_notice(loop: qasync.QEventLoop, window: MainWindow, left: int) -> None:
    wait_until(loop, lambda: window.grid.notice is not None, what="the interrupted notice")
    notice = window.grid.notice
    assert notice is not None and notice.isVisible()
    assert notice.label.text() == f"Batch “Games” was interrupted with {left} of 6 cells left."
    in_loop(loop, notice.resume.click)
    assert window.grid.notice is None  # resumed: the notice is gone


def _sent_since(sim: Simulator, since: float) -> list[tuple[str | None, str]]:
    return sorted((q.model, sent_prompt(q)) for q in sim.requests if q.started > since)


EXPECTED_AFTER = sorted([("fast", "Prompt number 1"), ("fast", "Prompt number 2"),
                         ("slow", "Prompt number 0"), ("slow", "Prompt number 1"),
                         ("slow", "Prompt number 2")])


def test_quitting_mid_batch_leaves_it_interrupted_and_the_next_start_resumes_it(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, paths: StudioPaths) -> None:
    sim.script("fast", Synthetic(["quick answer"]))
    sim.script("slow", Synthetic(["s"] * 400, chunks_per_second=20))  # 20 s: quit before
    window = make_window()
    window.model_bar.set_targets([target(registry, "sim-openai", "fast"),
                                  target(registry, "sim-anthropic", "slow")])
    assert window.store is not None
    collection = add_collection(window.store, "Games", PROMPTS)
    dialog = open_start_dialog(loop, window, collection)
    dialog.concurrency.setValue(1)  # row by row, one cell at a time
    batch = start(loop, window, dialog)
    wait_until(loop, lambda: batch.cell(0, 0).state is CellState.DONE
               and batch.cell(0, 1).state is CellState.STREAMING, what="the slow cell")
    close_window(loop, window)  # quit with the batch running
    quit_at = time.monotonic()
    wait_until(loop, lambda: sim.active_requests == 0, what="its stream to be cut")
    with Store.open(paths.database) as store:
        saved = store.batch_store().load(batch.id or 0)
    assert saved.state is BatchState.INTERRUPTED
    assert [c.state.finished for c in saved.cells] == [True] + [False] * 5

    sim.script("slow", Synthetic(["slow answer"]))
    again = make_window()
    _resume_from_the_notice(loop, again, left=5)
    grid = batch_window(again)
    assert grid.isVisible()
    resumed = wait_finished(loop, again)
    assert resumed.id == batch.id and resumed.state is BatchState.DONE
    assert [c.text for c in resumed.cells] == ["quick answer", "slow answer"] * 3
    assert _sent_since(sim, quit_at) == EXPECTED_AFTER  # the finished cell was not sent again


def test_a_killed_batch_process_is_found_interrupted_and_resumed_in_the_window(
        loop: qasync.QEventLoop, make_window: WindowMaker, registry: ProviderRegistry,
        sim: Simulator, paths: StudioPaths) -> None:
    sim.script("fast", Synthetic(["quick answer"]))
    sim.script("slow", Synthetic(["s"] * 400, chunks_per_second=20))
    with Store.open(paths.database) as store:
        add_collection(store, "Games", PROMPTS)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PYTHONPATH=REPO, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "run", "--collection", "Games",
         "-m", "sim-openai:fast", "-m", "sim-anthropic:slow", "--concurrency", "1", "--json"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().strip() == "batch 1"
        wait_until(loop, lambda: len(sim.requests_for("slow")) == 1
                   and sim.active_requests == 1, timeout=60, what="the slow cell to stream")
        # The fast cell is done at the server; the command saves on a writer thread.
        wait_until(loop, lambda: done_cells(paths.database) == 1, what="the done cell saved")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    killed_at = time.monotonic()
    wait_until(loop, lambda: sim.active_requests == 0, what="the killed stream to end")

    sim.script("slow", Synthetic(["slow answer"]))
    window = make_window()
    _resume_from_the_notice(loop, window, left=5)
    resumed = wait_finished(loop, window)
    assert resumed.id == 1 and resumed.state is BatchState.DONE
    assert [c.text for c in resumed.cells] == ["quick answer", "slow answer"] * 3
    assert _sent_since(sim, killed_at) == EXPECTED_AFTER
    assert controller(window).runner is not None
    close_window(loop, window)
    with Store.open(paths.database) as store:
        assert store.batch_store().load(1).state is BatchState.DONE
