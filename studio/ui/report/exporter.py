"""One report export in the app: read the run, take the screenshots the history lacks, write.

Driven by signals from start to end (the screenshots take seconds; the window stays live).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.report.export import (
    ReportError,
    ReportOptions,
    RunSource,
    write_run_report,
)
from studio.report.scrub import Scrubber
from studio.store import RunId, Store, StoreError
from studio.ui.report.capture import PageShooter, ShotJob, capture_problem
from studio.ui.report.imaging import QtImaging


class ReportExporter(QObject):
    """`progress(text)` while it works, then exactly one of `saved(ExportResult)`,
    `failed(message)` or `cancelled()`."""

    progress = Signal(str)
    saved = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, store: Store, run_id: int, path: Path, options: ReportOptions, *,
                 network: bool = False, secrets: Sequence[str] = (),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._run_id = RunId(run_id)
        self._path = path
        self._options = options
        self._network = network
        self._secrets = tuple(secrets)
        self._source: RunSource | None = None
        self._shooter: PageShooter | None = None
        self._note = ""
        self.running = False

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        try:
            self._source = RunSource.load(self._store, self._run_id)
        except StoreError as exc:
            self._fail(f"The run could not be read: {exc}")
            return
        missing = self._source.missing()
        problem = capture_problem() if missing else None
        if not missing or problem is not None:
            self._note = problem or ""
            self._write()
            return
        shooter = PageShooter([ShotJob(p.key, p.html, p.label) for p in missing],
                              network=self._network, parent=self)
        shooter.progress.connect(self._on_progress)
        shooter.finished.connect(self._write)
        self._shooter = shooter
        self.progress.emit(f"Taking screenshots of the pages: 0 of {len(missing)}…")
        shooter.start()

    def cancel(self) -> None:
        if not self.running:
            return
        self.running = False
        shooter, self._shooter = self._shooter, None
        if shooter is not None:
            shooter.finished.disconnect(self._write)
            shooter.cancel()
            shooter.deleteLater()
        self.cancelled.emit()

    def _on_progress(self, done: int, total: int) -> None:
        if done < total:
            self.progress.emit(f"Taking screenshots of the pages: {done} of {total}…")

    def _write(self) -> None:
        source = self._source
        if not self.running or source is None:
            return
        taken = dict(self._shooter.results) if self._shooter is not None else {}
        self.progress.emit("Writing the report…")
        try:
            result = write_run_report(source, self._path, QtImaging(), options=self._options,
                                      taken=taken, no_screenshot=self._note,
                                      scrub=Scrubber(secrets=self._secrets))
        except ReportError as exc:
            self._fail(str(exc))
            return
        self.running = False
        self.saved.emit(result)

    def _fail(self, message: str) -> None:
        self.running = False
        self.failed.emit(message)
