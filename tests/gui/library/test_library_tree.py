# mypy: disable-error-code="no-untyped-call"
"""The collections tree: what it shows, lazy loading, drag and drop, rename, delete and undo,
and choosing a prompt for the editor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit
from pytestqt.qtbot import QtBot

from studio.core.model_sets import entries_from_refs
from studio.core.paths import StudioPaths
from studio.store import NotFoundError, Prompt, Store
from studio.ui.library import LibraryPanel
from studio.ui.library.tree_model import ID_ROLE, KIND_ROLE, PROMPT_PAGE, CollectionsModel
from tests.gui.library.library_support import OFFSCREEN_SIZE_HINTS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

Maker = Callable[[], LibraryPanel]


def child_texts(model: CollectionsModel, parent: QModelIndex) -> list[str]:
    return [str(model.index(r, 0, parent).data()) for r in range(model.rowCount(parent))]


def editor_of(view: QAbstractItemView) -> QLineEdit:
    """The inline editor the view opened (it lives on the viewport)."""
    assert view.state() == QAbstractItemView.State.EditingState
    editors = [w for w in view.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1
    return editors[0]


def test_tree_shows_nested_collections_and_their_prompts(store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    three_d = store.add_collection("3D", games.id)
    store.add_collection("Pages")
    store.add_prompt(games.id, "Spinning hexagon", "balls in a hexagon",
                     tags=["physics", "canvas"])
    store.add_prompt(three_d.id, "Voxel pagoda", "a three.js pagoda")
    panel = make_panel()
    model = panel.collections.model

    assert child_texts(model, QModelIndex()) == ["Games (1)", "Pages"]
    games_index = model.collection_index(games.id)
    # Prompts load only when the collection is opened; sub-collections are there at once.
    assert child_texts(model, games_index) == ["3D (1)"]
    assert model.hasChildren(games_index) and model.canFetchMore(games_index)
    panel.collections.view.expand(games_index)
    assert child_texts(model, games_index) == ["3D (1)", "Spinning hexagon  #physics #canvas"]
    prompt_index = model.index(1, 0, games_index)
    assert prompt_index.data(KIND_ROLE) == "prompt"
    assert prompt_index.data(Qt.ItemDataRole.EditRole) == "Spinning hexagon"
    assert "Tags: physics, canvas" in prompt_index.data(Qt.ItemDataRole.ToolTipRole)
    three_d_index = model.collection_index(three_d.id)
    assert three_d_index.parent() == games_index
    panel.collections.view.expand(three_d_index)
    assert child_texts(model, three_d_index) == ["Voxel pagoda"]
    assert not model.hasChildren(model.collection_index(store.find_collection("Pages").id))


def test_prompts_of_a_big_collection_load_a_page_at_a_time(store: Store,
                                                          make_panel: Maker) -> None:
    big = store.add_collection("Big")
    with store.transaction():
        for n in range(PROMPT_PAGE * 2 + 10):
            store.add_prompt(big.id, f"Prompt {n:04}", f"body {n}")
    panel = make_panel()
    model = panel.collections.model
    index = model.collection_index(big.id)
    assert model.rowCount(index) == 0  # nothing read before the collection is opened
    model.fetchMore(index)
    assert model.rowCount(index) == PROMPT_PAGE
    assert model.canFetchMore(index)
    # Looking a prompt up reads the pages up to it, in order.
    last = store.find_prompts(big.id, f"Prompt {PROMPT_PAGE * 2 + 9:04}")[0]
    found = model.prompt_index(last.id)
    assert found.row() == PROMPT_PAGE * 2 + 9
    assert not model.canFetchMore(index)


def test_dragging_a_prompt_to_another_collection_moves_it_for_good(
        store: Store, make_panel: Maker, paths: StudioPaths) -> None:
    games = store.add_collection("Games")
    pages = store.add_collection("Pages")
    store.add_prompt(pages.id, "Landing page", "a landing page")
    hexagon = store.add_prompt(games.id, "Spinning hexagon", "balls in a hexagon")
    panel = make_panel()
    model = panel.collections.model
    view = panel.collections.view
    view.expand(model.collection_index(games.id))
    view.expand(model.collection_index(pages.id))
    source = model.prompt_index(hexagon.id)
    mime = model.mimeData([source])
    target = model.collection_index(pages.id)

    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, target)
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, target)

    assert child_texts(model, model.collection_index(pages.id)) == [
        "Landing page", "Spinning hexagon"]
    assert child_texts(model, model.collection_index(games.id)) == []
    assert model.collection_index(games.id).data() == "Games"
    assert model.collection_index(pages.id).data() == "Pages (2)"
    with Store.open(paths.database) as reopened:
        assert reopened.prompt(hexagon.id).collection_id == pages.id
    # Dropping on a prompt puts it in that prompt's collection; the same place is no move.
    moved = model.prompt_index(hexagon.id)
    landing = model.index(0, 0, model.collection_index(pages.id))
    assert not model.canDropMimeData(model.mimeData([moved]), Qt.DropAction.MoveAction,
                                     -1, 0, landing)


def test_dragging_a_collection_into_another_nests_it(
        store: Store, make_panel: Maker, paths: StudioPaths) -> None:
    games = store.add_collection("Games")
    three_d = store.add_collection("3D")
    inner = store.add_collection("Voxels", three_d.id)
    store.add_prompt(three_d.id, "Voxel pagoda", "a pagoda")
    panel = make_panel()
    model = panel.collections.model
    panel.collections.view.expand(model.collection_index(three_d.id))
    mime = model.mimeData([model.collection_index(three_d.id)])

    # Not into itself or below itself.
    assert not model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, 0,
                                     model.collection_index(inner.id))
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0,
                              model.collection_index(games.id))
    moved = model.collection_index(three_d.id)
    assert moved.parent() == model.collection_index(games.id)
    assert panel.collections.view.isExpanded(moved)  # a move, not a reload
    assert child_texts(model, moved) == ["Voxels", "Voxel pagoda"]
    with Store.open(paths.database) as reopened:
        assert reopened.collection(three_d.id).parent_id == games.id
    # And back to the top level (a drop on the empty area).
    assert model.dropMimeData(model.mimeData([moved]), Qt.DropAction.MoveAction, 1, 0,
                              QModelIndex())
    assert child_texts(model, QModelIndex()) == ["Games", "3D (1)"]
    assert store.collection(three_d.id).parent_id is None


def test_a_refused_move_changes_nothing_and_says_why(store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    store.add_collection("3D", games.id)
    loose = store.add_collection("3D")
    panel = make_panel()
    model = panel.collections.model
    mime = model.mimeData([model.collection_index(loose.id)])
    assert not model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0,
                                  model.collection_index(games.id))
    assert store.collection(loose.id).parent_id is None
    assert model.collection_index(loose.id).parent() == QModelIndex()
    assert "already exists" in panel.notes.text()
    assert panel.notes.isVisible()


def test_f2_renames_a_collection_and_the_name_persists(
        qtbot: QtBot, store: Store, make_panel: Maker, paths: StudioPaths) -> None:
    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Hexagon", "balls")
    panel = make_panel()
    view = panel.collections.view
    model = panel.collections.model
    view.setFocus()
    view.setCurrentIndex(model.collection_index(games.id))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = editor_of(view)
    assert editor.text() == "Games"
    editor.selectAll()
    qtbot.keyClicks(editor, "Arcade games")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on the next turn of the event loop.
    qtbot.waitUntil(lambda: view.state() == QAbstractItemView.State.NoState)
    assert model.collection_index(games.id).data() == "Arcade games (1)"
    # A prompt's title is renamed the same way.
    view.expand(model.collection_index(games.id))
    assert model.setData(model.prompt_index(prompt.id), "Spinning hexagon")
    with Store.open(paths.database) as reopened:
        assert reopened.collection(games.id).name == "Arcade games"
        assert reopened.prompt(prompt.id).title == "Spinning hexagon"
    # The history filter lists collections by their new name.
    combo = panel.history.collection_filter
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All collections", "Arcade games"]


def test_delete_then_undo_brings_a_prompt_and_a_collection_back(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    games = store.add_collection("Games")
    inner = store.add_collection("3D", games.id)
    pagoda = store.add_prompt(inner.id, "Voxel pagoda", "a pagoda")
    hexagon = store.add_prompt(games.id, "Hexagon", "balls")
    panel = make_panel()
    pane = panel.collections
    model = pane.model
    pane.view.expand(model.collection_index(games.id))
    pane.view.expand(model.collection_index(inner.id))
    pane.view.setFocus()

    pane.select_prompt(hexagon.id)
    qtbot.keyClick(pane.view, Qt.Key.Key_Delete)
    with pytest.raises(NotFoundError):
        store.prompt(hexagon.id)
    assert not model.prompt_index(hexagon.id).isValid()
    assert pane.undo_bar.isVisible()
    assert "Hexagon" in pane.undo_bar.label.text()

    qtbot.keyClick(pane.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.prompt(hexagon.id).title == "Hexagon"
    assert pane.view.currentIndex().data(ID_ROLE) == hexagon.id
    assert not pane.undo_bar.isVisible()

    # A collection goes with everything in it, and comes back the same way.
    pane.select_collection(games.id)
    assert pane.delete_selected() == 1
    assert model.rowCount(QModelIndex()) == 0
    with pytest.raises(NotFoundError):
        store.prompt(pagoda.id)
    pane.undo_bar.undo_button.click()
    assert store.prompt(pagoda.id).collection_id == inner.id
    assert pane.view.isExpanded(model.collection_index(games.id))
    assert model.prompt_index(pagoda.id).isValid()
    # Redo deletes it again.
    pane.undo_stack.redo()
    with pytest.raises(NotFoundError):
        store.collection(games.id)


def test_enter_or_double_click_chooses_a_prompt_with_everything_it_needs(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    coders = store.save_model_set("Coders", entries_from_refs(["openai:gpt-5"]))
    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Hexagon", "{{count}} balls in a hexagon",
                              system="One HTML file.", variables={"count": "3"},
                              model_set_id=coders.id)
    panel = make_panel()
    view = panel.collections.view
    panel.select_prompt(prompt.id)
    view.setFocus()
    with qtbot.waitSignal(panel.promptChosen) as chosen:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    got = chosen.args[0]
    assert isinstance(got, Prompt)
    assert (got.id, got.system, dict(got.variables), got.model_set_id) == (
        prompt.id, "One HTML file.", {"count": "3"}, coders.id)
    rect = view.visualRect(view.currentIndex())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.promptChosen):
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    # A double-click on a collection starts renaming it instead.
    collection_rect = view.visualRect(panel.collections.model.collection_index(games.id))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=collection_rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=collection_rect.center())
    assert editor_of(view).text() == "Games"


def test_new_prompt_dialog_saves_variables_tags_and_model_set(
        qtbot: QtBot, store: Store, make_panel: Maker) -> None:
    store.save_model_set("Coders", entries_from_refs(["openai:gpt-5"]))
    games = store.add_collection("Games")
    panel = make_panel()
    panel.collections.select_collection(games.id)
    dialog = panel.collections.new_prompt()
    assert dialog is not None and dialog.isVisible()
    dialog.title_edit.setText("Bouncing balls")
    dialog.body_edit.setPlainText("{{count}} balls, {{ colour }} ones")
    assert dialog.variable_names() == ["count", "colour"]
    dialog.set_default("count", "10")
    dialog.system_edit.setPlainText("Answer with HTML.")
    dialog.tags_edit.setText("physics, canvas")
    dialog.notes_edit.setPlainText("check friction")
    dialog.model_set_combo.setCurrentIndex(dialog.model_set_combo.findText("Coders"))
    dialog.accept()
    saved = store.find_prompts(games.id, "Bouncing balls")[0]
    assert dict(saved.variables) == {"count": "10", "colour": ""}
    assert saved.tags == ("physics", "canvas")
    assert saved.system == "Answer with HTML." and saved.notes == "check friction"
    assert saved.model_set_id == store.find_model_set("Coders").id  # type: ignore[union-attr]
    current = panel.collections.view.currentIndex()
    assert current.data(ID_ROLE) == saved.id

    # Editing: a missing title is refused in the dialog, nothing is written.
    dialog = panel.collections.edit_selected()
    assert dialog is not None
    dialog.title_edit.setText("  ")
    dialog.accept()
    assert dialog.isVisible() and dialog.error_label.isVisible()
    dialog.title_edit.setText("Bouncing balls v2")
    dialog.accept()
    assert store.prompt(saved.id).title == "Bouncing balls v2"
    assert current.model() is not None
    assert panel.collections.model.prompt_index(saved.id).data(
        Qt.ItemDataRole.EditRole) == "Bouncing balls v2"
