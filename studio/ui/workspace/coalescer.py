"""Deltas in, one batch per frame out: the engine listener never touches a widget.

The engine calls `on_delta` for every chunk of every model. Here that only appends the
string to a per-model list; a single-shot timer (armed only while data arrives) hands it
to the panes about once per frame. Eight models at 200 chunks/s each thus cost at most
eight pane updates per frame instead of 1,600 widget updates per second.

Three rules keep the event loop responsive when painting gets expensive (many panes, slow
machine, a provider sending 10,000 chunks a second): one tick hands a model at most
`CHARS_PER_DELIVERY` characters (the rest waits for the next tick, and the model's state
change waits for its text), one tick stops handing out work once its time budget is spent
(the remaining models come first in the next tick), and after a busy tick the pause before
the next one is twice as long as the tick was, so updating panes never takes more than
about a third of the loop's time. Without the first rule a stream faster than the panes
would hand them ever bigger batches, each one a longer stall.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, QTimer

from studio.core.events import ReasoningDelta, TextDelta
from studio.core.runner import ModelRun

FRAME_MS = 16
TICK_BUDGET_S = 0.004
# After an expensive tick the loop rests this many times as long: painting the panes and
# reading the streams need the time in between.
REST_FACTOR = 2.0
# At most this much text (and as much reasoning) goes to one pane per tick: a few
# milliseconds of rendering.
CHARS_PER_DELIVERY = 8_192


@dataclass(slots=True)
class FrameBatch:
    """What happened to some models since their previous delivery, in the order to apply."""

    resets: set[int] = field(default_factory=set)  # answers that start over (retry)
    text: dict[int, str] = field(default_factory=dict)
    reasoning: dict[int, str] = field(default_factory=dict)
    states: dict[int, ModelRun] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.resets or self.text or self.reasoning or self.states)


class StreamCoalescer(QObject):
    """A `RunListener` that batches per frame and calls `deliver(batch)` on the GUI thread."""

    def __init__(self, deliver: Callable[[FrameBatch], None], *,
                 interval_ms: int = FRAME_MS, budget_s: float = TICK_BUDGET_S,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._deliver: Callable[[FrameBatch], None] | None = deliver
        self._interval_ms = interval_ms
        self._budget_s = budget_s
        self._text: dict[int, _Pending] = {}
        self._reasoning: dict[int, _Pending] = {}
        self._states: dict[int, ModelRun] = {}
        self._resets: set[int] = set()
        self._finished: set[int] = set()
        self._dirty: dict[int, None] = {}  # insertion-ordered: oldest first
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.delta_count = 0
        self.flush_count = 0  # ticks that delivered something

    # -- RunListener: called by the engine, must stay cheap ------------------------------

    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        self.push_delta(run.index, event)

    def on_state(self, run: ModelRun) -> None:
        self.push_state(run.index, run)

    # The same, for a listener that delivers under another key than the run's index (a
    # follow-up asks only some panes, so its runs are numbered differently from them).

    def push_delta(self, index: int, event: TextDelta | ReasoningDelta) -> None:
        if self._deliver is None:
            return
        self.delta_count += 1
        target = self._text if isinstance(event, TextDelta) else self._reasoning
        pending = target.get(index)
        if pending is None:
            target[index] = _Pending(event.text)
            self._dirty[index] = None
        else:
            pending.add(event.text)
        if not self._armed:
            self._arm(self._interval_ms)

    def push_state(self, index: int, run: ModelRun) -> None:
        if self._deliver is None:
            return
        if run.state.finished:
            self._finished.add(index)
        elif index in self._finished:
            # A finished model is running again: whatever is still buffered belongs to the
            # previous attempt.
            self._finished.discard(index)
            self._resets.add(index)
            self._text.pop(index, None)
            self._reasoning.pop(index, None)
        self._states[index] = run
        self._dirty[index] = None
        if not self._armed:
            self._arm(self._interval_ms)

    def forget(self, index: int) -> None:
        """Drop what is buffered for `index`: its pane is about to show a new answer (or
        to be redrawn from the answer itself)."""
        self._finished.discard(index)
        self._resets.discard(index)
        self._text.pop(index, None)
        self._reasoning.pop(index, None)
        self._states.pop(index, None)
        self._dirty.pop(index, None)

    # -- frame side --------------------------------------------------------------------

    def _arm(self, delay_ms: int) -> None:
        self._armed = True
        self._timer.start(delay_ms)

    def _take(self, index: int, batch: FrameBatch, limit: int | None) -> None:
        """What is buffered for `index`, at most `limit` characters of text and as many of
        reasoning; what is left (and then its state change) stays, behind the others."""
        self._dirty.pop(index, None)
        if index in self._resets:
            self._resets.discard(index)
            batch.resets.add(index)
        left = False
        for buffered, out in ((self._text, batch.text), (self._reasoning, batch.reasoning)):
            pending = buffered.get(index)
            if pending is None:
                continue
            out[index] = pending.take(limit)
            if pending.size:
                left = True
            else:
                del buffered[index]
        if left:
            self._dirty[index] = None
            return
        run = self._states.pop(index, None)
        if run is not None:
            batch.states[index] = run

    def flush(self, budget_s: float | None = None) -> None:
        """Deliver what is buffered: everything, or (with a budget) as much as fits, at
        most CHARS_PER_DELIVERY per model and per kind of text."""
        deliver = self._deliver
        if deliver is None or not self._dirty:
            return
        started = time.perf_counter()
        self.flush_count += 1
        limit = None if budget_s is None else CHARS_PER_DELIVERY
        while self._dirty:
            for index in list(self._dirty):
                batch = FrameBatch()
                self._take(index, batch, limit)
                if batch:
                    deliver(batch)
                if budget_s is not None and time.perf_counter() - started > budget_s:
                    return
            if budget_s is not None:
                return

    def _tick(self) -> None:
        started = time.perf_counter()
        self.flush(self._budget_s)
        if not self._dirty:
            self._armed = False  # nothing arrived meanwhile: sleep until the next delta
            return
        spent_ms = (time.perf_counter() - started) * 1000.0
        self._arm(round(max(self._interval_ms - spent_ms, REST_FACTOR * spent_ms, 1.0)))

    @property
    def active(self) -> bool:
        return self._armed

    @property
    def pending(self) -> bool:
        return bool(self._dirty)

    def detach(self) -> None:
        """Stop delivering: the panes are going away while late events may still come."""
        self._deliver = None
        self._timer.stop()
        self._armed = False
        self._text.clear()
        self._reasoning.clear()
        self._states.clear()
        self._resets.clear()
        self._dirty.clear()



class _Pending:
    """One model's text not yet delivered, oldest first, and its length."""

    __slots__ = ("parts", "size")

    def __init__(self, text: str) -> None:
        self.parts = deque((text,))
        self.size = len(text)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self, limit: int | None) -> str:
        """The oldest `limit` characters (all with None), removed."""
        parts = self.parts
        if limit is None or self.size <= limit:
            text = "".join(parts)
            parts.clear()
            self.size = 0
            return text
        taken: list[str] = []
        room = limit
        while room > 0:
            piece = parts.popleft()
            if len(piece) > room:
                parts.appendleft(piece[room:])
                piece = piece[:room]
            taken.append(piece)
            room -= len(piece)
        self.size -= limit
        return "".join(taken)
