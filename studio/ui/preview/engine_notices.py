"""What the previews say about the web engine: Chromium's sandbox off as root, or no engine.

The words live here once, for the preview badge, the main window's status bar and the
command line.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from studio.ui.preview.engine_check import EngineProblem
from studio.ui.preview.engine_setup import sandbox_off_for_root

ROOT_BADGE_TEXT = "⚠ Chromium sandbox off"
ROOT_EXPLANATION = (
    "Chromium's sandbox is off because the studio runs as root; the studio's own sandbox "
    "— own origin per page, no files, network switch, no popups — still applies."
)
ROOT_STATUS_TEXT = (
    "Previews: Chromium's sandbox is off because the studio runs as root "
    "(the studio's own sandbox still applies)"
)
ROOT_CLI_LINE = (
    "prompt-studio: running as root, so Chromium's sandbox is off for this preview; "
    "the studio's own sandbox (own origin, no files, network switch, no popups) still applies"
)

_BADGE_STYLE = (
    "#rootSandboxBadge { background: #fff3cd; color: #5c4400; border: 1px solid #e0c060;"
    " border-radius: 3px; padding: 1px 6px; }"
)


class RootSandboxBadge(QLabel):
    """Sits on every preview's toolbar while the studio runs Chromium without its sandbox."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(ROOT_BADGE_TEXT, parent)
        self.setObjectName("rootSandboxBadge")
        self.setStyleSheet(_BADGE_STYLE)
        self.setToolTip(ROOT_EXPLANATION)
        self.setAccessibleName("Chromium sandbox off")
        self.setAccessibleDescription(ROOT_EXPLANATION)


def root_sandbox_badge(parent: QWidget | None = None) -> RootSandboxBadge | None:
    """A badge when the studio switched Chromium's sandbox off, else None."""
    return RootSandboxBadge(parent) if sandbox_off_for_root() else None


def root_status_label(parent: QWidget | None = None) -> QLabel | None:
    """The status bar's standing line about the sandbox as root, or None (normal users)."""
    if not sandbox_off_for_root():
        return None
    label = QLabel(ROOT_STATUS_TEXT, parent)
    label.setObjectName("rootSandboxStatus")
    label.setToolTip(ROOT_EXPLANATION)
    return label


class EngineUnavailableNotice(QWidget):
    """Stands where the page would run when the web engine cannot start here."""

    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("engineUnavailableNotice")
        title = QLabel("Previews cannot run on this machine", self)
        title.setStyleSheet("font-weight: bold;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        self._text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note = QLabel("The answer itself is not affected: it streams and is saved as usual.",
                      self)
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setEnabled(False)
        self.retry_button = QPushButton("Try again", self)
        self.retry_button.clicked.connect(self.retryRequested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(self._text)
        layout.addWidget(note)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def set_problem(self, problem: EngineProblem) -> None:
        self._text.setText(problem.message)

    def text(self) -> str:
        return self._text.text()
