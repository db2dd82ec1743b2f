"""The part of a preview that pops out with it: the status banner, the cut-off badge, and
the page — or what stands in its place — above its console."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from studio.ui.preview.cut_off_badge import CutOffBadge
from studio.ui.preview.engine_check import EngineProblem, engine_status
from studio.ui.preview.engine_notices import EngineUnavailableNotice
from studio.ui.preview.web_host import WebHost
from studio.ui.preview.widgets import ConsolePanel, StatusBanner

NO_PAGE_YET = "No HTML page in this answer yet."
NO_PAGE = "This answer has no HTML page."


class PreviewBody(QWidget):
    """Shows one of: the placeholder (no page), the web host (the page), or the notice
    that the web engine cannot run here (made the first time it is needed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = StatusBanner(self)
        self.cut_off_badge = CutOffBadge(self)
        self.console_panel = ConsolePanel(self)
        self.console_panel.hide()
        self.placeholder = QLabel(NO_PAGE_YET, self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)
        self.web_host = WebHost(self)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(self.web_host)
        self.engine_notice: EngineUnavailableNotice | None = None
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self._stack)
        splitter.addWidget(self.console_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.cut_off_badge)
        layout.addWidget(splitter, 1)

    def show_placeholder(self) -> None:
        self._stack.setCurrentWidget(self.placeholder)

    def show_page(self) -> None:
        self._stack.setCurrentWidget(self.web_host)

    def show_unavailable(self, problem: EngineProblem) -> None:
        notice = self.engine_notice
        if notice is None:
            notice = self.engine_notice = EngineUnavailableNotice(self._stack)
            notice.retryRequested.connect(engine_status().retry)
            self._stack.addWidget(notice)
        notice.set_problem(problem)
        self._stack.setCurrentWidget(notice)

    def shows_unavailable(self) -> bool:
        return self.engine_notice is not None and self._stack.currentWidget() is self.engine_notice

    def unavailable_message(self) -> str:
        """What the notice says while it is shown, else ""."""
        notice = self.engine_notice
        if notice is None or self._stack.currentWidget() is not notice:
            return ""
        return notice.text()
