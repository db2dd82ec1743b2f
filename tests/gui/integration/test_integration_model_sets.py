"""One place for model sets: with a database the window uses its sets (the ones the
library's re-runs offer), after copying the old JSON file's sets in once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import qasync

from studio.core.model_sets import (
    JsonModelSetStore,
    ModelSetEntry,
    entries_from_refs,
    model_sets_file,
)
from studio.core.paths import StudioPaths
from studio.store import Store
from studio.ui.main_window import MainWindow
from studio.ui.workspace.model_set_source import (
    IMPORTED_MARKER,
    DatabaseModelSets,
    window_model_sets,
)
from tests.gui.integration.integration_support import WindowMaker
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, close_window

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

CODERS = ["sim-openai:coder-a", "sim-anthropic:coder-b"]
MIXED = ["sim-gemini:mixed-c"]


def _write_json_sets(paths: StudioPaths) -> bytes:
    data = {"version": 1,
            "sets": {"Coders": [{"model": m} for m in CODERS],
                     "Mixed": [{"model": MIXED[0], "settings": {"temperature": 0.2}}]},
            "last": [{"model": m} for m in CODERS]}
    path = model_sets_file(paths.config)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path.read_bytes()


def _store_sets(paths: StudioPaths) -> dict[str, tuple[ModelSetEntry, ...]]:
    with Store.open(paths) as store:
        return {s.name: s.items for s in store.model_sets()}


def _rerun_menu_names(window: MainWindow) -> list[str]:
    panel = window.library
    assert panel is not None
    menu = panel.history.rerun_menu
    menu.aboutToShow.emit()
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_the_json_sets_are_copied_into_the_store_once_and_the_file_is_kept(
        loop: qasync.QEventLoop, make_window: WindowMaker, paths: StudioPaths) -> None:
    original = _write_json_sets(paths)
    window = make_window()
    assert isinstance(window.model_sets, DatabaseModelSets)
    assert window.model_sets.names() == ["Coders", "Mixed"]
    stored = _store_sets(paths)
    assert stored["Coders"] == entries_from_refs(CODERS)
    assert stored["Mixed"][0].settings.temperature == 0.2
    # The last set used came along: the model bar holds it.
    assert [str(t.ref) for t in window.model_bar.targets()] == CODERS
    # The library's re-run menu offers the same sets as the window.
    assert {"Coders", "Mixed"} <= set(_rerun_menu_names(window))
    assert model_sets_file(paths.config).read_bytes() == original  # a backup, untouched
    assert (paths.config / IMPORTED_MARKER).exists()

    # Changes go to the store, and a set deleted there stays deleted after a restart.
    window.model_sets.delete("Mixed")
    window.model_sets.save("Fresh", entries_from_refs(MIXED))
    close_window(loop, window)
    again = make_window()
    assert again.model_sets.names() == ["Coders", "Fresh"]
    assert "Fresh" in _rerun_menu_names(again)
    assert model_sets_file(paths.config).read_bytes() == original


def test_a_json_set_named_like_another_store_set_is_kept_under_a_new_name(
        make_window: WindowMaker, paths: StudioPaths) -> None:
    _write_json_sets(paths)
    with Store.open(paths) as store:
        store.save_model_set("Coders", entries_from_refs(["sim-openai:other"]))
        store.save_model_set("Mixed", JsonModelSetStore(
            model_sets_file(paths.config)).get("Mixed") or ())
    window = make_window()
    stored = _store_sets(paths)
    assert stored["Coders"] == entries_from_refs(["sim-openai:other"])  # not overwritten
    assert stored["Coders (from model_sets.json)"] == entries_from_refs(CODERS)
    assert sorted(stored) == ["Coders", "Coders (from model_sets.json)", "Mixed"]
    assert window.model_sets.names() == sorted(stored, key=str.casefold)


def test_an_unreadable_json_file_is_left_for_the_next_start(
        loop: qasync.QEventLoop, make_window: WindowMaker, paths: StudioPaths) -> None:
    path = model_sets_file(paths.config)
    path.write_text("{not json", encoding="utf-8")
    window = make_window()
    assert window.model_sets.names() == []
    assert not (paths.config / IMPORTED_MARKER).exists()
    close_window(loop, window)
    _write_json_sets(paths)  # repaired by hand
    assert make_window().model_sets.names() == ["Coders", "Mixed"]


def test_without_a_store_the_window_keeps_the_json_file(paths: StudioPaths) -> None:
    _write_json_sets(paths)
    sets = window_model_sets(paths, None)
    assert isinstance(sets, JsonModelSetStore)
    assert sets.names() == ["Coders", "Mixed"]
    assert not Path(paths.config / IMPORTED_MARKER).exists()
