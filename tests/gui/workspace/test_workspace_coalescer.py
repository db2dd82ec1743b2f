"""The per-frame coalescer: many deltas in, few deliveries out, in the right order."""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ReasoningDelta, TextDelta
from studio.core.request import single_turn
from studio.core.runner import ModelRun, ModelState, ModelTarget
from studio.ui.workspace.coalescer import CHARS_PER_DELIVERY, FrameBatch, StreamCoalescer

pytestmark = pytest.mark.gui

CONFIG = ProviderConfig("sim", "openai", "http://127.0.0.1:9/v1", needs_key=False)


def make_run(index: int) -> ModelRun:
    target = ModelTarget(ModelRef("sim", f"m{index}"), CONFIG)
    return ModelRun(index, target, single_turn(f"m{index}", "hi"))


class Collected:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.batches: list[FrameBatch] = []
        self.delay_s = delay_s

    def __call__(self, batch: FrameBatch) -> None:
        self.batches.append(batch)
        if self.delay_s:
            time.sleep(self.delay_s)

    def text(self, index: int) -> str:
        return "".join(b.text.get(index, "") for b in self.batches)


def test_thousands_of_deltas_arrive_in_a_few_joined_batches(qtbot: QtBot) -> None:
    got = Collected()
    # A budget no tick can spend, even on a machine where this thread is descheduled for a
    # while: the joining is under test here, the budget in the test below.
    coalescer = StreamCoalescer(got, budget_s=60.0)
    runs = [make_run(i) for i in range(3)]
    for n in range(1500):  # 6,390 characters each: one delivery
        for run in runs:
            coalescer.on_delta(run, TextDelta(f"{n},"))
        coalescer.on_delta(runs[0], ReasoningDelta("."))
    assert got.batches == []  # nothing is delivered from inside the engine's callbacks
    qtbot.waitUntil(lambda: not coalescer.pending, timeout=10_000)
    expected = "".join(f"{n}," for n in range(1500))
    assert [got.text(i) for i in range(3)] == [expected] * 3
    assert "".join(b.reasoning.get(0, "") for b in got.batches) == "." * 1500
    assert coalescer.delta_count == 6000
    assert coalescer.flush_count == 1 and len(got.batches) == 3
    qtbot.waitUntil(lambda: not coalescer.active, timeout=10_000)  # the timer sleeps again


def test_a_restarted_model_drops_what_was_buffered_from_its_previous_attempt(
        qtbot: QtBot) -> None:
    got = Collected()
    coalescer = StreamCoalescer(got)
    run = make_run(0)
    coalescer.on_delta(run, TextDelta("old text"))
    run.state = ModelState.CANCELLED
    coalescer.on_state(run)
    run.state = ModelState.WAITING  # retried: the engine reset the run
    coalescer.on_state(run)
    coalescer.on_delta(run, TextDelta("new"))
    qtbot.waitUntil(lambda: not coalescer.pending, timeout=10_000)
    assert got.text(0) == "new"
    assert got.batches[0].resets == {0}
    assert got.batches[-1].states[0] is run


def test_an_expensive_frame_is_spread_over_several_ticks(qtbot: QtBot) -> None:
    got = Collected(delay_s=0.006)
    coalescer = StreamCoalescer(got, budget_s=0.008)
    runs = [make_run(i) for i in range(6)]
    for run in runs:
        coalescer.on_delta(run, TextDelta(f"text {run.index}"))
    qtbot.waitUntil(lambda: not coalescer.pending, timeout=10_000)
    assert [got.text(i) for i in range(6)] == [f"text {i}" for i in range(6)]
    # At most two 6 ms deliveries fit in an 8 ms budget (one, on a busy machine).
    assert 3 <= coalescer.flush_count <= 6
    assert [next(iter(b.text)) for b in got.batches] == list(range(6))  # oldest first


def test_after_detach_nothing_is_delivered(qtbot: QtBot) -> None:
    got = Collected()
    coalescer = StreamCoalescer(got)
    run = make_run(0)
    coalescer.on_delta(run, TextDelta("lost"))
    coalescer.detach()
    coalescer.on_delta(run, TextDelta("also lost"))
    qtbot.wait(50)
    assert got.batches == [] and not coalescer.active


def test_a_stream_faster_than_the_panes_is_handed_out_in_bounded_pieces(
        qtbot: QtBot) -> None:
    # 10,000 chunks a second of one long line: each tick hands a pane at most
    # CHARS_PER_DELIVERY characters, and the answer's end (its state) comes after its text.
    got = Collected()
    coalescer = StreamCoalescer(got)
    run = make_run(0)
    text = "".join(f"w{i} " for i in range(20_000))
    for i in range(0, len(text), 7):
        coalescer.on_delta(run, TextDelta(text[i:i + 7]))
    coalescer.on_delta(run, ReasoningDelta("r" * 20_000))
    run.state = ModelState.DONE
    coalescer.on_state(run)
    qtbot.waitUntil(lambda: not coalescer.pending, timeout=10_000)
    assert got.text(0) == text
    assert "".join(b.reasoning.get(0, "") for b in got.batches) == "r" * 20_000
    assert all(len(b.text.get(0, "")) <= CHARS_PER_DELIVERY for b in got.batches)
    assert len(got.batches) >= len(text) // CHARS_PER_DELIVERY
    assert [0 in b.states for b in got.batches] == [False] * (len(got.batches) - 1) + [True]


def test_flushing_at_the_end_hands_over_everything_at_once(qtbot: QtBot) -> None:
    got = Collected()
    coalescer = StreamCoalescer(got)
    run = make_run(0)
    coalescer.on_delta(run, TextDelta("x" * (3 * CHARS_PER_DELIVERY)))
    coalescer.flush()
    assert got.text(0) == "x" * (3 * CHARS_PER_DELIVERY) and len(got.batches) == 1
