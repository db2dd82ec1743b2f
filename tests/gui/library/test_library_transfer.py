# mypy: disable-error-code="no-untyped-call"
"""Import and export from the panel: the file dialogs, errors that name the entry, and
nothing changed by a broken file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from studio.store import Store
from studio.ui.library import LibraryPanel
from tests.gui.library.library_support import OFFSCREEN_SIZE_HINTS, add_run

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

Maker = Callable[[], LibraryPanel]


def snapshot(store: Store) -> list[str]:
    return list(store.connection.iterdump())


def collection_file(prompts: list[object]) -> dict[str, object]:
    return {"format": "prompt-studio.collection", "version": 1,
            "collections": [{"name": "Imported games", "prompts": prompts}]}


GOOD_PROMPT = {"title": "Snake", "body": "A {{size}} snake game", "variables": {"size": "20"}}


@pytest.mark.parametrize(("content", "named"), [
    (collection_file([GOOD_PROMPT, {"title": "Bad", "body": "x", "variables": ["a"]}]),
     "collections[0].prompts[1].variables"),
    (collection_file([GOOD_PROMPT, {"body": "no title"}]), "collections[0].prompts[1].title"),
    ({"format": "prompt-studio.collection", "version": 99, "collections": []}, "version"),
    ("{ not json", "games.json"),
])
def test_a_broken_file_names_the_entry_and_changes_nothing(
        qtbot: QtBot, store: Store, make_panel: Maker, tmp_path: Path, content: object,
        named: str) -> None:
    games = store.add_collection("Games")
    store.add_prompt(games.id, "Hexagon", "balls")
    before = snapshot(store)
    path = tmp_path / "games.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    panel = make_panel()
    transfer = panel.collections.transfer

    dialog = transfer.choose_import()  # the real, non-blocking file dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.selectFile(str(path))
    dialog.accept()

    box = transfer.error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == "Nothing was imported from games.json."
    assert named in box.informativeText()
    assert snapshot(store) == before
    assert [str(panel.collections.model.index(r, 0).data())
            for r in range(panel.collections.model.rowCount())] == ["Games (1)"]
    assert named in panel.notes.text()
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: transfer.error_box is None)


def test_export_then_import_elsewhere_brings_prompts_and_runs(
        store: Store, make_panel: Maker, tmp_path: Path) -> None:
    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Hexagon", "{{n}} balls", variables={"n": "3"},
                              tags=["physics"])
    add_run(store, "Hexagon", collection_id=games.id, prompt_id=prompt.id)
    panel = make_panel()
    panel.collections.select_collection(games.id)
    target = tmp_path / "out" / "games.json"
    target.parent.mkdir()
    dialog = panel.collections.transfer.choose_export([games.id], with_runs=True,
                                                      suggested="Games")
    dialog.selectFile(str(target))
    dialog.accept()
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["collections"][0]["prompts"][0]["title"] == "Hexagon"
    assert len(document["runs"]) == 1
    assert "Exported to" in panel.notes.text()

    with Store.open(tmp_path / "other.sqlite3") as other:
        other_panel = LibraryPanel(other)
        try:
            report = other_panel.collections.transfer.import_path(target)
            assert report is not None and report.prompts_added == 1 and report.runs_added == 1
            model = other_panel.collections.model
            assert str(model.index(0, 0).data()) == "Games (1)"
            assert other_panel.collections.view.currentIndex() == model.index(0, 0)
            assert "1 prompt added" in other_panel.notes.text()
            # Importing the same file again adds nothing.
            again = other_panel.collections.transfer.import_path(target)
            assert again is not None and again.prompts_added == 0 and again.runs_added == 0
            assert other.prompts()[0].tags == ("physics",)
        finally:
            other_panel.close()
            other_panel.deleteLater()


def test_a_promptfoo_config_imports_into_a_collection(
        store: Store, make_panel: Maker, tmp_path: Path) -> None:
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text("description: Game prompts\nprompts:\n  - 'Write a {{game}} in HTML'\n"
                      "tests:\n  - vars: {game: snake}\n", encoding="utf-8")
    panel = make_panel()
    assert panel.collections.transfer.import_path(config) is not None
    collection = store.find_collection("Game prompts")
    prompt = store.prompts(collection.id)[0]
    assert dict(prompt.variables) == {"game": "snake"}
    assert panel.collections.model.collection_index(collection.id).isValid()


def test_a_promptfoo_config_with_skipped_parts_says_what_was_skipped(
        qtbot: QtBot, store: Store, make_panel: Maker, tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "fixtures" / "promptfoo"
    config = examples / "dataset" / "promptfooconfig.yaml"
    panel = make_panel()
    transfer = panel.collections.transfer
    report = transfer.import_path(config)
    assert report is not None and report.prompts_added == 1
    box = transfer.notes_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == "Imported promptfooconfig.yaml; some parts were not imported."
    assert "huggingface://datasets/rajpurkar/squad" in box.informativeText()
    assert "its tests were skipped" in box.informativeText()
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: transfer.notes_box is None)

    redteam = examples / "redteam" / "promptfooconfig.yaml"
    assert transfer.import_path(redteam) is None
    error = transfer.error_box
    assert isinstance(error, QMessageBox)
    assert "red-team config" in error.informativeText()
    error.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: transfer.error_box is None)
