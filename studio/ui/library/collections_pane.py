"""The collections tree with its actions: new, edit, rename, move, delete with undo, and
import/export."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QStyle,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from studio.store import (
    Collection,
    CollectionId,
    ConflictError,
    ImportReport,
    Prompt,
    PromptId,
    Store,
    StoreError,
    TrashId,
)
from studio.ui.library.bars import DeleteCommand, UndoBar
from studio.ui.library.prompt_dialog import PromptEditorDialog
from studio.ui.library.transfer import Transfer
from studio.ui.library.tree_model import ID_ROLE, ITEM_ROLE, KIND_ROLE, CollectionsModel
from studio.ui.style import icon

NEW_COLLECTION = "New collection"


class CollectionsView(QTreeView):
    """F2 renames anything; a double-click renames a collection (the pane does it) and opens
    a prompt (through `activated`, like Enter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Collections")
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setExpandsOnDoubleClick(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)


class CollectionsPane(QWidget):
    """`promptChosen(Prompt)` when a prompt is opened; `message(text)` / `errorOccurred(text)`
    for the panel's note bar; `batchRequested(title, collection id or None, prompt ids)` to
    run a collection, or the selected prompts, as a batch."""

    promptChosen = Signal(object)
    batchRequested = Signal(str, object, list)
    message = Signal(str)
    errorOccurred = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 undo_stack: QUndoStack | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.model = CollectionsModel(store, self)
        self.model.errorOccurred.connect(self.errorOccurred)
        self.view = CollectionsView(self)
        self.view.setModel(self.model)
        self.view.activated.connect(self._activated)
        self.view.doubleClicked.connect(self._double_clicked)
        # Kept here rather than read from the view, so a collection that is deleted and
        # restored opens up again as it was.
        self._expanded: set[int] = set()
        self.view.expanded.connect(lambda i: self._expanded.add(int(i.data(ID_ROLE))))
        self.view.collapsed.connect(lambda i: self._expanded.discard(int(i.data(ID_ROLE))))
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        # A stack of its own gets its own Ctrl+Z; a shared one is the window's to bind.
        self._own_keys = undo_stack is None
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self._bar_index = -1  # the stack's index right after the deletion the bar offers
        self.undo_bar = UndoBar(self)
        self.undo_bar.undo_button.clicked.connect(self._undo_last_delete)
        # The bar offers to undo one deletion: once anything else is done or undone, it goes.
        self.undo_stack.indexChanged.connect(self._check_undo_bar)
        self.transfer = Transfer(store, self)
        self.transfer.imported.connect(self._imported)
        self.transfer.exported.connect(lambda path: self.message.emit(f"Exported to {path}."))
        self.transfer.failed.connect(self.errorOccurred)
        self.dialog: PromptEditorDialog | None = None

        self._make_actions()
        toolbar = QToolBar("Collections", self)
        toolbar.setAccessibleName("Collection actions")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        for action in (self.new_prompt_action, self.new_collection_action,
                       self.delete_action, self.import_action, self.export_action,
                       self.batch_action):
            toolbar.addAction(action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(toolbar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.undo_bar)
        self._update_actions()

    # ----- actions ----------------------------------------------------------------------
    def _action(self, text: str, slot: Callable[[], object], *,
                icon_name: str | None = None,
                standard: QStyle.StandardPixmap | None = None) -> QAction:
        action = QAction(text, self)
        if icon_name is not None:
            action.setIcon(icon(icon_name))
        elif standard is not None:
            action.setIcon(self.style().standardIcon(standard))
        action.triggered.connect(lambda: slot())
        return action

    def _make_actions(self) -> None:
        pixmaps = QStyle.StandardPixmap
        self.new_prompt_action = self._action("New prompt…", self.new_prompt, icon_name="new")
        self.new_collection_action = self._action(
            "New collection", self.new_collection, standard=pixmaps.SP_FileDialogNewFolder)
        self.delete_action = self._action("Delete", self.delete_selected,
                                          standard=pixmaps.SP_TrashIcon)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.delete_action)
        self.import_action = self._action("Import…", self.transfer.choose_import,
                                          standard=pixmaps.SP_DialogOpenButton)
        self.export_action = self._action("Export…", lambda: self.export_selected(False),
                                          standard=pixmaps.SP_DialogSaveButton)
        self.export_runs_action = self._action("Export with runs…",
                                               lambda: self.export_selected(True))
        self.edit_action = self._action("Edit…", self.edit_selected)
        self.rename_action = self._action("Rename", self.rename_current)
        self.open_action = self._action("Open in the editor", self.open_current)
        self.batch_action = self._action("Run as a batch…", self.request_batch,
                                         icon_name="layout-grid")
        self.batch_action.setToolTip("Run the selected collection, or the selected prompts, "
                                     "against a model set, as a grid")
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        if self._own_keys:
            self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
            self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.redo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Redo))
            self.redo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(self.undo_action)
            self.addAction(self.redo_action)

    def _update_actions(self) -> None:
        has = bool(self.view.selectionModel().selectedRows())
        self.delete_action.setEnabled(has)
        self.batch_action.setEnabled(self.batch_selection() is not None)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        menu = QMenu(self)
        kind = index.data(KIND_ROLE) if index.isValid() else None
        if kind == "prompt":
            menu.addAction(self.open_action)
            menu.addAction(self.edit_action)
            menu.addAction(self.rename_action)
            menu.addAction(self.batch_action)
        elif kind == "collection":
            menu.addAction(self.batch_action)
            menu.addAction(self.new_prompt_action)
            sub = menu.addAction("New sub-collection")
            cid = CollectionId(index.data(ID_ROLE))
            sub.triggered.connect(lambda: self.new_collection(cid))
            menu.addAction(self.rename_action)
            menu.addSeparator()
            menu.addAction(self.export_action)
            menu.addAction(self.export_runs_action)
        else:
            menu.addAction(self.new_collection_action)
            menu.addAction(self.new_prompt_action)
            menu.addAction(self.import_action)
        if kind is not None:
            menu.addSeparator()
            menu.addAction(self.delete_action)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # ----- opening ----------------------------------------------------------------------
    def _activated(self, index: QModelIndex) -> None:
        if index.data(KIND_ROLE) == "prompt":
            self.choose_prompt(PromptId(index.data(ID_ROLE)))

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.data(KIND_ROLE) == "collection":
            self.view.edit(index)

    def open_current(self) -> None:
        index = self.view.currentIndex()
        if index.data(KIND_ROLE) == "prompt":
            self.choose_prompt(PromptId(index.data(ID_ROLE)))

    def choose_prompt(self, prompt_id: PromptId) -> None:
        try:
            prompt = self._store.prompt(prompt_id)  # as stored now, not as first listed
        except StoreError as exc:
            self.errorOccurred.emit(str(exc))
            return
        self.promptChosen.emit(prompt)

    def batch_selection(self) -> tuple[str, int | None, list[int]] | None:
        """What "Run as a batch" runs: the selected prompts (in the tree's order), else the
        current collection; (title, collection id or None, prompt ids)."""
        rows = sorted(self.view.selectionModel().selectedRows(),
                      key=lambda i: self.view.visualRect(i).top())
        prompts = [i for i in rows if i.data(KIND_ROLE) == "prompt"]
        if prompts:
            ids = [int(i.data(ID_ROLE)) for i in prompts]
            if len(ids) == 1:
                title = str(prompts[0].data(Qt.ItemDataRole.EditRole) or "prompt")
            else:
                title = f"{len(ids)} prompts"
            return title, None, ids
        index = self.view.currentIndex()
        if index.isValid() and index.data(KIND_ROLE) == "collection":
            return str(index.data(Qt.ItemDataRole.EditRole) or "collection"), \
                int(index.data(ID_ROLE)), []
        return None

    def request_batch(self) -> None:
        chosen = self.batch_selection()
        if chosen is None:
            self.message.emit("Select a collection, or some prompts, to run as a batch.")
            return
        self.batchRequested.emit(*chosen)

    def rename_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.view.edit(index)

    # ----- selection --------------------------------------------------------------------
    def select_index(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        parent = index.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def select_prompt(self, prompt_id: int) -> bool:
        index = self.model.prompt_index(PromptId(prompt_id))
        self.select_index(index)
        return index.isValid()

    def select_collection(self, collection_id: int) -> bool:
        index = self.model.collection_index(CollectionId(collection_id))
        self.select_index(index)
        return index.isValid()

    def current_collection(self) -> CollectionId | None:
        """The selected collection, or the collection of the selected prompt."""
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        item = index.data(ITEM_ROLE)
        if isinstance(item, Prompt):
            return item.collection_id
        return item.id if isinstance(item, Collection) else None

    # ----- creating and editing ---------------------------------------------------------
    def new_collection(self, parent_id: CollectionId | None = None) -> Collection | None:
        base = NEW_COLLECTION
        for n in range(1, 1000):
            name = base if n == 1 else f"{base} {n}"
            try:
                collection = self._store.add_collection(name, parent_id)
            except ConflictError:
                continue
            except StoreError as exc:
                self.errorOccurred.emit(str(exc))
                return None
            index = self.model.add_collection(collection)
            self.select_index(index)
            self.view.edit(index)
            return collection
        return None

    def _collection_for_new_prompt(self) -> CollectionId | None:
        chosen = self.current_collection()
        if chosen is not None:
            return chosen
        ids = self.model.collection_ids()
        if ids:
            return ids[0]
        try:
            collection = self._store.ensure_collection("Prompts")
        except StoreError as exc:
            self.errorOccurred.emit(str(exc))
            return None
        self.model.add_collection(collection)
        return collection.id

    def new_prompt(self) -> PromptEditorDialog | None:
        collection_id = self._collection_for_new_prompt()
        if collection_id is None:
            return None
        return self._open_editor(PromptEditorDialog(self._store, collection_id, None, self))

    def edit_selected(self) -> PromptEditorDialog | None:
        item = self.view.currentIndex().data(ITEM_ROLE)
        if not isinstance(item, Prompt):
            return None
        try:
            prompt = self._store.prompt(item.id)
        except StoreError as exc:
            self.errorOccurred.emit(str(exc))
            return None
        return self._open_editor(PromptEditorDialog(self._store, prompt.collection_id, prompt,
                                                    self))

    def _open_editor(self, dialog: PromptEditorDialog) -> PromptEditorDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.promptSaved.connect(self._prompt_saved)
        dialog.finished.connect(lambda _r: self._editor_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _editor_closed(self, dialog: PromptEditorDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _prompt_saved(self, prompt: Prompt) -> None:
        if self.model.prompt_index(prompt.id).isValid():
            self.model.update_prompt(prompt)
        else:
            self.model.add_prompt(prompt)
        self.select_prompt(prompt.id)

    # ----- deleting ---------------------------------------------------------------------
    def delete_selected(self) -> int:
        """Delete the selected prompts and collections (each one undoable); returns how many."""
        rows = self.view.selectionModel().selectedRows()
        chosen = {int(i.data(ID_ROLE)) for i in rows if i.data(KIND_ROLE) == "collection"}
        items = [(str(i.data(KIND_ROLE)), int(i.data(ID_ROLE)),
                  str(i.data(Qt.ItemDataRole.EditRole)))
                 for i in rows if not self._inside(i, chosen)]  # those go with their parent
        return sum(1 for kind, item_id, name in items if self.delete_item(kind, item_id, name))

    @staticmethod
    def _inside(index: QModelIndex, collections: set[int]) -> bool:
        parent = index.parent()
        while parent.isValid():
            if int(parent.data(ID_ROLE)) in collections:
                return True
            parent = parent.parent()
        return False

    def delete_item(self, kind: str, item_id: int, name: str) -> bool:
        what = f"prompt “{name}”" if kind == "prompt" else f"collection “{name}”"

        def delete() -> TrashId:
            if kind == "prompt":
                token = self._store.delete_prompt(PromptId(item_id))
                self.model.remove_prompt(PromptId(item_id))
            else:
                token = self._store.delete_collection(CollectionId(item_id))
                self.model.remove_collection(CollectionId(item_id))
            return token

        try:
            token = delete()
        except StoreError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        command = DeleteCommand(self._store, f"Delete {what}", token, delete,
                                lambda: self._restored(kind, item_id, what),
                                self.errorOccurred.emit)
        self.undo_stack.push(command)
        self._bar_index = self.undo_stack.index()
        self.undo_bar.show_deleted(what)
        return True

    def _undo_last_delete(self) -> None:
        if self.undo_stack.index() == self._bar_index:
            self.undo_stack.undo()

    def _check_undo_bar(self, index: int) -> None:
        # Only the index the signal brings: the stack may be going away (it clears itself,
        # and says so, as it is destroyed).
        if index != self._bar_index:
            self._bar_index = -1
            self.undo_bar.hide()

    def _restored(self, kind: str, item_id: int, what: str) -> None:
        self.undo_bar.hide()
        self.reload()
        if kind == "prompt":
            self.select_prompt(item_id)
        else:
            self.select_collection(item_id)
        self.message.emit(f"Restored {what}.")

    # ----- reloading, import and export ---------------------------------------------------
    def expanded_collections(self) -> list[CollectionId]:
        return [CollectionId(cid) for cid in sorted(self._expanded)]

    def reload(self) -> None:
        """Read the tree again, keeping what was expanded and selected."""
        expanded = set(self._expanded)
        current = self.view.currentIndex()
        kind, item_id = current.data(KIND_ROLE), current.data(ID_ROLE)
        self.model.reload()
        self._expanded = set()
        for cid in self.model.collection_ids():  # parents first, so children can open
            if cid in expanded:
                index = self.model.collection_index(cid)
                # The view would fetch at its next layout; fetching now keeps selection
                # and lookups right away consistent with what is shown.
                if self.model.canFetchMore(index):
                    self.model.fetchMore(index)
                self.view.expand(index)
        self._expanded |= expanded  # still gone ones stay remembered for an undo
        if kind == "prompt":
            self.select_prompt(int(item_id))
        elif kind == "collection":
            self.select_collection(int(item_id))

    def _imported(self, report: ImportReport) -> None:
        self.reload()
        if report.collection_ids:
            self.select_collection(report.collection_ids[0])
        self.message.emit(f"Imported: {report.summary()}.")

    def export_selected(self, with_runs: bool) -> None:
        cid = self.current_collection()
        if cid is None:
            self.transfer.choose_export(None, with_runs=with_runs, suggested="collections")
            return
        index = self.model.collection_index(cid)
        name = str(index.data(Qt.ItemDataRole.EditRole) or "collection")
        self.transfer.choose_export([cid], with_runs=with_runs, suggested=name)
