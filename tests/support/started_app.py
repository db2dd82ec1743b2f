"""For scripts that start the studio the way `prompt-studio` does (`studio.app.main_gui`).

The workspace is built after the window's first paint, so a script that drives it waits
for it to be there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studio.ui.app_window import AppWindow

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow


def with_workspace(then: Callable[[MainWindow], None], poll_ms: int = 20) -> None:
    """Call `then(workspace)` from the event loop once the app window holds its workspace."""

    def poll() -> None:
        frame = next((w for w in QApplication.topLevelWidgets() if isinstance(w, AppWindow)),
                     None)
        if frame is None or frame.workspace is None:
            QTimer.singleShot(poll_ms, poll)
            return
        then(frame.workspace)

    QTimer.singleShot(0, poll)
