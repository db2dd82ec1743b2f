"""The prompt editor's variable rows and checks: edited in small tables, validated before
anything is saved, stored with the prompt in one transaction, shown again when the prompt
is edited, and carried by collection files."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from studio.core.checks import Check
from studio.store import Store
from studio.ui.library import LibraryPanel
from studio.ui.library.prompt_dialog import PromptEditorDialog
from tests.gui.library.library_support import OFFSCREEN_SIZE_HINTS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

Maker = Callable[[], LibraryPanel]


def _type_row(dialog: PromptEditorDialog, values: list[str]) -> None:
    editor = dialog.rows_editor
    editor.add_button.click()
    row = editor.table.rowCount() - 1
    for col, value in enumerate(values):
        item = editor.table.item(row, col)
        assert item is not None
        item.setText(value)


def _type_check(dialog: PromptEditorDialog, kind: str, value: str = "", limit: str = "",
                model: str = "", row: str = "") -> None:
    editor = dialog.checks_editor
    editor.add_button.click()
    r = editor.table.rowCount() - 1
    combo = editor.table.cellWidget(r, 0)
    assert isinstance(combo, QComboBox)
    combo.setCurrentText(kind)
    for col, text in enumerate((value, limit, model, row), start=1):
        item = editor.table.item(r, col)
        assert item is not None
        item.setText(text)


def test_rows_and_checks_are_saved_with_the_prompt_and_shown_again(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    panel = make_panel()
    panel.collections.select_collection(games.id)
    dialog = panel.collections.new_prompt()
    assert dialog is not None
    dialog.title_edit.setText("Mini-game")
    dialog.body_edit.setPlainText("Write {{game}} at {{level}} level as one HTML page.")
    dialog.set_default("level", "easy")
    rows = dialog.rows_editor
    assert [rows.table.horizontalHeaderItem(c).text()  # type: ignore[union-attr]
            for c in range(rows.table.columnCount())] == ["game", "level"]
    _type_row(dialog, ["snake", ""])
    _type_row(dialog, ["pong", "hard"])
    _type_row(dialog, ["", ""])  # an empty row is dropped
    _type_check(dialog, "icontains", "{{game}}")
    _type_check(dialog, "no-console-errors")
    _type_check(dialog, "max-ttft", limit="10")
    _type_check(dialog, "judge", "The game is playable with the keyboard", "0.7",
                "anthropic:claude-sonnet-4", row="2")
    dialog.accept()
    assert not dialog.isVisible()
    saved = dialog.saved
    assert saved is not None
    assert store.variable_rows(saved.id) == ({"game": "snake"}, {"game": "pong", "level": "hard"})
    assert store.checks(saved.id) == (
        Check("icontains", "{{game}}"), Check("no-console-errors"),
        Check("max-ttft", limit=10.0),
        Check("judge", "The game is playable with the keyboard", 0.7,
              "anthropic:claude-sonnet-4", row=1))
    # They travel with the collection file.
    document = store.export([games.id])
    exported = document["collections"][0]["prompts"][0]
    assert exported["variable_rows"] == [{"game": "snake"}, {"game": "pong", "level": "hard"}]
    assert exported["checks"][3] == {"kind": "judge", "value": "The game is playable with "
                                     "the keyboard", "limit": 0.7,
                                     "model": "anthropic:claude-sonnet-4", "row": 1}

    # Editing again shows them; a row removed and a check removed are saved that way.
    panel.collections.select_prompt(saved.id)
    again = panel.collections.edit_selected()
    assert again is not None
    assert again.rows_editor.rows() == [{"game": "snake"}, {"game": "pong", "level": "hard"}]
    assert again.checks_editor.table.rowCount() == 4
    again.rows_editor.table.setCurrentCell(0, 0)
    again.rows_editor.remove_button.click()
    again.checks_editor.table.setCurrentCell(1, 1)
    again.checks_editor.remove_button.click()
    again.accept()
    assert store.variable_rows(saved.id) == ({"game": "pong", "level": "hard"},)
    assert [c.kind for c in store.checks(saved.id)] == ["icontains", "max-ttft", "judge"]


def test_a_bad_check_is_named_and_nothing_is_saved(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Page", "A page with {{thing}}")
    store.set_variable_rows(prompt.id, [{"thing": "a cat"}])
    panel = make_panel()
    panel.collections.select_prompt(prompt.id)
    dialog = panel.collections.edit_selected()
    assert dialog is not None
    dialog.title_edit.setText("Page, renamed")
    _type_row(dialog, ["a dog"])
    _type_check(dialog, "contains", "canvas")
    _type_check(dialog, "regex", "(unclosed")
    dialog.accept()
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert dialog.error_label.text().startswith("Check 2: invalid regular expression")
    _type_check(dialog, "max-cost", limit="cheap")
    dialog.checks_editor.table.setCurrentCell(1, 1)
    dialog.checks_editor.remove_button.click()
    dialog.accept()
    assert dialog.error_label.text() == "Check 2: the limit 'cheap' is not a number"
    # Nothing was written: title, rows and checks are as they were.
    assert store.prompt(prompt.id).title == "Page"
    assert store.variable_rows(prompt.id) == ({"thing": "a cat"},)
    assert store.checks(prompt.id) == ()
    dialog.checks_editor.table.setCurrentCell(1, 1)
    dialog.checks_editor.remove_button.click()
    dialog.accept()
    assert not dialog.isVisible()
    assert store.prompt(prompt.id).title == "Page, renamed"
    assert store.variable_rows(prompt.id) == ({"thing": "a cat"}, {"thing": "a dog"})
    assert store.checks(prompt.id) == (Check("contains", "canvas"),)
