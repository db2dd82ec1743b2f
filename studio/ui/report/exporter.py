"""One report export in the app: read the source (a run, the leaderboard …), take the
screenshots the history lacks, write.

Driven by signals from start to end, so the window stays live: the screenshots load one
page at a time on the event loop, and the file is written on a worker thread (rendering
eight long answers and encoding their pictures takes a second or two). Pictures are QImages
there, never pixmaps, so the thread may paint them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.report.export import (
    ExportResult,
    ReportError,
    ReportOptions,
    ReportRequest,
    ReportSource,
    Shot,
)
from studio.report.run_report import PageKey
from studio.report.scrub import Scrubber
from studio.store import StoreError
from studio.ui.report.capture import PageShooter, ShotJob, capture_problem
from studio.ui.report.imaging import QtImaging


class ReportExporter(QObject):
    """`progress(text)` while it works, then exactly one of `saved(ExportResult)`,
    `failed(message)` or `cancelled()`. Only the screenshots can be cancelled; once the
    file is being written, it is finished."""

    progress = Signal(str)
    saved = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _written = Signal(object, str)  # from the writer thread: result or None, error message

    def __init__(self, request: ReportRequest, path: Path, options: ReportOptions, *,
                 network: bool = False, secrets: Sequence[str] = (),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._load: Callable[[], ReportSource] = request.load
        self._subject = request.subject
        self._path = path
        self._options = options
        self._network = network
        self._secrets = tuple(secrets)
        self._source: ReportSource | None = None
        self._shooter: PageShooter | None = None
        self._note = ""
        self._writer: threading.Thread | None = None
        self._written.connect(self._on_written)
        self.running = False

    @property
    def writing(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        try:
            self._source = self._load()
        except StoreError as exc:
            self._finish_failed(f"{self._subject} could not be read: {exc}")
            return
        except ReportError as exc:  # nothing to report
            self._finish_failed(str(exc))
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

    def cancel(self) -> bool:
        """Stop taking screenshots; False once the file is being written."""
        if not self.running or self.writing:
            return False
        self.running = False
        shooter, self._shooter = self._shooter, None
        if shooter is not None:
            shooter.finished.disconnect(self._write)
            shooter.cancel()
            shooter.deleteLater()
        self.cancelled.emit()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the writer thread is done (for shutting down)."""
        if self._writer is not None:
            self._writer.join(timeout)

    def _on_progress(self, done: int, total: int) -> None:
        if done < total:
            self.progress.emit(f"Taking screenshots of the pages: {done} of {total}…")

    def _write(self) -> None:
        source = self._source
        if not self.running or source is None or self._writer is not None:
            return
        taken = dict(self._shooter.results) if self._shooter is not None else {}
        self.progress.emit("Writing the report…")
        self._writer = threading.Thread(target=self._write_file, args=(source, taken),
                                        name="report-writer", daemon=True)
        self._writer.start()

    def _write_file(self, source: ReportSource, taken: Mapping[PageKey, Shot]) -> None:
        try:
            result = source.write(self._path, QtImaging(), options=self._options, taken=taken,
                                  no_screenshot=self._note, scrub=Scrubber(secrets=self._secrets))
        except ReportError as exc:
            self._report(None, str(exc))
        except Exception as exc:  # a bug must not pass silently in a thread
            self._report(None, f"unexpected error: {exc!r}")
        else:
            self._report(result, "")

    def _report(self, result: ExportResult | None, message: str) -> None:
        # Queued to the GUI thread. If the dialog is gone (the app closed), the file is
        # written all the same and there is no one left to tell.
        with contextlib.suppress(RuntimeError):
            self._written.emit(result, message)

    def _on_written(self, result: ExportResult | None, message: str) -> None:
        self.running = False
        if result is None:
            self.failed.emit(message)
        else:
            self.saved.emit(result)

    def _finish_failed(self, message: str) -> None:
        self.running = False
        self.failed.emit(message)
