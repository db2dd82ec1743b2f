"""The window's "Export report…": one non-modal dialog per export, wired with signals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QWidget

from studio.core.secrets import KeyStore
from studio.store import RunId, Store, StoreError

if TYPE_CHECKING:
    from studio.report.board_data import BoardQuery
    from studio.report.export import ReportRequest
    from studio.ui.report.dialog import ReportDialog
    from studio.ui.workspace.comparison import Comparison

NO_HISTORY = "Reports are made from the history, which is not available in this session."
NOTHING_YET = "Nothing to export yet: send a prompt first, or choose a run in the history."
NO_BATCH = "Nothing to export yet: run a batch first."


def _default_folder() -> Path:
    documents = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents) if documents else Path.home()
    return folder if folder.is_dir() else Path.home()


def _run_title(store: Store, run_id: int) -> str:
    from studio.store.search import first_line

    run = store.run(RunId(run_id))
    return run.title or first_line(run.body)


def _batch_title(store: Store, batch_id: int) -> str:
    return store.batch_store().load(batch_id).title or f"Batch {batch_id}"


class ReportExports(QObject):
    """`message(text)` for the status bar: what was saved, or why nothing could be."""

    message = Signal(str)

    def __init__(self, window: QWidget, store: Callable[[], Store | None], *,
                 providers_file: Path, keys: KeyStore | None = None) -> None:
        """`store`: the window's history; the keys of `providers_file`'s providers (from
        `keys`) are masked in every report."""
        super().__init__(window)
        self._window = window
        self._store = store
        self._providers_file = providers_file
        self._keys = keys
        self._folder: Path | None = None
        self.dialogs: list[ReportDialog] = []

    def watch(self, comparison: Comparison) -> None:
        """A comparison's own "Export report…" (an answer's context menu) exports its run."""
        comparison.reportRequested.connect(lambda: self.export_run(
            int(comparison.run_id) if comparison.run_id is not None else None))

    def export_run(self, run_id: int | None) -> ReportDialog | None:
        """Open the export dialog for a saved run (None: say there is nothing to export)."""
        found = self._titled("run", run_id, NOTHING_YET, _run_title)
        if found is None:
            return None
        from studio.report.export import run_request

        return self.export(run_request(*found))

    def export_batch(self, batch_id: int | None) -> ReportDialog | None:
        """Open the export dialog for a batch (the grid window's "Export report…"); None
        says there is nothing to export. The file is made when the user exports, from the
        batch as it is then."""
        found = self._titled("batch", batch_id, NO_BATCH, _batch_title)
        if found is None:
            return None
        from studio.report.batch_export import batch_request

        return self.export(batch_request(*found))

    def _titled(self, what: str, key: int | None, nothing: str,
                title: Callable[[Store, int], str]) -> tuple[Store, int, str] | None:
        """The history, `key` and the title of the run or batch it names; None, with the
        reason in the status bar, when there is none to export."""
        store = self._store()
        if store is None:
            self.message.emit(NO_HISTORY)
            return None
        if key is None:
            self.message.emit(nothing)
            return None
        try:
            return store, key, title(store, key)
        except StoreError as exc:
            self.message.emit(f"The {what} could not be read: {exc}")
            return None

    def export_leaderboard(self, query: BoardQuery | None = None, *,
                           title: str = "Leaderboard") -> ReportDialog | None:
        """Open the export dialog for the leaderboard of the votes `query` chooses (by
        default all of yours). The file is made when the user exports; with no votes to
        show, the dialog says so."""
        store = self._store()
        if store is None:
            self.message.emit(NO_HISTORY)
            return None
        from studio.report.board_export import leaderboard_request

        return self.export(leaderboard_request(store, query, title=title))

    def export(self, request: ReportRequest) -> ReportDialog:
        """Open the export dialog for any report."""
        from studio.report.scrub import known_keys
        from studio.ui.preview.view import default_network
        from studio.ui.report.dialog import ReportDialog

        dialog = ReportDialog(request, folder=self._folder or _default_folder(),
                              network=default_network(),
                              secrets=known_keys(self._providers_file, self._keys),
                              parent=self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(lambda _result, d=dialog: self._forget(d))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    def _forget(self, dialog: ReportDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)

    def _saved(self, path: str) -> None:
        self._folder = Path(path).parent
        self.message.emit(f"Report saved to {path}")
