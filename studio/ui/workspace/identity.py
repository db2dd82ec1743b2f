"""Who the workspace says wrote each answer: the model's own names, or blind labels.

Every part of the workspace that names a slot — pane headers, tabs, previews, the model bar,
the diff dialog, page editors, messages, file names, the history list — asks one
`Identity` rather than reading the model's names itself. While the comparison is judged
blind (`blind` and not `revealed`), it answers with the labels A, B, C … of a shuffled
`BlindSlate`, hides what gives a model away (cost, token counts, which depend on the
model's tokenizer, the provider's own error messages), and tells the panes in which order
to stand. `changed` fires whenever any of that changes, and each part redraws its names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from studio.core.arena import BlindSlate, blind_labels
from studio.core.failure_text import FailureText, explain
from studio.core.file_names import answer_file_stem, file_stem
from studio.core.metrics_text import Badge
from studio.core.runner import ModelTarget
from studio.core.thread import Answer

HIDDEN_MODELS = "hidden (blind mode)"
HIDDEN_TIP = "Names are hidden while the answers are judged blind"
# What is never shown while blind: the cheapest badge reveals the price.
HIDDEN_BADGES = frozenset({Badge.CHEAPEST})


@dataclass(frozen=True, slots=True)
class ShownName:
    """How one slot is named on screen."""

    title: str  # one line: window titles, tooltips, messages
    short: str  # where room is short (a tab)
    model: str  # the pane header's bold line
    provider: str  # "" while hidden
    settings: str  # the settings' summary ("defaults"); "" while hidden
    ref: str  # "provider:model", or "answer A" while hidden (accessible names)
    label: str | None  # the blind label while the comparison is judged blind (also revealed)
    hidden: bool = False  # the model's names are hidden behind `label`


class Identity(QObject):
    """The workspace's one answer to "what is this slot called, and where does it stand"."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._blind = False
        self._revealed = False
        self._slate: BlindSlate | None = None

    # -- state ---------------------------------------------------------------------------

    @property
    def blind(self) -> bool:
        """Blind mode is on (View ▸ Blind mode)."""
        return self._blind

    @property
    def revealed(self) -> bool:
        """The names of the blind comparison on screen are shown (after a vote)."""
        return self._revealed

    @property
    def hiding(self) -> bool:
        """Names are hidden right now."""
        return self._blind and not self._revealed

    @property
    def slate(self) -> BlindSlate | None:
        return self._slate if self._blind else None

    def set_blind(self, blind: bool) -> None:
        if blind == self._blind:
            return
        self._blind = blind
        self._revealed = False
        self.changed.emit()

    def set_slate(self, slate: BlindSlate | None) -> None:
        """The shown order of the prompt on screen; a new prompt starts hidden again."""
        if slate == self._slate:
            return
        self._slate = slate
        self._revealed = False
        if self._blind:
            self.changed.emit()

    def reveal(self, revealed: bool = True) -> None:
        if revealed == self._revealed:
            return
        self._revealed = revealed
        if self._blind:
            self.changed.emit()

    # -- names ---------------------------------------------------------------------------

    def label_of(self, slot: int) -> str | None:
        """The slot's blind label while blind (None otherwise)."""
        if not self._blind:
            return None
        slate = self._slate
        if slate is None:  # not placed yet (a comparison about to start): hidden all the same
            return blind_labels(slot + 1)[-1]
        if slot in slate.order:
            return slate.label_of(slot)
        # A slot the slate does not know yet (a model that just joined): after the others.
        return blind_labels(len(slate.order) + 1 + slot)[-1]

    def name(self, slot: int, target: ModelTarget) -> ShownName:
        label = self.label_of(slot)
        settings = target.settings.summary()
        if label is not None and not self._revealed:
            shown = f"Answer {label}"
            return ShownName(shown, shown, shown, "", "", f"answer {label}", label, True)
        if label is not None:  # revealed in place: the label stays, the names come back
            return ShownName(f"{label}: {target.title}", f"{label} · {target.short_title}",
                             f"{label} · {target.ref.model}", target.config.display_name,
                             settings, str(target.ref), label)
        return ShownName(target.title, target.short_title, target.ref.model,
                         target.config.display_name, settings, str(target.ref), None)

    def title(self, slot: int, target: ModelTarget) -> str:
        return self.name(slot, target).title

    def file_stem(self, title: str, slot: int, target: ModelTarget) -> str:
        """The name proposed for what one slot wrote (a saved page, a screenshot)."""
        label = self.label_of(slot)
        if self.hiding and label is not None:
            return file_stem(title[:40], f"answer-{label}")
        return answer_file_stem(title, target)

    def order(self, slots: Iterable[int]) -> list[int]:
        """`slots` in the order they stand on screen: the slate's while blind."""
        given = list(slots)
        slate = self.slate
        if slate is None:
            return given
        rank = {slot: n for n, slot in enumerate(slate.order)}
        return sorted(given, key=lambda s: (rank.get(s, len(rank) + s), s))

    # -- what else gives a model away ----------------------------------------------------

    def failure(self, answer: Answer) -> FailureText | None:
        """What went wrong, in words that do not name the provider while hidden (its own
        message often names the model)."""
        error = answer.error
        if error is None:
            return None
        config = answer.target.config
        if self.hiding:
            return explain(error.kind, error.status, "", provider="The provider")
        return explain(error.kind, error.status, error.message, provider=config.display_name,
                       local=config.local)

    def badges(self, badges: set[Badge]) -> set[Badge]:
        return set(badges) - HIDDEN_BADGES if self.hiding else set(badges)

    def models_text(self, models: Sequence[str]) -> str | None:
        """The history's list of a run's models; None to show them as usual."""
        return HIDDEN_MODELS if self.hiding else None


# Parts built without a window (benchmarks, tests of one widget) name models as they are.
PLAIN = Identity()
