"""One start of a window, in a fresh process; prints `shown` once it has painted.

    python -m bench.startup_child bare     # a bare PySide6 QMainWindow
    python -m bench.startup_child floor    # the same after what any such app needs first
    python -m bench.startup_child studio   # Prompt Studio through studio.app.main_gui

The application is created here (after the preview scheme, as main_gui itself does) so an
event filter can see the first paint inside a main window; the window is then closed the
normal way, and the process ends.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget


class FirstPaint(QObject):
    """Calls `shown` once, right after the first paint pass inside a QMainWindow."""

    def __init__(self, app: QApplication, shown: Callable[[], None]) -> None:
        super().__init__()
        self._app = app
        self._shown = shown
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (not self._done and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget) and isinstance(watched.window(), QMainWindow)):
            self._done = True
            self._app.removeEventFilter(self)
            QTimer.singleShot(0, self._shown)  # after the whole paint pass
        return False


def _report() -> None:
    print("shown", flush=True)


def _visible_main_window() -> QMainWindow:
    return next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMainWindow) and w.isVisible())


def bare() -> int:
    app = QApplication(sys.argv)

    def shown() -> None:
        _report()
        _visible_main_window().close()
        app.quit()

    watcher = FirstPaint(app, shown)
    app.installEventFilter(watcher)
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1400, 900)
    window.show()
    return app.exec()


def floor() -> int:
    """What any app of this kind needs before its window: a web-engine URL scheme
    registered before the QApplication, and an asyncio loop on top of Qt's (qasync)."""
    import asyncio

    import qasync
    from PySide6.QtCore import QByteArray
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    QWebEngineUrlScheme.registerScheme(QWebEngineUrlScheme(QByteArray(b"bench-floor")))
    app = QApplication(sys.argv)

    async def main() -> None:
        shown_future = asyncio.get_running_loop().create_future()

        def shown() -> None:
            _report()
            _visible_main_window().close()
            shown_future.set_result(None)

        watcher = FirstPaint(app, shown)
        app.installEventFilter(watcher)
        window = QMainWindow()
        window.setWindowTitle("floor")
        window.resize(1400, 900)
        window.show()
        await shown_future

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(main())
    return 0


def studio() -> int:
    from studio.app import main_gui
    from studio.ui.preview.scheme import register_preview_scheme

    register_preview_scheme()
    app = QApplication(sys.argv)

    def shown() -> None:
        _report()
        _visible_main_window().close()

    watcher = FirstPaint(app, shown)
    app.installEventFilter(watcher)
    return main_gui([sys.argv[0]])


if __name__ == "__main__":
    sys.exit({"bare": bare, "floor": floor, "studio": studio}[sys.argv[1]]())
