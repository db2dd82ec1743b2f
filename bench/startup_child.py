"""One start of a window, in a fresh process; prints `shown` once it has painted.

    python -m bench.startup_child bare     # a bare PySide6 QMainWindow
    python -m bench.startup_child floor    # the same, painted inside a qasync loop
    python -m bench.startup_child studio   # Prompt Studio through studio.app.main_gui,
                                           # then `ready` once its workspace has painted

The application is created here (after what main_gui does before it), the window is then
closed the normal way, and the process ends.

Paints are observed with an event filter on the window itself, never on the whole
application: an application-wide Python filter is handed every object that receives an
event, and wrapping the first one of a class PySide does not know (Qt's style animations
have some) builds every enum of the loaded Qt modules, some 180 of them, 15-30 ms that
would be charged to whichever window has child widgets.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget


class FirstPaint(QObject):
    """Watches one widget; calls `then` once, right after its first paint pass."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)  # after the whole paint pass
        return False


def _report(what: str = "shown") -> None:
    print(what, flush=True)


def bare() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1400, 900)

    def shown() -> None:
        _report()
        window.close()
        app.quit()

    FirstPaint(window, shown)
    window.show()
    return app.exec()


def floor() -> int:
    """The same window painted inside an asyncio loop on top of Qt's (qasync), the way an
    application that builds its window in a coroutine would paint it."""
    import asyncio

    import qasync

    app = QApplication(sys.argv)

    async def main() -> None:
        shown_future = asyncio.get_running_loop().create_future()
        window = QMainWindow()
        window.setWindowTitle("floor")
        window.resize(1400, 900)

        def shown() -> None:
            _report()
            window.close()
            shown_future.set_result(None)

        FirstPaint(window, shown)
        window.show()
        await shown_future

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(main())
    return 0


def studio() -> int:
    """Prints `shown` at the window's first paint and `ready` at the workspace's."""
    from studio.app import main_gui
    from studio.ui.app_window import AppWindow
    from studio.ui.preview.engine_setup import prepare_web_engine

    prepare_web_engine()
    _app = QApplication(sys.argv)  # kept alive here; main_gui uses this instance
    show = AppWindow.show
    set_workspace = AppWindow.set_workspace

    # The watchers go on the very window main_gui makes, as it shows it and as the
    # workspace moves in; the app itself is not changed.
    def show_watched(window: AppWindow) -> None:
        FirstPaint(window, _report)
        show(window)

    def set_workspace_watched(window: AppWindow, workspace: Any) -> None:
        def ready() -> None:
            _report("ready")
            window.close()

        FirstPaint(workspace, ready)
        set_workspace(window, workspace)

    AppWindow.show = show_watched  # type: ignore[method-assign,assignment]
    AppWindow.set_workspace = set_workspace_watched  # type: ignore[method-assign,assignment]
    return main_gui([sys.argv[0]])


if __name__ == "__main__":
    sys.exit({"bare": bare, "floor": floor, "studio": studio}[sys.argv[1]]())
