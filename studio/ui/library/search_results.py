"""Search as you type: prompts, sent prompts and answers matching the query, matches
highlighted."""

from __future__ import annotations

import dataclasses
import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QPainter,
    QPalette,
    QStandardItem,
    QStandardItemModel,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from studio.store import SearchHit, Store, StoreError
from studio.ui.library.formatting import short_model
from studio.ui.style import colors, css, mix

HTML_ROLE = Qt.ItemDataRole.UserRole + 1
HIT_ROLE = Qt.ItemDataRole.UserRole + 2
DEBOUNCE_MS = 150
RESULT_LIMIT = 20

Index = QModelIndex | QPersistentModelIndex


def hit_html(hit: SearchHit, palette: QPalette | None = None, *, selected: bool = False) -> str:
    """Title, what kind of hit it is, and the snippet with its matches marked."""
    c = colors(palette)
    mark_bg = css(mix(c.base, c.accent, 0.35))
    muted = c.muted
    if selected and palette is not None:
        # On the selection colour the muted grey would vanish; blend with its text instead.
        muted = mix(palette.color(QPalette.ColorRole.HighlightedText),
                    palette.color(QPalette.ColorRole.Highlight), 0.3)
    escaped = dataclasses.replace(hit, snippet=html.escape(hit.snippet))
    snippet = escaped.highlighted(f'<b style="background-color:{mark_bg}">', "</b>")
    kind = html.escape(kind_label(hit, short=True))
    return (f"<b>{html.escape(hit.title)}</b> "
            f'<span style="color:{css(muted)}">· {kind}</span><br>{snippet}')


def kind_label(hit: SearchHit, *, short: bool = False) -> str:
    if hit.kind == "prompt":
        return "Prompt"
    if hit.kind == "turn":
        return "Sent prompt"
    model = hit.model or ""
    if not model:
        return "Answer"
    return f"Answer from {short_model(model) if short else model}"


def hit_text(hit: SearchHit) -> str:
    return f"{hit.title} · {kind_label(hit)}: {hit.highlighted('', '')}"


class _HtmlDelegate(QStyledItemDelegate):
    """Draws an item's HTML_ROLE text, wrapped to the view's width."""

    def _document(self, option: QStyleOptionViewItem, index: Index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(3)
        hit = index.data(HIT_ROLE)
        if isinstance(hit, SearchHit):
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            doc.setHtml(hit_html(hit, option.palette, selected=selected))
        else:
            doc.setHtml(html.escape(str(index.data() or "")))
        view = option.widget
        width = view.viewport().width() if isinstance(view, QListView) else option.rect.width()
        doc.setTextWidth(max(width, 120))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        doc = self._document(opt, index)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        if not index.flags() & Qt.ItemFlag.ItemIsEnabled:
            context.palette.setColor(QPalette.ColorRole.Text, palette.color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        else:
            context.palette.setColor(QPalette.ColorRole.Text, palette.color(role))
        rect = opt.rect
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(rect.translated(-rect.topLeft()))
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = self._document(opt, index)
        return QSize(round(doc.idealWidth()), round(doc.size().height()))


class SearchResults(QListView):
    """`hitActivated(SearchHit)` on Enter or double-click; `searched(query, hit count)` after
    each search; `errorOccurred(message)` when the store cannot search."""

    hitActivated = Signal(object)
    searched = Signal(str, int)
    errorOccurred = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._query = ""
        self._names_hidden = False
        self.hits: list[SearchHit] = []
        self.results = QStandardItemModel(self)
        self.setModel(self.results)
        self.setItemDelegate(_HtmlDelegate(self))
        self.setAccessibleName("Search results")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)
        self.activated.connect(self._activated)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def set_query(self, text: str) -> None:
        """Search `text` once typing pauses for DEBOUNCE_MS."""
        self._query = text
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()
            self._fill([])

    def run_now(self) -> None:
        self._timer.stop()
        query = self._query
        try:
            hits = self._store.search(query, limit=RESULT_LIMIT) if query.strip() else []
        except StoreError as exc:
            hits = []
            self.errorOccurred.emit(str(exc))
        self._fill(hits)
        self.searched.emit(query, len(hits))

    def set_names_hidden(self, hidden: bool) -> None:
        """Say "Answer" instead of which model's answer a hit is (while judging blind)."""
        if hidden != self._names_hidden:
            self._names_hidden = hidden
            self._fill(self.hits)

    def _fill(self, hits: list[SearchHit]) -> None:
        self.hits = hits
        self.results.clear()
        for hit in hits:
            shown = dataclasses.replace(hit, model=None) if self._names_hidden else hit
            item = QStandardItem(hit_text(shown))
            item.setData(hit_html(shown), HTML_ROLE)
            item.setData(hit, HIT_ROLE)
            item.setData(hit_text(shown), Qt.ItemDataRole.AccessibleTextRole)
            item.setEditable(False)
            self.results.appendRow(item)
        if not hits and self._query.strip():
            item = QStandardItem(
                f"No prompts, sent prompts or answers match “{self._query.strip()}”.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.appendRow(item)
        if hits:
            self.setCurrentIndex(self.results.index(0, 0))

    def activate_row(self, row: int) -> None:
        if 0 <= row < len(self.hits):
            self.hitActivated.emit(self.hits[row])

    def activate_current(self) -> None:
        current = self.currentIndex()
        self.activate_row(current.row() if current.isValid() else 0)

    def _activated(self, index: QModelIndex) -> None:
        self.activate_row(index.row())
