"""Deltas in, one batch per frame out: the engine listener never touches a widget.

The engine calls `on_delta` for every chunk of every model. Here that only appends the
string to a per-model list; one timer (running only while data arrives) hands all of it
to the panes once per frame. Eight models at 200 chunks/s each thus cost eight widget
updates per frame instead of 1,600 per second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, QTimer

from studio.core.events import ReasoningDelta, TextDelta
from studio.core.runner import ModelRun

FRAME_MS = 16


@dataclass(slots=True)
class FrameBatch:
    """What happened to each model since the previous frame, in the order to apply it."""

    resets: set[int] = field(default_factory=set)  # answers that start over (retry)
    text: dict[int, str] = field(default_factory=dict)
    reasoning: dict[int, str] = field(default_factory=dict)
    states: dict[int, ModelRun] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.resets or self.text or self.reasoning or self.states)


class StreamCoalescer(QObject):
    """A `RunListener` that batches per frame and calls `deliver(batch)` on the GUI thread."""

    def __init__(self, deliver: Callable[[FrameBatch], None], *,
                 interval_ms: int = FRAME_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._deliver: Callable[[FrameBatch], None] | None = deliver
        self._text: dict[int, list[str]] = {}
        self._reasoning: dict[int, list[str]] = {}
        self._states: dict[int, ModelRun] = {}
        self._resets: set[int] = set()
        self._finished: set[int] = set()
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.flush)
        self.delta_count = 0
        self.flush_count = 0

    # -- RunListener: called by the engine, must stay cheap ------------------------------

    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        if self._deliver is None:
            return
        self.delta_count += 1
        target = self._text if isinstance(event, TextDelta) else self._reasoning
        parts = target.get(run.index)
        if parts is None:
            target[run.index] = [event.text]
        else:
            parts.append(event.text)
        if not self._armed:
            self._arm()

    def on_state(self, run: ModelRun) -> None:
        if self._deliver is None:
            return
        index = run.index
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
        if not self._armed:
            self._arm()

    # -- frame side --------------------------------------------------------------------

    def _arm(self) -> None:
        self._armed = True
        self._timer.start()

    def take(self) -> FrameBatch:
        batch = FrameBatch(
            resets=self._resets,
            text={i: "".join(p) for i, p in self._text.items()},
            reasoning={i: "".join(p) for i, p in self._reasoning.items()},
            states=self._states,
        )
        self._resets, self._text, self._reasoning, self._states = set(), {}, {}, {}
        return batch

    def flush(self) -> None:
        batch = self.take()
        if not batch:
            # Nothing arrived for a whole frame: sleep until the next delta.
            self._timer.stop()
            self._armed = False
            return
        self.flush_count += 1
        if self._deliver is not None:
            self._deliver(batch)

    @property
    def active(self) -> bool:
        return self._armed

    def detach(self) -> None:
        """Stop delivering: the panes are going away while late events may still come."""
        self._deliver = None
        self._timer.stop()
        self._armed = False
        self.take()
