# mypy: disable-error-code="no-untyped-call"
"""Rating answers, and comparing an old run with a new one side by side."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from studio.core.paths import StudioPaths
from studio.store import ResponseData, Store
from studio.ui.library import CompareRunsDialog, LibraryPanel, RatingWidget
from tests.gui.library.library_support import OFFSCREEN_SIZE_HINTS, add_run

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

Maker = Callable[[], LibraryPanel]


def test_stars_and_note_are_saved_and_clicking_the_same_star_clears(
        qtbot: QtBot, store: Store, paths: StudioPaths) -> None:
    run_id, responses = add_run(store, "Hexagon", ("openai:gpt-5", "kimi:kimi-k2"))
    widget = RatingWidget(store, responses[1])
    qtbot.addWidget(widget)
    widget.show()
    assert [b.text() for b in widget.stars] == ["☆"] * 5
    with qtbot.waitSignal(widget.rated) as rated:
        widget.stars[3].click()
    assert rated.args == [responses[1], 4, ""]
    assert [b.text() for b in widget.stars] == ["★"] * 4 + ["☆"]
    widget.note_edit.setText("ball escapes the hexagon")
    widget.note_edit.editingFinished.emit()
    with Store.open(paths.database) as reopened:
        answer = reopened.run(run_id).turns[0].current(1)
        assert answer is not None
        assert (answer.rating, answer.rating_note) == (4, "ball escapes the hexagon")
    # A widget made for that answer starts from what is stored.
    again = RatingWidget.for_response(store, answer)
    qtbot.addWidget(again)
    assert again.rating() == 4 and again.note_edit.text() == "ball escapes the hexagon"
    again.stars[3].click()
    saved = store.run(run_id).turns[0].current(1)
    assert saved is not None and saved.rating is None
    assert again.stars[0].accessibleName() == "Rate 1 star"


def test_compare_shows_each_models_old_and_new_answer_with_metrics(
        qtbot: QtBot, store: Store) -> None:
    old, old_answers = add_run(
        store, "Hexagon", ("openai:gpt-4o", "anthropic:claude-sonnet-4"),
        texts=["old gpt page", "old claude page"], ratings=[2, 4])
    new, _ = add_run(
        store, "Hexagon", ("anthropic:claude-sonnet-4", "qwen:qwen3-max"),
        texts=["new claude page", "new qwen page"])
    dialog = CompareRunsDialog(store, old, new)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.answer_texts() == {
        "openai:gpt-4o": ("old gpt page", None),
        "anthropic:claude-sonnet-4": ("old claude page", "new claude page"),
        "qwen:qwen3-max": (None, "new qwen page"),
    }
    texts = {w.accessibleName(): w.toPlainText() for w in dialog.findChildren(QPlainTextEdit)}
    assert texts["Old answer from anthropic:claude-sonnet-4"] == "old claude page"
    assert texts["New answer from anthropic:claude-sonnet-4"] == "new claude page"
    labels = {w.accessibleName(): w.text() for w in dialog.findChildren(QLabel)}
    assert labels["New answer from openai:gpt-4o: missing"] == "Not in the new run"
    assert labels["Old answer from qwen:qwen3-max: missing"] == "Not in the old run"
    figures = labels["Old metrics for anthropic:claude-sonnet-4"]
    assert "13 in / 301 out tokens" in figures and "5.0 s" in figures
    assert "$0.0123" in figures and "★★★★☆" in figures
    assert not dialog.turn_combo.isVisible()  # one turn each: nothing to choose

    # Rating in the dialog is saved and reported, so the history list can update.
    ratings = [w for w in dialog.findChildren(RatingWidget)
               if w.response_id == old_answers[0]]
    with qtbot.waitSignal(dialog.rated) as rated:
        ratings[0].stars[4].click()
    assert rated.args == [old]
    answer = store.run(old).turns[0].current(0)
    assert answer is not None and answer.rating == 5


def test_compare_walks_the_turns_of_two_threads(qtbot: QtBot, store: Store) -> None:
    old, _ = add_run(store, "Snake", ("openai:gpt-5",), texts=["snake v1"])
    new, _ = add_run(store, "Snake", ("openai:gpt-5",), texts=["snake v2"])
    turn = store.add_turn(new, "make it faster")
    store.save_response(turn, 0, ResponseData(model="openai:gpt-5", text="faster snake",
                                              state="failed", error_kind="timeout",
                                              error_message="no answer in 60 s"))
    dialog = CompareRunsDialog(store, old, new)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.turn_combo.isVisible() and dialog.turn_combo.count() == 2
    assert dialog.answer_texts() == {"openai:gpt-5": ("snake v1", "snake v2")}
    dialog.turn_combo.setCurrentIndex(1)
    assert dialog.answer_texts() == {"openai:gpt-5": (None, "faster snake")}
    labels = {w.accessibleName(): w.text() for w in dialog.findChildren(QLabel)}
    assert "failed (timeout): no answer in 60 s" in labels["New metrics for openai:gpt-5"]
    assert labels["Old answer from openai:gpt-5: missing"] == (
        "Not asked in this turn of the old run")
    assert "New prompt: make it faster" in dialog.prompt_label.text()


def test_the_panel_opens_the_dialog_and_ratings_there_update_the_history(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    old, answers = add_run(store, "Hexagon v1")
    new, _ = add_run(store, "Hexagon v2")
    panel = make_panel()
    dialog = panel.compare_runs(old, new)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    rating = next(w for w in dialog.findChildren(RatingWidget) if w.response_id == answers[0])
    rating.stars[2].click()
    row = panel.history.model.row_of(old)
    assert row is not None
    assert panel.history.model.index(row, 4).data() == "3★"
    assert panel.compare_runs(old, 999_999) is None  # a run that is gone opens nothing
    dialog.close()
    assert isinstance(panel, QWidget)
