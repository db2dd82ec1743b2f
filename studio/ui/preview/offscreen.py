"""One page run in the preview sandbox without being put on the screen, then looked at.

Batch checks and thumbnails (the page worker), a report's screenshots and the fix-it loop
for panes that are not on screen all need the same thing: run a page in a `PreviewView`
(the app's own sandbox: profile, scheme, network switch, watchdog) that is shown — so the
page runs and paints — but never mapped on the screen, give it a moment after it loaded,
and then read its console and take its picture. `OffscreenPage` does that for one page and
says once, with `done`, how it ended:

- LOADED: it loaded and had `settle_ms` to draw (or loaded late, just before the deadline);
- CRASHED: its renderer ended (said at once);
- NOT_RESPONDING: the watchdog found it stuck in a loop (said at once, unless asked to wait
  it out until the deadline: a page busy for a while as it starts is then not held
  against it);
- TIMED_OUT: it was still loading `load_timeout_ms + settle_ms` after it was given;
- UNAVAILABLE: the web engine cannot run pages here (said at once; the view's
  `unavailable_message()` says why).

Outcomes that are states of the view have its state's name. The view stays for the caller
to read (`view`, `grab_now()`) until `close()`, which disposes it. Everything runs on the
event loop: nothing here blocks or spins a loop.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal

from studio.ui.preview.view import UNAVAILABLE, PreviewView

LOADED = "loaded"
CRASHED = "crashed"  # these two are also the view's states of those names
NOT_RESPONDING = "not-responding"
TIMED_OUT = "timed-out"

DEFAULT_SIZE = QSize(1280, 800)


class OffscreenPage(QObject):
    """Runs `html` off screen once `start()` is called; `done(outcome)` once, then the
    caller reads the view and calls `close()`."""

    done = Signal(str)

    def __init__(self, html: str, *, label: str = "", network: bool = False,
                 size: QSize = DEFAULT_SIZE, settle_ms: int = 1000,
                 load_timeout_ms: int = 15_000, hang_timeout_ms: int = 5000,
                 wait_out_hangs: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._html = html
        self._label = label
        self._network = network
        self._size = QSize(size)
        self._hang_timeout_ms = hang_timeout_ms
        self._wait_out_hangs = wait_out_hangs
        self._view: PreviewView | None = None
        self._loaded = False
        self._outcome: str | None = None
        self._settle = self._timer(settle_ms)
        self._deadline = self._timer(load_timeout_ms + settle_ms)

    def _timer(self, interval: int) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(max(0, interval))
        timer.timeout.connect(self._finish)
        return timer

    @property
    def view(self) -> PreviewView | None:
        """The view running the page (its console, its state); None before `start()` and
        after `close()`."""
        return self._view

    @property
    def outcome(self) -> str | None:
        """How the page ended (what `done` said); None while it runs."""
        return self._outcome

    @property
    def loaded(self) -> bool:
        return self._loaded

    def start(self) -> None:
        if self._view is not None or self._outcome is not None:
            return
        view = PreviewView(label=self._label, network=self._network, show_toolbar=False,
                           hang_timeout_ms=self._hang_timeout_ms)
        # Shown, so the page runs and paints, but never mapped on the screen.
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        view.set_viewport_size(self._size)
        view.resize(self._size)
        view.loadFinished.connect(self._on_loaded)
        view.stateChanged.connect(self._on_state)
        self._view = view
        view.show()
        self._deadline.start()
        view.set_document(self._html, final=True)  # may say it cannot run, and so end here

    def grab_now(self) -> bytes:
        """PNG of what the page shows now; b"" when it crashed or is closed (and blank on
        a platform without a display)."""
        view = self._view
        if view is None or view.state() == CRASHED:
            return b""
        return view.grab_now()

    def close(self) -> None:
        """Dispose of the page and its view (also before it is done: `done` is then never
        sent). The object itself goes with the next turn of the event loop."""
        self._settle.stop()
        self._deadline.stop()
        view, self._view = self._view, None
        if view is not None:
            view.loadFinished.disconnect(self._on_loaded)
            view.stateChanged.disconnect(self._on_state)
            view.dispose()
            view.hide()
            view.deleteLater()
        self.deleteLater()

    def _on_loaded(self, _ok: bool) -> None:
        if not self._loaded:
            self._loaded = True
            self._settle.start()

    def _on_state(self, state: str) -> None:
        if state in (CRASHED, UNAVAILABLE) or (state == NOT_RESPONDING
                                                and not self._wait_out_hangs):
            self._finish()

    def _finish(self) -> None:
        view = self._view
        if view is None or self._outcome is not None:
            return
        self._settle.stop()
        self._deadline.stop()
        state = view.state()
        if state in (CRASHED, NOT_RESPONDING, UNAVAILABLE):
            outcome = state
        elif not self._loaded:
            outcome = TIMED_OUT
        else:
            outcome = LOADED
        self._outcome = outcome
        self.done.emit(outcome)
