"""Run one preview as a program of its own: the `preview` command's window or screenshot."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, QTimer
from PySide6.QtWidgets import QApplication

from studio import APP_NAME
from studio.ui.preview.engine_check import engine_status
from studio.ui.preview.engine_notices import ROOT_CLI_LINE
from studio.ui.preview.engine_setup import sandbox_off_for_root
from studio.ui.preview.scheme import register_preview_scheme
from studio.ui.preview.view import UNAVAILABLE, PreviewView

# Whatever the wait, the page gets this long after loading to paint a frame.
_MIN_SETTLE_S = 0.25


class _ScreenshotRun(QObject):
    """Load, wait, grab, quit; a deadline on our own event loop bounds the whole run."""

    def __init__(
        self,
        app: QCoreApplication,
        view: PreviewView,
        out: Path,
        wait_s: float,
        load_timeout_s: float,
    ) -> None:
        super().__init__(view)
        self.code = 1
        self._app = app
        self._view = view
        self._out = out
        self._done = False
        self._loaded = False
        self._wait = QTimer(self)
        self._wait.setSingleShot(True)
        self._wait.setInterval(int(max(wait_s, _MIN_SETTLE_S) * 1000))
        self._wait.timeout.connect(lambda: self._finish(""))
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(int((load_timeout_s + wait_s + _MIN_SETTLE_S) * 1000))
        self._deadline.timeout.connect(self._on_deadline)
        view.loadFinished.connect(self._on_loaded)
        view.stateChanged.connect(self._on_state)

    def start(self) -> None:
        self._deadline.start()

    def _on_loaded(self, _ok: bool) -> None:
        if not self._loaded:
            self._loaded = True
            self._wait.start()

    def _on_state(self, state: str) -> None:
        if state in ("crashed", UNAVAILABLE):
            # On the next turn of the loop: a renderer that could not start is reported as
            # a crash first, and as the engine's failure just after.
            QTimer.singleShot(0, self, lambda: self._finish("crashed"))

    def _on_deadline(self) -> None:
        state = self._view.state()
        if state == "not-responding":
            self._finish("the page stopped responding; the screenshot shows its last frame")
        elif not self._loaded:
            self._finish("the page did not finish loading in time; screenshot taken anyway")
        else:
            self._finish("")

    def _finish(self, warning: str) -> None:
        if self._done:
            return
        self._done = True
        self._wait.stop()
        self._deadline.stop()
        try:
            if warning == "crashed":
                print(f"prompt-studio: {_crash_message(self._view)}", file=sys.stderr)
                self.code = 1
            else:
                self.code = self._write(warning)
        finally:
            self._app.quit()

    def _write(self, warning: str) -> int:
        data = self._view.grab_now()
        if not data:
            print("prompt-studio: could not take a screenshot", file=sys.stderr)
            return 1
        try:
            self._out.write_bytes(data)
        except OSError as exc:
            print(f"prompt-studio: cannot write {self._out}: {exc.strerror}", file=sys.stderr)
            return 1
        if warning:
            print(f"prompt-studio: warning: {warning}", file=sys.stderr)
        log = self._view.console()
        print(
            f"wrote {self._out} ({log.error_count} console errors, "
            f"{self._view.blocked_count()} blocked requests)",
            file=sys.stderr,
        )
        return 0


def _crash_message(view: PreviewView) -> str:
    problem = engine_status().problem()
    if problem is not None:
        return f"previews cannot run here: {problem.message}"
    return view.crash_reason()


class _WindowWatch(QObject):
    """Without --screenshot: ends the run with the engine's message if it cannot start."""

    def __init__(self, view: PreviewView) -> None:
        super().__init__(view)
        self.code = 0
        engine_status().changed.connect(self._on_engine)

    def _on_engine(self) -> None:
        problem = engine_status().problem()
        if problem is not None and self.code == 0:
            self.code = 1
            print(f"prompt-studio: previews cannot run here: {problem.message}", file=sys.stderr)


def run_preview(
    html: str,
    *,
    label: str,
    screenshot: Path | None,
    network: bool,
    size: tuple[int, int],
    wait_s: float,
    load_timeout_s: float,
) -> int:
    """Show `html` in a window until closed, or write a screenshot of it; returns an exit code."""
    if QCoreApplication.instance() is not None:
        raise RuntimeError("run_preview() creates its own QApplication")
    register_preview_scheme()
    if sandbox_off_for_root():
        print(ROOT_CLI_LINE, file=sys.stderr)
    app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "prompt-studio"])
    from studio.app import configure_application

    configure_application(app)
    view = PreviewView(label=label, network=network, show_toolbar=screenshot is None)
    view.setWindowTitle(f"{label} — {APP_NAME} preview")
    code = 0
    try:
        if screenshot is not None:
            view.set_viewport_size(QSize(*size))
            run = _ScreenshotRun(app, view, screenshot, wait_s, load_timeout_s)
            view.show()
            view.set_document(html, final=True)
            run.start()
            app.exec()
            code = run.code
        else:
            watch = _WindowWatch(view)
            view.resize(*size)
            view.show()
            view.set_document(html, final=True)
            app.exec()
            code = watch.code
    finally:
        view.dispose()
        view.deleteLater()
        # Pages must go before the profile, which the application owns.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return code
