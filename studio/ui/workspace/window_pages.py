"""The main window's page editors: "Edit source" on a pane's preview, one editor per answer.

Each editor is a window of its own (not modal, and not a dock: its keys — Ctrl+Enter to
run, Esc to close the find bar — would otherwise compete with the main window's). Its edits
are revisions of the answer's page: in the store once the answer is saved there, in memory
until then (and moved to the store when it is). Once an edit has run, the answer's previews
show it rather than the page in the answer's text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from studio.core.page_revisions import (
    MemoryRevisions,
    Revision,
    follow_up_with_page,
    migrate_edits,
)
from studio.store import StoreError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from studio.core.thread import Answer
    from studio.store import Store
    from studio.ui.preview.editor import PageEditor
    from studio.ui.preview.revisions import StoreRevisions
    from studio.ui.preview.view import PreviewView
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.identity import Identity
    from studio.ui.workspace.previews_tab import PreviewsTab
    from studio.ui.workspace.prompt_area import PromptArea

EDITOR_SIZE = (960, 720)


class AnswerRevisions:
    """The revisions of one answer's page: in memory until the answer is saved, then in
    the store (`RevisionStore` and `ScreenshotSink` for the page editor)."""

    def __init__(self, memory: MemoryRevisions | None = None,
                 saved: StoreRevisions | None = None) -> None:
        if (memory is None) == (saved is None):
            raise ValueError("revisions live either in memory or in the store")
        self._memory = memory
        self._saved = saved

    @property
    def saved(self) -> bool:
        return self._saved is not None

    def revisions(self) -> list[Revision]:
        if self._saved is not None:
            return self._saved.revisions()
        assert self._memory is not None
        return self._memory.revisions()

    def add(self, html: str, note: str = "") -> int:
        if self._saved is not None:
            return self._saved.add(html, note)
        assert self._memory is not None
        return self._memory.add(html, note)

    def save_screenshot(self, number: int, png: bytes) -> None:
        if self._saved is not None:
            self._saved.save_screenshot(number, png)
        elif self._memory is not None:
            self._memory.save_screenshot(number, png)

    def move_to(self, saved: StoreRevisions) -> dict[int, int]:
        """The answer is saved now: its edits (and their pictures) go to the store, which
        keeps every later one; returns old revision number → number in the store."""
        memory = self._memory
        if memory is None:
            return {}
        moved = migrate_edits(memory, saved)
        for old, new in moved.items():
            png = memory.screenshots.get(old)
            if png:
                saved.save_screenshot(new, png)
        self._saved = saved
        self._memory = None
        return moved


class _Editing:
    """One open editor and where it came from."""

    def __init__(self, editor: PageEditor, revisions: AnswerRevisions,
                 comparison: Comparison) -> None:
        self.editor = editor
        self.revisions = revisions
        self.comparison = comparison


class WindowPages:
    """Mixed into MainWindow (listed before QMainWindow)."""

    if TYPE_CHECKING:
        store: Store | None
        comparison: Comparison | None
        prompt_area: PromptArea
        previews: PreviewsTab
        identity: Identity

        def statusBar(self) -> QStatusBar: ...

    _page_editors: dict[Answer, _Editing]
    _follow_up_page: tuple[str, str] | None  # (request as typed, prompt made from it)

    def _init_pages(self) -> None:
        self._page_editors = {}
        self._follow_up_page = None

    def page_editors(self) -> list[PageEditor]:
        return [e.editor for e in self._page_editors.values()]

    def page_editor_for(self, answer: Answer) -> PageEditor | None:
        editing = self._page_editors.get(answer)
        return editing.editor if editing is not None else None

    def open_page_editor(self, slot: int,
                         preview: PreviewView | None = None) -> PageEditor | None:
        """Open (or bring up) the editor of the page of the answer in pane `slot`, running
        its edits in `preview` (default: that pane's own preview)."""
        comparison = self.comparison
        if comparison is None or not 0 <= slot < len(comparison.panes):
            return None
        pane = comparison.panes[slot]
        answer = pane.answer
        if answer is None:
            self.statusBar().showMessage("This model has no answer here to edit.", 4000)
            return None
        preview = preview if preview is not None else pane.preview
        editing = self._page_editors.get(answer)
        if editing is not None:
            editor = editing.editor
            if preview is not None and editor.preview() is not preview:
                editor.attach(preview)
            editor.show()
            editor.raise_()
            editor.activateWindow()
            return editor
        from studio.ui.preview.editor import PageEditor

        revisions = self._revisions_for(comparison, answer)
        assert isinstance(self, QMainWindow)
        editor = PageEditor(revisions, self, preview=preview,
                            label=self.identity.title(answer.slot, answer.target))
        editor.setWindowFlag(Qt.WindowType.Window)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.setObjectName("pageEditor")
        editor.ran.connect(
            lambda _number, html, c=comparison, a=answer: self._on_page_ran(c, a, html))
        editor.includeInFollowUp.connect(
            lambda html, c=comparison, a=answer: self.include_page_in_follow_up(c, a, html))
        editor.closed.connect(lambda a=answer: self._page_editors.pop(a, None))
        self._page_editors[answer] = _Editing(editor, revisions, comparison)
        editor.resize(*EDITOR_SIZE)
        editor.show()
        editor.raise_()
        return editor

    def _revisions_for(self, comparison: Comparison, answer: Answer) -> AnswerRevisions:
        saved = self._stored_revisions(comparison, answer)
        if saved is not None:
            return AnswerRevisions(saved=saved)
        return AnswerRevisions(MemoryRevisions(comparison.page_of(answer)))

    def _stored_revisions(self, comparison: Comparison,
                          answer: Answer) -> StoreRevisions | None:
        store = self.store
        response_id = comparison.response_id(answer)
        if store is None or response_id is None or not answer.finished:
            return None
        from studio.ui.preview.revisions import StoreRevisions

        run_id = comparison.run_id
        try:
            saved = StoreRevisions(store, int(response_id),
                                   int(run_id) if run_id is not None else None)
            saved.revisions()
        except StoreError as exc:
            self.statusBar().showMessage(f"Edits of this page will not be kept: {exc}", 8000)
            return None
        return saved

    def _on_page_ran(self, comparison: Comparison, answer: Answer, html: str) -> None:
        comparison.set_edited_page(answer, html)
        if comparison is self.comparison:
            self.previews.refresh()

    def _move_page_edits(self, comparison: Comparison, answer: Answer) -> None:
        """The answer was just saved: an open editor's edits made before go to the store."""
        editing = self._page_editors.get(answer)
        if editing is None or editing.revisions.saved:
            return
        saved = self._stored_revisions(comparison, answer)
        store = self.store
        if saved is None or store is None:
            return
        try:
            with store.transaction():  # all the edits, or none (and they stay in memory)
                editing.revisions.move_to(saved)
        except StoreError as exc:
            self.statusBar().showMessage(f"Edits of this page were not saved: {exc}", 8000)

    def include_page_in_follow_up(self, comparison: Comparison, answer: Answer,
                                  html: str) -> None:
        """Put the page into the prompt editor as a follow-up to the model that wrote it."""
        typed = self.prompt_area.prompt()
        last = self._follow_up_page
        if last is not None and typed == last[1]:
            typed = last[0]  # the page again: replace it rather than add a second copy
        text = follow_up_with_page(typed, html)
        self.prompt_area.set_prompt(text)
        self._follow_up_page = (typed, text)
        model = self.identity.name(answer.slot, answer.target).model
        if comparison is self.comparison and answer in comparison.answers():
            for pane in comparison.panes:
                pane.set_included(pane.index == answer.slot)
            note = (f"The page is in the prompt as a follow-up to {model} only; check "
                    "\"Follow-ups\" on other panes to send it to them too.")
        else:
            note = (f"The page is in the prompt; the thread of {model}'s answer is no longer "
                    "on screen, so a follow-up goes to the thread shown.")
        assert isinstance(self, QMainWindow)
        self.raise_()
        self.activateWindow()
        self.prompt_area.editor.setFocus()
        self.statusBar().showMessage(note, 10000)

    def _close_page_editors(self) -> bool:
        """Close every editor; False (and the question asked) when one has unrun edits."""
        for editing in list(self._page_editors.values()):
            if not editing.editor.request_close():
                editing.editor.show()
                editing.editor.raise_()
                return False
        return True
