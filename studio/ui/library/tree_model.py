"""The collections tree as a Qt model: collections at once, each one's prompts on demand.

Collections are few and all load when the model is built; prompts load a page at a time when
a collection is expanded or scrolled (canFetchMore/fetchMore), so 100,000 prompts cost
nothing until someone looks at them. Sub-collections come before prompts under a parent.
Drag and drop moves prompts and collections in the store, then mirrors the move here without
a reset, so what is expanded and selected stays as it was.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QApplication, QStyle

from studio.store import (
    Collection,
    CollectionId,
    NotFoundError,
    Prompt,
    PromptId,
    Store,
    StoreError,
)
from studio.ui.library.formatting import first_line
from studio.ui.library.tree_nodes import Node

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "collection" or "prompt"
ID_ROLE = Qt.ItemDataRole.UserRole + 2
ITEM_ROLE = Qt.ItemDataRole.UserRole + 3  # the Collection or Prompt
MIME_TYPE = "application/x-prompt-studio-library-items"
PROMPT_PAGE = 200

Index = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()


class CollectionsModel(QAbstractItemModel):
    """`errorOccurred(message)` when the store refuses a rename or a move;
    `collectionsChanged()` when collections were added, renamed, moved or reloaded."""

    errorOccurred = Signal(str)
    collectionsChanged = Signal()

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._root = Node("root", None)
        self._collections: dict[CollectionId, Node] = {}
        self._prompts: dict[PromptId, Node] = {}
        style = QApplication.style()
        self._folder_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._prompt_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._build()

    # ----- building ---------------------------------------------------------------------
    def _build(self) -> None:
        self._root = Node("root", None)
        self._collections = {}
        self._prompts = {}
        for collection in self._store.collections():  # parents come before their children
            parent = (self._collections.get(collection.parent_id, self._root)
                      if collection.parent_id is not None else self._root)
            node = Node("collection", parent, collection=collection)
            parent.children.append(node)
            self._collections[collection.id] = node

    def reload(self) -> None:
        """Read everything again (after an import, an undo or a change made elsewhere)."""
        self.beginResetModel()
        self._build()
        self.endResetModel()
        self.collectionsChanged.emit()

    # ----- structure --------------------------------------------------------------------
    def _node(self, index: Index) -> Node:
        if not index.isValid():
            return self._root
        node = index.internalPointer()
        assert isinstance(node, Node)
        return node

    def _index(self, node: Node) -> QModelIndex:
        if node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.children.index(node), 0, node)

    def index(self, row: int, column: int, parent: Index = _NO_INDEX) -> QModelIndex:
        node = self._node(parent)
        if column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    @overload
    def parent(self) -> QObject | None: ...

    @overload
    def parent(self, child: Index) -> QModelIndex: ...

    def parent(self, child: Index | None = None) -> QObject | QModelIndex | None:
        if child is None:
            return super().parent()
        if not child.isValid():
            return QModelIndex()
        owner = self._node(child).parent
        if owner is None or owner is self._root:
            return QModelIndex()
        return self._index(owner)

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = _NO_INDEX) -> int:
        return 1

    def hasChildren(self, parent: Index = _NO_INDEX) -> bool:
        node = self._node(parent)
        if node.kind == "prompt":
            return False
        return bool(node.children) or node.prompts_total > 0

    def canFetchMore(self, parent: Index) -> bool:
        node = self._node(parent)
        return node.kind == "collection" and node.prompts_loaded < node.prompts_total

    def fetchMore(self, parent: Index) -> None:
        node = self._node(parent)
        if node.kind != "collection" or node.collection is None:
            return
        try:
            page = self._store.prompts(node.collection.id, limit=PROMPT_PAGE,
                                       offset=node.prompts_loaded)
        except StoreError as exc:
            page = []
            self.errorOccurred.emit(str(exc))
        if not page:
            # Fewer prompts than counted (removed elsewhere): stop asking for more.
            node.prompts_total = node.prompts_loaded
            return
        first = len(node.children)
        self.beginInsertRows(self._index(node), first, first + len(page) - 1)
        for prompt in page:
            child = Node("prompt", node, prompt=prompt)
            node.children.append(child)
            self._prompts[prompt.id] = child
        node.prompts_loaded += len(page)
        node.prompts_total = max(node.prompts_total, node.prompts_loaded)
        self.endInsertRows()

    # ----- data -------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._node(index)
        if node.collection is not None:
            return self._collection_data(node, node.collection, role)
        if node.prompt is not None:
            return self._prompt_data(node.prompt, role)
        return None

    def _collection_data(self, node: Node, collection: Collection, role: int) -> Any:
        count = node.prompts_total
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{collection.name} ({count})" if count else collection.name
        if role == Qt.ItemDataRole.EditRole:
            return collection.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._folder_icon
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            noun = "prompt" if count == 1 else "prompts"
            return f"Collection {collection.name}, {count} {noun}"
        return self._common_data("collection", collection.id, collection, role)

    def _prompt_data(self, prompt: Prompt, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            tags = "  " + " ".join(f"#{t}" for t in prompt.tags) if prompt.tags else ""
            return prompt.title + tags
        if role == Qt.ItemDataRole.EditRole:
            return prompt.title
        if role == Qt.ItemDataRole.DecorationRole:
            return self._prompt_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [prompt.title]
            if prompt.tags:
                lines.append("Tags: " + ", ".join(prompt.tags))
            if prompt.variables:
                lines.append("Variables: " + ", ".join(prompt.variables))
            lines.append(first_line(prompt.body, 120))
            return "\n".join(lines)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Prompt {prompt.title}"
        return self._common_data("prompt", prompt.id, prompt, role)

    @staticmethod
    def _common_data(kind: str, item_id: int, item: object, role: int) -> Any:
        if role == KIND_ROLE:
            return kind
        if role == ID_ROLE:
            return int(item_id)
        if role == ITEM_ROLE:
            return item
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled  # top level: collections may be dropped here
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled
                | Qt.ItemFlag.ItemIsDropEnabled)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        node = self._node(index)
        name = " ".join(str(value).split())
        try:
            if node.collection is not None:
                if name == node.collection.name:
                    return True
                self._store.rename_collection(node.collection.id, name)
                node.collection = dataclasses.replace(node.collection, name=name)
            elif node.prompt is not None:
                if name == node.prompt.title:
                    return True
                node.prompt = self._store.update_prompt(node.prompt.id, title=name)
            else:
                return False
        except StoreError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        self.dataChanged.emit(index, index)
        if node.kind == "collection":
            self.collectionsChanged.emit()
        return True

    # ----- lookups ----------------------------------------------------------------------
    def collection_index(self, collection_id: CollectionId) -> QModelIndex:
        node = self._collections.get(collection_id)
        return self._index(node) if node is not None else QModelIndex()

    def prompt_index(self, prompt_id: PromptId) -> QModelIndex:
        """The prompt's row, loading its collection's pages up to it if needed."""
        node = self._prompts.get(prompt_id)
        if node is None:
            try:
                prompt = self._store.prompt(prompt_id)
            except NotFoundError:
                return QModelIndex()
            owner = self._collections.get(prompt.collection_id)
            if owner is None:
                return QModelIndex()
            while prompt_id not in self._prompts and self.canFetchMore(self._index(owner)):
                self.fetchMore(self._index(owner))
            node = self._prompts.get(prompt_id)
        return self._index(node) if node is not None else QModelIndex()

    def collection_ids(self) -> list[CollectionId]:
        return list(self._collections)

    def collections(self) -> list[Collection]:
        """Every collection as shown, parents before their children."""
        found: list[Collection] = []

        def visit(node: Node) -> None:
            for child in node.children:
                if child.collection is None:
                    break
                found.append(child.collection)
                visit(child)

        visit(self._root)
        return found

    # ----- changes made through the panel ----------------------------------------------
    def add_collection(self, collection: Collection) -> QModelIndex:
        parent = (self._collections.get(collection.parent_id, self._root)
                  if collection.parent_id is not None else self._root)
        row = parent.collection_rows()
        self.beginInsertRows(self._index(parent), row, row)
        node = Node("collection", parent, collection=collection)
        parent.children.insert(row, node)
        self._collections[collection.id] = node
        self.endInsertRows()
        self.collectionsChanged.emit()
        return self._index(node)

    def add_prompt(self, prompt: Prompt) -> QModelIndex:
        """A prompt just added to the store; shown now if its collection is fully loaded."""
        owner = self._collections.get(prompt.collection_id)
        if owner is None:
            return QModelIndex()
        self._append_prompt(owner, prompt)
        return self.prompt_index(prompt.id)

    def _append_prompt(self, owner: Node, prompt: Prompt) -> None:
        # A new or moved prompt sorts last in its collection, so it is shown now only when
        # every earlier prompt is loaded; otherwise paging reaches it at the right offset.
        complete = owner.prompts_loaded == owner.prompts_total
        owner.prompts_total += 1
        if complete:
            row = len(owner.children)
            self.beginInsertRows(self._index(owner), row, row)
            node = Node("prompt", owner, prompt=prompt)
            owner.children.append(node)
            self._prompts[prompt.id] = node
            owner.prompts_loaded += 1
            self.endInsertRows()
        self._changed(owner)

    def update_prompt(self, prompt: Prompt) -> None:
        node = self._prompts.get(prompt.id)
        if node is None:
            return
        if node.parent is not None and node.parent.id != prompt.collection_id:
            self.remove_prompt(prompt.id)
            self.add_prompt(prompt)
            return
        node.prompt = prompt
        index = self._index(node)
        self.dataChanged.emit(index, index)

    def remove_prompt(self, prompt_id: PromptId, owner_id: CollectionId | None = None) -> None:
        node = self._prompts.pop(prompt_id, None)
        owner = node.parent if node is not None else self._collections.get(
            owner_id) if owner_id is not None else None
        if owner is None:
            return
        if node is not None:
            row = owner.children.index(node)
            self.beginRemoveRows(self._index(owner), row, row)
            del owner.children[row]
            owner.prompts_loaded -= 1
            self.endRemoveRows()
        owner.prompts_total = max(0, owner.prompts_total - 1)
        self._changed(owner)

    def remove_collection(self, collection_id: CollectionId) -> None:
        node = self._collections.get(collection_id)
        if node is None or node.parent is None:
            return
        owner = node.parent
        row = owner.children.index(node)
        self.beginRemoveRows(self._index(owner), row, row)
        del owner.children[row]
        self._forget(node)
        self.endRemoveRows()
        self.collectionsChanged.emit()

    def _forget(self, node: Node) -> None:
        for child in node.children:
            self._forget(child)
        if node.collection is not None:
            self._collections.pop(node.collection.id, None)
        if node.prompt is not None:
            self._prompts.pop(node.prompt.id, None)

    def _changed(self, node: Node) -> None:
        if node.kind == "collection":
            index = self._index(node)
            self.dataChanged.emit(index, index)

    # ----- drag and drop ----------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeData(self, indexes: Any) -> QMimeData:
        items: list[list[Any]] = []
        for index in indexes:
            node = self._node(index)
            entry = [node.kind, node.id]
            if node.kind != "root" and index.column() == 0 and entry not in items:
                items.append(entry)
        mime = QMimeData()
        mime.setData(MIME_TYPE, QByteArray(json.dumps(items).encode("utf-8")))
        return mime

    @staticmethod
    def decode(mime: QMimeData) -> list[tuple[str, int]]:
        if not mime.hasFormat(MIME_TYPE):
            return []
        try:
            raw = json.loads(bytes(mime.data(MIME_TYPE).data()).decode("utf-8"))
        except ValueError:
            return []
        return [(str(k), int(i)) for k, i in raw
                if k in ("collection", "prompt") and isinstance(i, int)]

    def _drop_target(self, parent: Index) -> Node:
        node = self._node(parent)
        # Dropped on a prompt: it goes to that prompt's collection.
        return node.parent if node.kind == "prompt" and node.parent is not None else node

    def _can_move(self, kind: str, item_id: int, target: Node) -> bool:
        if kind == "prompt":
            if target.kind != "collection":
                return False
            node = self._prompts.get(PromptId(item_id))
            return node is None or node.parent is not target
        node = self._collections.get(CollectionId(item_id))
        return node is not None and node.parent is not target and not node.contains(target)

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: Index) -> bool:
        items = self.decode(data)
        if action != Qt.DropAction.MoveAction or not items:
            return False
        target = self._drop_target(parent)
        return all(self._can_move(kind, item_id, target) for kind, item_id in items)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self._drop_target(parent)
        moved = False
        for kind, item_id in self.decode(data):
            try:
                if kind == "prompt":
                    self.move_prompt(PromptId(item_id), target)
                else:
                    self.move_collection(CollectionId(item_id), target)
                moved = True
            except StoreError as exc:
                self.errorOccurred.emit(str(exc))
        return moved

    def move_prompt(self, prompt_id: PromptId, target: Node | CollectionId) -> None:
        """Move in the store, then here. Raises StoreError (nothing changed) if refused."""
        owner = target if isinstance(target, Node) else self._collections[target]
        assert owner.collection is not None
        before = self._store.prompt(prompt_id)
        self._store.move_prompt(prompt_id, owner.collection.id)
        self.remove_prompt(prompt_id, before.collection_id)
        self._append_prompt(owner, self._store.prompt(prompt_id))

    def move_collection(self, collection_id: CollectionId,
                        target: Node | CollectionId | None) -> None:
        owner = (target if isinstance(target, Node)
                 else self._collections[target] if target is not None else self._root)
        node = self._collections[collection_id]
        source = node.parent
        assert source is not None
        self._store.move_collection(collection_id,
                                    owner.collection.id if owner.collection else None)
        source_row = source.children.index(node)
        dest_row = owner.collection_rows()
        if self.beginMoveRows(self._index(source), source_row, source_row,
                              self._index(owner), dest_row):
            del source.children[source_row]
            owner.children.insert(owner.collection_rows(), node)
            node.parent = owner
            self.endMoveRows()
        node.collection = self._store.collection(collection_id)
        node.prompts_total = max(node.collection.prompt_count, node.prompts_loaded)
        self.collectionsChanged.emit()
