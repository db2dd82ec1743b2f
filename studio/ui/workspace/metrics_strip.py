"""The always-visible metrics strip of a pane, and the badges that compare panes.

Badges are decided only among answers that finished, and only when at least two did; every
answer that ties for a badge gets it:
- fastest: the lowest total time (ties broken by time to first token);
- cheapest: the lowest known cost;
- longest: the most output tokens (estimated from characters when not reported).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from studio.core.metrics import Metrics
from studio.ui.style import colors, css


class Badge(StrEnum):
    FASTEST = "fastest"
    CHEAPEST = "cheapest"
    LONGEST = "longest"


BADGE_HELP = {
    Badge.FASTEST: "Finished first: lowest total time among the finished answers",
    Badge.CHEAPEST: "Lowest cost among the finished answers with a known price",
    Badge.LONGEST: "Most output tokens among the finished answers",
}


@dataclass(frozen=True, slots=True)
class Standing:
    """What the badge ranking needs from one pane."""

    index: int
    done: bool
    metrics: Metrics
    text_length: int = 0


def _output_size(s: Standing) -> float:
    tokens = s.metrics.output_tokens
    return float(tokens) if tokens is not None else s.text_length / 4.0


def _best(standings: Sequence[Standing],
          key: Callable[[Standing], tuple[float, float]]) -> list[Standing]:
    """Every standing that ties for the lowest `key`: two answers that cost $0 are both
    the cheapest."""
    lowest = min(key(s) for s in standings)
    return [s for s in standings if key(s) == lowest]


def rank_badges(standings: Sequence[Standing]) -> dict[int, set[Badge]]:
    done = [s for s in standings if s.done]
    result: dict[int, set[Badge]] = {s.index: set() for s in standings}
    if len(done) < 2:
        return result
    timed = [s for s in done if s.metrics.total_s is not None]
    if timed:
        for best in _best(timed, lambda s: (
                round(s.metrics.total_s or 0.0, 3),
                round(s.metrics.ttft_s, 3) if s.metrics.ttft_s is not None else float("inf"))):
            result[best.index].add(Badge.FASTEST)
    priced = [s for s in done if s.metrics.cost_usd is not None]
    if len(priced) >= 2:
        for best in _best(priced, lambda s: (round(s.metrics.cost_usd or 0.0, 9), 0.0)):
            result[best.index].add(Badge.CHEAPEST)
    if max(_output_size(s) for s in done) > 0:
        for best in _best(done, lambda s: (-_output_size(s), 0.0)):
            result[best.index].add(Badge.LONGEST)
    return result


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(value, 60)
    return f"{minutes:.0f} m {seconds:02.0f} s"


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}"
    return f"${value:.3f}"


def fmt_tokens(value: int | None, estimated: bool = False) -> str:
    if value is None:
        return "–"
    return f"~{value:,}" if estimated else f"{value:,}"


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


@dataclass(frozen=True, slots=True)
class MetricTexts:
    ttft: str
    rate: str
    tokens: str
    cost: str
    total: str


def metric_texts(m: Metrics) -> MetricTexts:
    return MetricTexts(
        ttft=f"TTFT {fmt_seconds(m.ttft_s)}",
        rate=f"{fmt_rate(m.tokens_per_s)} tok/s",
        tokens=f"in {fmt_tokens(m.input_tokens)} · out "
               f"{fmt_tokens(m.output_tokens, m.output_estimated)}",
        cost=fmt_cost(m.cost_usd),
        total=f"total {fmt_seconds(m.total_s)}",
    )


class MetricsStrip(QWidget):
    """TTFT, tokens/s, tokens in/out, cost and total time, plus the pane's badges."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Metrics")
        # Two rows, so every figure stays readable in a pane at its minimum width.
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setHorizontalSpacing(10)
        layout.setVerticalSpacing(0)
        self.ttft = self._field("Time to first token")
        self.rate = self._field("Output tokens per second")
        self.total = self._field("Total time")
        self.tokens = self._field("Input and output tokens")
        self.cost = self._field("Cost in US dollars")
        self.badges = QLabel()
        self.badges.setAccessibleName("Badges")
        self.badges.setTextFormat(Qt.TextFormat.RichText)
        for column, label in enumerate((self.ttft, self.rate, self.total, self.cost)):
            layout.addWidget(label, 0, column)
            layout.setColumnStretch(column, 1)
        layout.addWidget(self.tokens, 1, 0, 1, 2)
        layout.addWidget(self.badges, 1, 2, 1, 2, Qt.AlignmentFlag.AlignRight)
        self.totals = self._field("Running total of this model's answers in the thread")
        self.totals.hide()
        layout.addWidget(self.totals, 2, 0, 1, 4)
        self._badges: set[Badge] = set()
        self.set_metrics(Metrics())

    @staticmethod
    def _field(description: str) -> QLabel:
        label = QLabel()
        label.setAccessibleName(description)
        label.setToolTip(description)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        return label

    def set_metrics(self, metrics: Metrics) -> None:
        texts = metric_texts(metrics)
        for label, text in ((self.ttft, texts.ttft), (self.rate, texts.rate),
                            (self.tokens, texts.tokens), (self.cost, texts.cost),
                            (self.total, texts.total)):
            if label.text() != text:
                label.setText(text)

    def set_totals(self, text: str | None) -> None:
        """The model's running total over a conversation (None: a single prompt, hidden)."""
        self.totals.setText(text or "")
        self.totals.setVisible(bool(text))

    def set_badges(self, badges: set[Badge]) -> None:
        if badges == self._badges:
            return
        self._badges = set(badges)
        c = colors(self.palette())
        chips = [f'<span style="background-color:{css(c.chip_bg)}; color:{css(c.text)};">'
                 f'&nbsp;{b.value}&nbsp;</span>' for b in Badge if b in badges]
        self.badges.setText(" ".join(chips))
        self.badges.setToolTip("\n".join(BADGE_HELP[b] for b in Badge if b in badges))

    def badge_set(self) -> set[Badge]:
        return set(self._badges)
