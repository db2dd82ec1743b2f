"""The main window: prompt area, model chips, answer panes, menus, and the dialogs around them.

Everything slow happens in the engine's tasks; the window only reacts to per-frame batches
(`Comparison`) and opens dialogs with `open()`/`show()`, never with a nested `exec()`.
Follow-ups, branches and joining models are in `WindowThreads`; the history (the store,
reopening and re-running runs) in `WindowHistory`; the library dock and the panes' ratings
in `WindowLibrary`; page editors in `WindowPages`; the welcome screen, the offline first
start and the settings dialogs in `WindowDialogs`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from studio import APP_NAME
from studio.core.attachments import Attachment
from studio.core.catalog import CatalogError, ProviderRegistry
from studio.core.model_sets import ModelSetEntry, ModelSetError, ModelSetStore
from studio.core.paths import StudioPaths
from studio.core.runner import Engine, ModelTarget
from studio.core.thread import Answer, Thread
from studio.core.variables import fill_variables, find_variables
from studio.store import Store
from studio.ui.app_icon import app_icon
from studio.ui.arena.hub import ArenaHub
from studio.ui.attachments.fix_it import FixItLoop
from studio.ui.grid.fix_rows import FixRows
from studio.ui.grid.wiring import GridWiring
from studio.ui.report import ReportExports
from studio.ui.workspace.actions import build_menus, create_actions
from studio.ui.workspace.comparison import Comparison
from studio.ui.workspace.diff_dialog import DiffDialog
from studio.ui.workspace.history import HISTORY_FILE, PromptHistory
from studio.ui.workspace.identity import Identity
from studio.ui.workspace.layouts import LayoutMode, PaneArea
from studio.ui.workspace.local_offer import LocalOffer
from studio.ui.workspace.model_set_source import window_model_sets
from studio.ui.workspace.pane import AnswerPane
from studio.ui.workspace.previews_tab import PreviewsTab
from studio.ui.workspace.prompt_area import PromptArea
from studio.ui.workspace.ui_state import WorkspaceState, load_state, save_state
from studio.ui.workspace.variables import VariablesDialog
from studio.ui.workspace.window_dialogs import WindowDialogs
from studio.ui.workspace.window_history import SendOrigin, WindowHistory
from studio.ui.workspace.window_library import WindowLibrary
from studio.ui.workspace.window_pages import WindowPages
from studio.ui.workspace.window_threads import WindowThreads
from studio.ui.workspace.workspace_undo import WorkspaceUndo

if TYPE_CHECKING:
    from studio.ui.settings.model_lists import ModelListCache

log = logging.getLogger(__name__)


class MainWindow(WindowThreads, WindowHistory, WindowLibrary, WindowPages, WindowDialogs,
                 QMainWindow):
    closed = Signal()  # the window was closed; the application shuts down after this
    comparisonShown = Signal(object)  # the Comparison now on screen (None: an empty one)

    def __init__(self, engine: Engine, *, paths: StudioPaths,
                 registry: ProviderRegistry | None = None,
                 model_sets: ModelSetStore | None = None,
                 store: Store | None = None, state: WorkspaceState | None = None,
                 show_welcome: bool | None = None, parent: QWidget | None = None) -> None:
        """`store`: the history database (default: opened from `paths`; when it cannot be
        opened the window says why and works without history). The window closes it in
        `shutdown()`, after the last answer is saved. `model_sets`: default, the store's
        (see model_set_source), or the JSON file's without a store. `state`: the remembered
        window state (default: read from the settings file). `parent`: the window
        this one is the content of (the app's `AppWindow`); without one it is a window of its
        own."""
        super().__init__(parent)
        if parent is not None:
            self.setWindowFlags(Qt.WindowType.Widget)
        self.engine = engine
        self.paths = paths
        self.registry = registry or ProviderRegistry(paths.providers_file)
        self._model_cache: ModelListCache | None = None
        self.comparison: Comparison | None = None
        self._retired: list[Comparison] = []
        self._dialogs: set[QDialog] = set()
        self._init_history(store)
        self.model_sets = model_sets or window_model_sets(paths, self.store)
        self._init_pages()
        self._local_offer: LocalOffer | None = None
        self.state = state or load_state(paths.settings_file)
        self._zoom = self.state.zoom
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setAccessibleName(APP_NAME)
        self.resize(1400, 900)

        # Who wrote each answer, as every part of the workspace names it (blind labels
        # while judging blind: studio.ui.arena).
        self.identity = Identity(self)
        self.pane_area = PaneArea(identity=self.identity)
        self.pane_area.currentChanged.connect(self._on_current_changed)
        self.pane_area.layoutChanged.connect(self._on_current_changed)
        self.previews = PreviewsTab(identity=self.identity)
        self.previews.editSourceRequested.connect(self.open_page_editor)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Answers and previews")
        self.tabs.addTab(self.pane_area, "Answers")
        self.tabs.addTab(self.previews, "Previews")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.prompt_area = PromptArea(PromptHistory(paths.config / HISTORY_FILE))
        self.prompt_area.sendRequested.connect(self.submit)
        self.prompt_area.followUpRequested.connect(self.submit_follow_up)
        self.prompt_area.editCancelled.connect(self.cancel_edit)
        self.prompt_area.stopRequested.connect(self.stop_all)
        self.model_bar = self.prompt_area.model_bar
        self.model_bar.set_identity(self.identity)
        self.model_bar.pickRequested.connect(self.open_model_picker)
        self.model_bar.targetsChanged.connect(self._remember_targets)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.prompt_area)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)
        self._welcome: QWidget | None = None

        self._editing: int | None = None  # the turn whose prompt is being edited
        # "Show the model its page", and a prompt's files
        self.fix_it = FixItLoop(self, self.identity)
        self.fix_it.failed.connect(lambda message: self.statusBar().showMessage(message, 6000))
        self.closed.connect(self.fix_it.cancel)  # pages it runs off screen end with it
        self.actions_ = create_actions(self)
        self.toolbar = build_menus(self, self.actions_)
        self.reports = ReportExports(self, lambda: self.store,
                                     providers_file=paths.providers_file, keys=engine.keys)
        self.reports.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.workspace_undo = WorkspaceUndo(self, self.actions_.undo_stack)
        self.arena = ArenaHub(self)
        self._connect_actions()
        self.statusBar().showMessage("Ready", 2000)
        self.grid = GridWiring(self)  # batches: their window, actions and notices
        self.fix_rows = FixRows(self)  # the grid's cells shown their pages, a row at a time
        self.grid.judgeRowBlind.connect(self.arena.judge_run_blind)
        self.grid.fixRequested.connect(self.fix_rows.start)
        self.grid.exportRequested.connect(self.reports.export_batch)
        self.arena.boardExportRequested.connect(self.reports.export_leaderboard)
        self._init_library()
        self._restore(show_welcome)

    # -- setup -------------------------------------------------------------------------

    def _connect_actions(self) -> None:
        a = self.actions_
        a.new.triggered.connect(self.new_comparison)
        a.export_report.triggered.connect(lambda: self.reports.export_run(
            self.comparison.run_id if self.comparison is not None else None))
        a.providers.triggered.connect(self.open_providers)
        a.quit.triggered.connect(self.close)
        a.send.triggered.connect(self.submit)
        a.follow_up.triggered.connect(self.submit_follow_up)
        a.add_models.triggered.connect(self.open_add_models)
        a.stop_all.triggered.connect(self.stop_all)
        a.retry.triggered.connect(self.retry_current)
        a.retry_failed.triggered.connect(self.retry_failed)
        a.models.triggered.connect(self.open_model_picker)
        for mode, action in a.layouts.items():
            action.triggered.connect(lambda _c=False, m=mode: self.set_layout_mode(m))
        a.focus.triggered.connect(self.toggle_focus)
        a.next_pane.triggered.connect(lambda: self.pane_area.next_pane(1))
        a.previous_pane.triggered.connect(lambda: self.pane_area.next_pane(-1))
        a.diff.triggered.connect(lambda: self.open_diff(self.pane_area.current_index))
        a.previews.toggled.connect(self.show_previews)
        a.sync_scroll.toggled.connect(self.pane_area.set_sync_scroll)
        a.zoom_in.triggered.connect(lambda: self.set_zoom(self._zoom + 1))
        a.zoom_out.triggered.connect(lambda: self.set_zoom(self._zoom - 1))
        a.zoom_reset.triggered.connect(lambda: self.set_zoom(0))
        a.about.triggered.connect(self.show_about)
        a.go_prompt.triggered.connect(self.focus_prompt)
        a.go_search.triggered.connect(lambda: self.focus_library("search"))
        a.go_library.triggered.connect(lambda: self.focus_library("collections"))
        a.go_history.triggered.connect(lambda: self.focus_library("history"))

    def _restore(self, show_welcome: bool | None) -> None:
        s = self.state
        if s.geometry and self.isWindow():  # else the enclosing window has restored it
            self.restoreGeometry(QByteArray.fromBase64(s.geometry.encode()))
        if s.window_state:
            self.restoreState(QByteArray.fromBase64(s.window_state.encode()))
        self._library_restored()
        if s.splitter:
            self.splitter.restoreState(QByteArray.fromBase64(s.splitter.encode()))
        else:
            # First start: the answers get the room, the prompt about eight lines.
            line = self.prompt_area.editor.fontMetrics().lineSpacing()
            self.splitter.setSizes([self.height(), line * 8 + 90])
        try:
            mode = LayoutMode(s.layout)
        except ValueError:
            mode = LayoutMode.COLUMNS
        self.set_layout_mode(mode)
        self.actions_.sync_scroll.setChecked(s.sync_scroll)
        self.prompt_area.set_system_prompt(s.system_prompt)
        self.prompt_area.set_system_visible(s.system_visible)
        targets = self._targets_from(self.model_sets.last())
        self.model_bar.set_targets(targets)
        self._restore_workspace(s)
        self._update_running()
        if show_welcome is None:
            show_welcome = not targets and self._needs_welcome()
        if show_welcome:
            self.show_welcome()

    def _targets_from(self, entries: tuple[ModelSetEntry, ...]) -> list[ModelTarget]:
        targets = []
        for entry in entries:
            try:
                config = self.registry.get(entry.ref.provider)
            except CatalogError:
                continue  # a provider removed since; the rest of the set still works
            targets.append(ModelTarget(entry.ref, config, entry.settings))
        return targets

    def _remember_targets(self) -> None:
        entries = tuple(ModelSetEntry(t.ref, t.settings) for t in self.model_bar.targets())
        if entries == self.model_sets.last():
            return
        try:
            self.model_sets.set_last(entries)
        except (ModelSetError, OSError) as exc:
            self.statusBar().showMessage(f"Could not remember the model set: {exc}", 5000)

    def _save(self) -> None:
        s = self.state
        s.geometry = bytes(self.window().saveGeometry().toBase64().data()).decode()
        s.window_state = bytes(self.saveState().toBase64().data()).decode()
        s.splitter = bytes(self.splitter.saveState().toBase64().data()).decode()
        s.layout = self.pane_area.mode.value
        s.sync_scroll = self.pane_area.sync_scroll
        s.zoom = self._zoom
        s.system_prompt = self.prompt_area.system_edit.toPlainText()
        s.system_visible = self.prompt_area.system_visible
        self._remember_workspace(s)
        save_state(self.paths.settings_file, s)

    # -- sending -----------------------------------------------------------------------

    def submit(self) -> None:
        """What Send and Ctrl+Enter do: ask for {{variables}} if any, then send."""
        targets = self.model_bar.targets()
        if not self._prompt_ready():
            return
        if not targets:
            self.statusBar().showMessage("Choose at least one model.", 4000)
            self.open_model_picker()
            return
        self._with_variables(lambda template, prompt, values: self._send_from_editor(
            template, prompt, values, targets))

    def _prompt_ready(self) -> bool:
        if self.prompt_area.prompt().strip():
            return True
        self.statusBar().showMessage("Write a prompt first.", 4000)
        self.prompt_area.editor.setFocus()
        return False

    def _with_variables(self, then: Callable[[str, str, dict[str, str]], None]) -> None:
        """Call `then(template, prompt, values)` once every {{variable}} of the prompt in the
        editor has a value (asked for in a dialog)."""
        template = self.prompt_area.prompt()
        names = find_variables(template)
        if not names:
            then(template, template, {})
            return
        dialog = VariablesDialog(names, self.state.variables or {}, self)
        self._keep(dialog)

        def finished(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                values = dialog.values()
                self.state.variables = {**(self.state.variables or {}), **values}
                then(template, fill_variables(template, values), values)

        dialog.finished.connect(finished)
        dialog.open()

    def _send_from_editor(self, template: str, prompt: str, values: dict[str, str],
                          targets: list[ModelTarget]) -> None:
        self.prompt_area.editor.remember(template)
        origin = self._origin_for(template)
        tray = self.prompt_area.attachments
        self.send(prompt, targets, system=self.prompt_area.system_prompt(),
                  origin=SendOrigin(template, values, origin.title, origin.collection_id,
                                    origin.prompt_id), attachments=tray.attachments())
        tray.clear()
        self.prompt_area.mark_sent()

    def send(self, prompt: str, targets: list[ModelTarget] | None = None, *,
             system: str | None = None, origin: SendOrigin | None = None,
             attachments: tuple[Attachment, ...] = ()) -> Comparison:
        """Start a comparison of `prompt` across `targets` (default: the model bar's), saved
        to the history as a new run. `origin` says which template/prompt it came from."""
        if targets is None:
            targets = self.model_bar.targets()
        origin = origin or SendOrigin(prompt)
        comparison = self._show_comparison(Comparison(
            self.engine, Thread(targets, system), self, recorder=self._new_recorder(),
            identity=self.identity))
        comparison.start(prompt, template=origin.template, variables=dict(origin.variables),
                         title=origin.title, collection_id=origin.collection_id,
                         prompt_id=origin.prompt_id, attachments=attachments)
        self.previews.refresh()  # the tab was given the comparison before its first prompt
        self.statusBar().showMessage(f"Sent to {len(targets)} models", 3000)
        return comparison

    def _show_comparison(self, comparison: Comparison) -> Comparison:
        """Put `comparison` on screen in place of the current one."""
        self.show_workspace()
        self._retire_comparison()
        self._set_editing(None)
        comparison.stateChanged.connect(self._update_running)
        comparison.finished.connect(self._on_finished)
        comparison.paneAdded.connect(self._on_pane_added)
        comparison.threadChanged.connect(self._on_thread_changed)
        comparison.editRequested.connect(self.edit_turn)
        comparison.attemptsCompareRequested.connect(self.compare_attempts)
        self.fix_it.watch(comparison)
        self.reports.watch(comparison)
        comparison.historyFailed.connect(self._on_history_failed)
        comparison.saved.connect(lambda answer, c=comparison: self._on_saved(c, answer))
        comparison.stateChanged.connect(self._refresh_ratings)
        comparison.historyIdle.connect(self._refresh_ratings)
        for pane in comparison.panes:
            self._wire_pane(pane)
        self.comparison = comparison
        for old in self.pane_area.set_panes(comparison.panes):
            old.deleteLater()
        self.actions_.focus.setChecked(False)
        self.previews.set_comparison(comparison)
        self._update_running()
        self._refresh_ratings()
        self.comparisonShown.emit(comparison)
        return comparison

    def _on_saved(self, comparison: Comparison, answer: Answer | None) -> None:
        if answer is not None:
            self._move_page_edits(comparison, answer)
        self._on_comparison_saved(comparison, answer)

    def _wire_pane(self, pane: AnswerPane) -> None:
        pane.focusRequested.connect(self.pane_area.toggle_focus)
        pane.diffRequested.connect(self.open_diff)
        pane.previewToggled.connect(self._on_pane_preview)
        pane.editSourceRequested.connect(self.open_page_editor)
        pane.providersRequested.connect(self.open_providers)
        if self._zoom:
            pane.set_zoom(self._zoom)

    def _on_pane_added(self, pane: AnswerPane) -> None:
        self._wire_pane(pane)
        comparison = self.comparison
        if comparison is not None and pane in comparison.panes:
            self.pane_area.add_pane(pane)

    def _on_thread_changed(self) -> None:
        self.previews.refresh()
        self._update_running()
        self._refresh_ratings()

    def _retire_comparison(self) -> None:
        old = self.comparison
        self.comparison = None
        if old is None:
            return
        old.close()
        # A stopped comparison still holds every answer: free it once its tasks have ended
        # (a cancelled one ends within a loop iteration, so at most a few linger here).
        lingering = []
        for comparison in [*self._retired, old]:
            if comparison.running:
                lingering.append(comparison)
            else:
                comparison.deleteLater()
        self._retired = lingering

    def new_comparison(self) -> None:
        """An empty workspace and prompt editor (Undo brings back what was there)."""
        with self.workspace_undo.change("New comparison"):
            self.clear_workspace()
        self.prompt_area.editor.setFocus()
        self.show_workspace()

    def clear_workspace(self) -> None:
        self._retire_comparison()
        self._set_editing(None)
        for old in self.pane_area.set_panes([]):
            old.deleteLater()
        self.previews.set_comparison(None)
        self.prompt_area.set_prompt("")
        self.prompt_area.attachments.clear()
        self._update_running()
        self.comparisonShown.emit(None)

    def stop_all(self) -> None:
        if self.comparison is not None:
            self.comparison.stop_all()

    def retry_current(self) -> None:
        if self.comparison is not None and self.comparison.panes:
            self.comparison.retry(self.pane_area.current_index)

    def retry_failed(self) -> None:
        if self.comparison is not None:
            self.comparison.retry_failed()

    def _update_running(self) -> None:
        comparison = self.comparison
        running = comparison is not None and comparison.running
        self.prompt_area.set_running(running)
        self.actions_.stop_all.setEnabled(running)
        threaded = comparison is not None and bool(comparison.chat.turns)
        self.prompt_area.set_follow_up_available(threaded and not running)
        self.actions_.follow_up.setEnabled(threaded and not running)
        self.actions_.add_models.setEnabled(threaded)

    def _on_finished(self) -> None:
        self._update_running()
        comparison = self.comparison
        if comparison is not None:
            answers = comparison.answers()
            failed = sum(1 for a in answers if a.error is not None)
            note = f", {failed} failed or stopped" if failed else ""
            self.statusBar().showMessage(f"All {len(answers)} answers in{note}", 5000)

    # -- view --------------------------------------------------------------------------

    def set_layout_mode(self, mode: LayoutMode) -> None:
        self.pane_area.set_mode(mode)
        self.actions_.layouts[mode].setChecked(True)
        self.actions_.focus.setChecked(False)
        self.tabs.setCurrentWidget(self.pane_area)

    def toggle_focus(self) -> None:
        area = self.pane_area
        area.focus_pane(None if area.focused is not None else area.current_index)
        self.actions_.focus.setChecked(area.focused is not None)

    def _on_current_changed(self, _index: int = 0) -> None:
        self.actions_.focus.setChecked(self.pane_area.focused is not None)

    def set_zoom(self, step: int) -> None:
        self._zoom = max(-6, min(12, step))
        for pane in self.pane_area.panes():
            pane.set_zoom(self._zoom)

    @property
    def zoom(self) -> int:
        return self._zoom

    def show_previews(self, visible: bool) -> None:
        self.tabs.setCurrentWidget(self.previews if visible else self.pane_area)

    def _on_tab_changed(self, _index: int) -> None:
        showing = self.tabs.currentWidget() is self.previews
        self.previews.set_active(showing)
        self.actions_.previews.setChecked(showing)

    def _on_pane_preview(self, _index: int, _visible: bool) -> None:
        self.previews.refresh()

    def open_diff(self, index: int) -> DiffDialog | None:
        panes = self.pane_area.shown_panes()  # as they stand, named as the panes are
        if len(panes) < 2:
            self.statusBar().showMessage("A diff needs at least two answers.", 4000)
            return None
        slots = [p.index for p in panes]
        left = slots.index(index) if index in slots else 0
        answers = [(p.shown_title, p.answer_text()) for p in panes]
        dialog = DiffDialog(answers, left, (left + 1) % len(panes), self)
        self._keep(dialog)
        dialog.show()
        return dialog

    def show_workspace(self) -> None:
        self.stack.setCurrentWidget(self.splitter)

    def focus_prompt(self) -> None:
        self.show_workspace()
        self.prompt_area.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _keep(self, dialog: QDialog) -> None:
        # Non-modal dialogs need an owner reference until they close.
        self._dialogs.add(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: self._dialogs.discard(d))

    # -- shutting down -------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._quit_allowed():
            event.ignore()  # it asks first: answers are still streaming
            return
        if not self._close_page_editors():
            event.ignore()  # an editor asks what to do with its edits first
            return
        self._save()
        self.grid.close()
        for dialog in list(self._dialogs):
            dialog.close()
        if self.comparison is not None:
            self.comparison.close()
        for old in self._retired:
            old.close()
        self.previews.set_active(False)
        event.accept()
        self.closed.emit()

    async def shutdown(self) -> None:
        """Wait for every model task this window started to end (after `close()`), so their
        last states are saved, then close the history."""
        await self.fix_rows.shutdown()  # first: it would open the next row's run
        if self._local_offer is not None:
            self._local_offer.cancel()
            await self._local_offer.wait()
        comparisons = [c for c in (self.comparison, *self._retired) if c is not None]
        for comparison in comparisons:
            comparison.close()
        if comparisons:
            await asyncio.gather(*(c.wait() for c in comparisons))
        await self.grid.shutdown()
        await self.arena.shutdown()
        self._close_history()
