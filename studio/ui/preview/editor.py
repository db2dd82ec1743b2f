"""PageEditor: edit a generated page's source, re-run it in its preview, keep each run as a
revision of the answer's page, compare revisions, hand the page to a follow-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QMetaObject, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from studio.core.page_revisions import (
    ORIGINAL,
    Revision,
    RevisionStore,
    ScreenshotSink,
    matching_revision,
    previous_revision,
    revision_label,
    same_source,
)
from studio.store import StoreError
from studio.ui.preview.code_editor import CodeEditor
from studio.ui.preview.find_bar import FindBar, GoToLineBar

if TYPE_CHECKING:
    from studio.ui.preview.view import PreviewView
    from studio.ui.workspace.diff_dialog import DiffDialog

DRAFT_LABEL = "Current draft (not run)"
_KEEP = QMessageBox.ButtonRole.AcceptRole
_DISCARD = QMessageBox.ButtonRole.DestructiveRole


class PageEditor(QWidget):
    """The source of one answer's page, with its revisions, run in an attached preview.

    `revisions` holds the original page (revision 0) and every edit that was run. The editor
    opens the newest revision (or, once attached, the one the preview is showing).
    """

    includeInFollowUp = Signal(str)  # the current source, for the next prompt
    revisionAdded = Signal(int)
    ran = Signal(int, str)  # the revision now running in the preview, and its page
    unsavedChanged = Signal(bool)
    closed = Signal()

    def __init__(self, revisions: RevisionStore, parent: QWidget | None = None, *,
                 preview: PreviewView | None = None, label: str = "") -> None:
        super().__init__(parent)
        self._store = revisions
        self._preview: PreviewView | None = None
        self._preview_gone: QMetaObject.Connection | None = None
        self._label = label
        self._revisions: list[Revision] = []
        self._base = ORIGINAL  # the revision the editor's text started from
        self._diff: DiffDialog | None = None
        self._question: QMessageBox | None = None
        self._close_confirmed = False

        self.code = CodeEditor(self)
        self.find_bar = FindBar(self.code, self)
        self.line_bar = GoToLineBar(self.code, self)
        self.toolbar = QToolBar(self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._build_toolbar()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.code, 1)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.line_bar)

        self._shortcut("Ctrl+Return", self.run)
        self._shortcut("Ctrl+Enter", self.run)
        self._shortcut(QKeySequence.StandardKey.Save, self.run)
        self._shortcut(QKeySequence.StandardKey.Find, self.show_find)
        # Not the platform's FindNext: on Linux it includes Ctrl+G, which is go to line here.
        self._shortcut("F3", self.find_bar.find_next)
        self._shortcut("Shift+F3", self.find_bar.find_previous)
        self._shortcut("Ctrl+G", self.show_go_to_line)
        # Esc in the text closes an open bar; with no bar open, Esc closes the editor (as
        # Ctrl+W does). Only one of the two is on at a time, so Esc never has two owners.
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.code)
        self._escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        self._escape.setEnabled(False)
        self._escape.activated.connect(self._close_bars)
        self._escape_closes = self._shortcut("Esc", self.close)
        self._shortcut(QKeySequence.StandardKey.Close, self.close)
        self.find_bar.closed.connect(self._bar_closed)
        self.line_bar.closed.connect(self._bar_closed)

        # Marks follow the text, but not on every keystroke of a big page.
        self._rematch = QTimer(self)
        self._rematch.setSingleShot(True)
        self._rematch.setInterval(150)
        self._rematch.timeout.connect(self.find_bar.refresh)
        self.code.document().contentsChanged.connect(self._on_text_changed)
        self.code.document().modificationChanged.connect(self._on_modified)
        self.code.undoAvailable.connect(self.undo_action.setEnabled)
        self.code.redoAvailable.connect(self.redo_action.setEnabled)

        self._reload_revisions()
        latest = self._revisions[-1] if self._revisions else None
        self._base = latest.number if latest is not None else ORIGINAL
        self.code.load_source(latest.html if latest is not None else "")
        self._sync_combo()
        self._on_modified(False)
        self.setWindowTitle(self._title())
        if preview is not None:
            self.attach(preview)

    # -- building ----------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = self.toolbar
        self.run_action = QAction("Run", self)
        self.run_action.setToolTip("Run the edited page in the preview (Ctrl+Enter, Ctrl+S);"
                                   " a changed page is kept as a new revision")
        self.run_action.triggered.connect(self.run)
        bar.addAction(self.run_action)
        bar.addSeparator()
        bar.addWidget(QLabel(" Revision: ", self))
        self.revision_combo = QComboBox(self)
        self.revision_combo.setAccessibleName("Page revision")
        self.revision_combo.setToolTip("Show and run an earlier version of this page")
        self.revision_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.revision_combo.activated.connect(self._on_revision_chosen)
        bar.addWidget(self.revision_combo)
        self.diff_action = QAction("Diff…", self)
        self.diff_action.setToolTip("Compare two revisions of this page side by side")
        self.diff_action.triggered.connect(lambda: self.open_diff())
        bar.addAction(self.diff_action)
        bar.addSeparator()
        self.undo_action = QAction("Undo", self)
        self.undo_action.setEnabled(False)
        self.undo_action.triggered.connect(self.code.undo)
        bar.addAction(self.undo_action)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setEnabled(False)
        self.redo_action.triggered.connect(self.code.redo)
        bar.addAction(self.redo_action)
        self.find_action = QAction("Find", self)
        self.find_action.setToolTip("Find in the source (Ctrl+F)")
        self.find_action.triggered.connect(self.show_find)
        bar.addAction(self.find_action)
        self.line_action = QAction("Go to line", self)
        self.line_action.setToolTip("Go to line (Ctrl+G)")
        self.line_action.triggered.connect(self.show_go_to_line)
        bar.addAction(self.line_action)
        bar.addSeparator()
        self.follow_up_action = QAction("Use in follow-up", self)
        self.follow_up_action.setToolTip(
            "Send this version of the page with the next prompt (\"Here is my current"
            " version: …\")")
        self.follow_up_action.triggered.connect(self.use_in_follow_up)
        bar.addAction(self.follow_up_action)
        bar.addSeparator()
        self.status_label = QLabel(self)
        self.status_label.setAccessibleName("Edit status")
        bar.addWidget(self.status_label)

    def _shortcut(self, keys: str | QKeySequence.StandardKey,
                  slot: Callable[[], object]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    # -- the preview -------------------------------------------------------------------

    def attach(self, preview: PreviewView) -> None:
        """Run edits in `preview`. When the editor holds no edit of its own, it switches to
        the revision the preview is showing, so the source matches the running page."""
        self.detach()
        self._preview = preview
        self._preview_gone = preview.destroyed.connect(self._on_preview_destroyed)
        shown = preview.document()
        if shown is None or self.has_unsaved_changes():
            return
        number = matching_revision(self._revisions, shown)
        if number is not None and number != self._base:
            self._base = number
            self.code.load_source(self._revision(number).html)
            self._sync_combo()

    def detach(self) -> None:
        if self._preview_gone is not None:
            QObject.disconnect(self._preview_gone)
            self._preview_gone = None
        self._preview = None

    def _on_preview_destroyed(self) -> None:
        self._preview_gone = None
        self._preview = None

    def preview(self) -> PreviewView | None:
        return self._preview

    # -- source and revisions ----------------------------------------------------------

    def source(self) -> str:
        return self.code.source()

    def set_source(self, html: str) -> None:
        """Replace the editor's text as one undoable edit (not run, not kept yet)."""
        self.code.replace_source(html)

    def revisions(self) -> list[Revision]:
        return list(self._revisions)

    def current_revision(self) -> int:
        """The revision the editor's text is based on (the one running after `run`)."""
        return self._base

    def has_unsaved_changes(self) -> bool:
        return self.code.document().isModified()

    def run(self) -> int:
        """Run the editor's page in the preview. A page that differs from every revision is
        kept as a new one; returns the number of the revision now running (-1 when it could
        not be kept: the page still runs and the edit stays marked as unsaved)."""
        html = self.source()
        number = matching_revision(self._revisions, html)
        added = number is None
        if number is None:
            try:
                number = self._store.add(html)
            except StoreError as exc:
                self._show_in_preview(html, keep_screenshot=None)
                self.status_label.setText(f"Ran, but could not keep this revision: {exc}")
                self.ran.emit(-1, html)
                return -1
            self._reload_revisions()
        self._base = number
        self.code.document().setModified(False)
        self._sync_combo()
        self._show_in_preview(html, keep_screenshot=number if added else None)
        if added:
            self.revisionAdded.emit(number)
        self.ran.emit(number, html)
        return number

    def restore(self, number: int) -> None:
        """Show revision `number` in the editor and run it. The text it replaces stays in the
        undo history."""
        revision = self._revision(number)
        if not same_source(self.source(), revision.html):
            self.code.replace_source(revision.html)
        self._base = number
        self.code.document().setModified(False)
        self._sync_combo()
        html = self.source()
        self._show_in_preview(html, keep_screenshot=None)
        self.ran.emit(number, html)

    def _revision(self, number: int) -> Revision:
        for revision in self._revisions:
            if revision.number == number:
                return revision
        raise KeyError(f"no revision {number} of this page")

    def _reload_revisions(self) -> None:
        self._revisions = self._store.revisions()

    def _show_in_preview(self, html: str, *, keep_screenshot: int | None) -> None:
        preview = self._preview
        if preview is None:
            return
        same = preview.document() == html
        preview.set_document(html, final=True)
        if same:
            preview.reload()  # the same page again: run it from the start
        store = self._store
        if keep_screenshot is not None and isinstance(store, ScreenshotSink) \
                and preview.isVisible():
            number = keep_screenshot

            def keep(png: bytes) -> None:
                if png:
                    store.save_screenshot(number, png)

            preview.grab_png(keep)

    def _on_revision_chosen(self, index: int) -> None:
        data = self.revision_combo.itemData(index)
        if isinstance(data, int):
            self.restore(data)

    def _sync_combo(self) -> None:
        combo = self.revision_combo
        combo.blockSignals(True)
        combo.clear()
        for revision in self._revisions:
            label = revision_label(revision.number)
            if revision.note:
                label += f" — {revision.note}"
            combo.addItem(label, revision.number)
        index = combo.findData(self._base)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
        self._update_status()

    # -- diff --------------------------------------------------------------------------

    def diff_entries(self) -> list[tuple[str, str]]:
        """(label, page) for every revision, and the draft when there is one."""
        entries = [(revision_label(r.number), r.html) for r in self._revisions]
        if self.has_unsaved_changes():
            entries.append((DRAFT_LABEL, self.source()))
        return entries

    def open_diff(self, left: int | None = None, right: int | None = None) -> DiffDialog:
        """Compare revision `left` with revision `right` (default: what the editor holds
        now against the revision before it); -1 names the unsaved draft."""
        from studio.ui.workspace.diff_dialog import DiffDialog

        entries = self.diff_entries()
        numbers = [r.number for r in self._revisions]
        if self.has_unsaved_changes():
            numbers.append(-1)
        if right is None:
            right = -1 if self.has_unsaved_changes() else self._base
        if left is None:
            left = self._base if right == -1 else previous_revision(self._revisions, right)
        if left not in numbers or right not in numbers:
            raise KeyError(f"no revision {left if left not in numbers else right}")
        if self._diff is not None:
            self._diff.close()
        dialog = DiffDialog(entries, numbers.index(left), numbers.index(right), self)
        dialog.setWindowTitle(f"{self._title()} — compare revisions")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: self._forget_diff(dialog))
        self._diff = dialog
        dialog.show()  # not modal: the user can keep editing while reading it
        return dialog

    def _forget_diff(self, dialog: DiffDialog) -> None:
        if self._diff is dialog:
            self._diff = None

    def diff_dialog(self) -> DiffDialog | None:
        return self._diff

    # -- find, go to line, follow-up -----------------------------------------------------

    def show_find(self) -> None:
        self.line_bar.close_bar()
        self.find_bar.open_bar(self.code.textCursor().selectedText())
        self._set_bar_open(True)

    def _close_bars(self) -> None:
        self.find_bar.close_bar()
        self.line_bar.close_bar()

    def _bar_closed(self) -> None:
        self._set_bar_open(self.find_bar.isVisible() or self.line_bar.isVisible())

    def _set_bar_open(self, open_: bool) -> None:
        self._escape.setEnabled(open_)
        self._escape_closes.setEnabled(not open_)

    def search(self, text: str, *, case_sensitive: bool = False) -> int:
        """Search for `text`, mark every match and select the first after the cursor;
        returns how many there are."""
        if self.find_bar.isHidden():
            self.show_find()
        self.find_bar.set_text(text, case_sensitive=case_sensitive)
        return len(self.code.matches())

    def show_go_to_line(self) -> None:
        self.find_bar.close_bar()
        self.line_bar.open_bar()
        self._set_bar_open(True)

    def go_to_line(self, line: int) -> bool:
        return self.code.go_to_line(line)

    def use_in_follow_up(self) -> None:
        self.includeInFollowUp.emit(self.source())

    # -- state shown to the user -------------------------------------------------------

    def _on_text_changed(self) -> None:
        if self.find_bar.isVisible():
            self._rematch.start()

    def _on_modified(self, modified: bool) -> None:
        self._update_status()
        self.unsavedChanged.emit(modified)

    def _update_status(self) -> None:
        modified = self.has_unsaved_changes()
        self.setWindowModified(modified)
        base = revision_label(self._base) if self._revisions else ""
        if modified:
            based_on = f" (based on {base})" if base else ""
            self.status_label.setText(f"● Edited, not run yet{based_on}")
        else:
            self.status_label.setText(base)
        self.diff_action.setEnabled(len(self._revisions) > 1 or modified)

    def _title(self) -> str:
        name = f"{self._label} — page source" if self._label else "Page source"
        return f"{name}[*]"

    def set_label(self, label: str) -> None:
        self._label = label
        self.setWindowTitle(self._title())

    # -- closing -----------------------------------------------------------------------

    def request_close(self) -> bool:
        """Close now if nothing is unsaved (True); otherwise ask first (False)."""
        return self.close()

    def close_question(self) -> QMessageBox | None:
        return self._question

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.has_unsaved_changes() and not self._close_confirmed:
            event.ignore()
            self._ask_before_closing()
            return
        self._close_confirmed = False
        if self._diff is not None:
            self._diff.close()
        super().closeEvent(event)
        self.closed.emit()

    def _ask_before_closing(self) -> None:
        if self._question is not None:
            self._question.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          "This page has changes that have not been run.",
                          QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText("Run them and keep them as a new revision, discard them, or"
                               " keep editing?")
        box.addButton("Run and keep", _KEEP)
        box.addButton("Discard changes", _DISCARD)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _result: self._on_close_answer(box))
        self._question = box
        box.open()  # not exec(): no nested event loop under the asyncio engine

    def _on_close_answer(self, box: QMessageBox) -> None:
        self._question = None
        clicked = box.clickedButton()
        role = box.buttonRole(clicked) if clicked is not None else None
        box.deleteLater()
        if role == _KEEP:
            if self.run() < 0:
                return  # not kept: stay open with the draft and the reason shown
        elif role == _DISCARD:
            self.code.replace_source(self._revision(self._base).html
                                     if self._revisions else "")
            self.code.document().setModified(False)
        else:
            return
        self._close_confirmed = True
        self.close()
