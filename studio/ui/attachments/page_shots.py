"""Each model's page as the fix-it loop shows it to the model: its screenshot and console.

A pane whose preview is on screen is captured as that preview shows it (its size, what
the page has drawn and logged so far). A pane the layout hides — the tabs layout, another
pane focused, the Previews tab in front — never runs its page in its preview, so its page
runs off screen instead (`OffscreenPage`: the same sandbox and network switch), at the
size of the previews on screen (1280 × 800 when none is), one page after another so a
dozen hidden panes do not start a dozen renderers at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, QTimer

from studio.core.fix_it import ConsoleLine
from studio.ui.preview.capture import DEADLINE_MS

if TYPE_CHECKING:
    from studio.ui.preview.offscreen import OffscreenPage
    from studio.ui.preview.view import PreviewView
    from studio.ui.workspace.comparison import Comparison

Captured = Callable[[int, bytes, list[ConsoleLine]], None]  # slot, PNG, console lines

SETTLE_MS = 1000  # after loading, for a page's first frames (and the errors they log)
HUNG_LINE = "The page stopped responding (it may be stuck in an endless loop)."


def console_lines(preview: PreviewView) -> list[ConsoleLine]:
    """What the page itself logged (not what the sandbox refused or dialogs it blocked),
    and whether it crashed or stopped responding."""
    from studio.ui.preview.offscreen import CRASHED, NOT_RESPONDING

    lines = [ConsoleLine(e.level, e.message, e.line) for e in preview.console().entries()
             if e.kind == "console"]
    state = preview.state()
    if state == CRASHED:
        reason = preview.crash_reason()
        lines.append(ConsoleLine("error", reason[0].upper() + reason[1:] + "."))
    elif state == NOT_RESPONDING:
        lines.append(ConsoleLine("error", HUNG_LINE))
    return lines


@dataclass(frozen=True, slots=True)
class _Job:
    slot: int
    html: str
    network: bool


class PageShots(QObject):
    """Captures the pages of `slots` of one comparison; `done(slot, png, lines)` for each,
    in the order they are ready. `cancel()` stops the off-screen pages (no more `done`)."""

    def __init__(self, comparison: Comparison, done: Captured,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._comparison = comparison
        self._done = done
        self._waiting: deque[_Job] = deque()
        self._page: OffscreenPage | None = None
        self._job: _Job | None = None
        self._cancelled = False

    def capture(self, slots: list[int]) -> None:
        comparison = self._comparison
        hidden: list[int] = []
        for slot in slots:
            pane = comparison.panes[slot]
            pane.set_preview_visible(True)
            preview = pane.preview
            if preview is not None and preview.runs_on_screen():
                self._on_screen(slot, preview)
            else:
                hidden.append(slot)
        for slot in hidden:
            pane = comparison.panes[slot]
            answer = pane.answer
            html = comparison.page_of(answer) if answer is not None else None
            if html is None:
                self._done(slot, b"", [])
                continue
            preview = pane.preview
            network = preview.network() if preview is not None else False
            self._waiting.append(_Job(slot, html, network))
        # Once the previews just opened on screen are laid out: their size is the one the
        # pages off screen are given.
        QTimer.singleShot(0, self, self._next)

    def _on_screen(self, slot: int, preview: PreviewView) -> None:
        def grabbed(png: bytes) -> None:
            if not self._cancelled:
                self._done(slot, png, console_lines(preview))

        preview.grab_png(grabbed)

    def _shown_size(self) -> QSize:
        """The size of the page in the first preview on screen, or the default."""
        from studio.ui.preview.offscreen import DEFAULT_SIZE

        for pane in self._comparison.panes:
            preview = pane.preview
            web = preview.web_view() if preview is not None else None
            if preview is not None and web is not None and preview.runs_on_screen():
                return QSize(web.size())
        return QSize(DEFAULT_SIZE)

    def _next(self) -> None:
        if self._page is not None or self._cancelled or not self._waiting:
            return
        from studio.ui.preview.offscreen import OffscreenPage

        job = self._job = self._waiting.popleft()
        page = OffscreenPage(job.html, label="fix-it", network=job.network,
                             size=self._shown_size(),
                             settle_ms=SETTLE_MS, load_timeout_ms=DEADLINE_MS, parent=self)
        page.done.connect(self._page_done)
        self._page = page
        page.start()

    def _page_done(self, _outcome: str) -> None:
        page, job = self._page, self._job
        view = page.view if page is not None else None
        if page is None or job is None or view is None:
            return
        png, lines = page.grab_now(), console_lines(view)
        self._page = self._job = None
        page.close()
        self._done(job.slot, png, lines)
        self._next()

    def cancel(self) -> None:
        self._cancelled = True
        self._waiting.clear()
        page, self._page = self._page, None
        if page is not None:
            page.close()
