"""The always-visible metrics strip of a pane (its texts and badges: studio.core.metrics_text)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from studio.core.metrics import Metrics
from studio.core.metrics_text import BADGE_HELP, Badge, metric_texts
from studio.ui.style import colors, css


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
        self.tokens = self._field("Input and output tokens; \"cached\": prompt tokens the "
                                  "provider read from its prompt cache, billed at its cached "
                                  "rate")
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
        self._hidden = False
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
        self._metrics = metrics
        texts = metric_texts(metrics)
        for label, text in ((self.ttft, texts.ttft), (self.rate, texts.rate),
                            (self.tokens, texts.tokens), (self.cost, texts.cost),
                            (self.total, texts.total)):
            if self._hidden and label in (self.tokens, self.cost):
                continue
            if label.text() != text:
                label.setText(text)

    def set_hidden(self, hidden: bool) -> None:
        """Hide the figures that give a model away while it is judged blind: the cost, and
        the token counts (each model's tokenizer counts the same prompt differently)."""
        if hidden == self._hidden:
            return
        self._hidden = hidden
        for label in (self.tokens, self.cost):
            label.setVisible(not hidden)
            if hidden:
                label.clear()
        if not hidden:
            self.set_metrics(self._metrics)

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
