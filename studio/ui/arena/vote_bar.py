"""The vote buttons: one key per choice, the key shown on the button.

For two answers: A better / B better / Tie / Both bad. For more: the best one (a button per
label), or a ranking: "Rank" and then the answers from best to worst, "=" before one that
ties with the one before it; the ranking is cast once every answer has its place. After a
vote the buttons rest and "Undo" takes the vote back. The buttons never take the keyboard
focus, so Space or Enter never vote by accident; a key works while its button is shown and
enabled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from studio.core.arena import PairWinner
from studio.ui.arena.ballot import Choice

PAIR_BUTTONS: tuple[tuple[PairWinner, str], ...] = (
    ("a", "A better"), ("b", "B better"), ("tie", "Tie"), ("both_bad", "Both bad"))


@dataclass(frozen=True, slots=True)
class VoteKeys:
    """The keys of the bar: `choices[i]` is the i-th pair verdict, or the answer at shown
    position i; "" for none."""

    choices: tuple[str, ...]
    rank: str
    tie: str
    back: str
    undo: str
    next: str = ""
    skip: str = ""


# In the battle queue nothing is typed: plain keys.
QUEUE_KEYS = VoteKeys(tuple("123456789"), "R", "=", "Backspace", "U", "N", "S")
# In the workspace the prompt editor may have the focus, and plain keys are its text;
# Alt+letter opens the menus, so only digits and keys no menu uses.
WORKSPACE_KEYS = VoteKeys(tuple(f"Alt+{d}" for d in "123456789"), "Alt+K", "Alt+=",
                          "Alt+Backspace", "Alt+U")


def key_text(sequence: str) -> str:
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.NativeText)


class VoteBar(QWidget):
    voted = Signal(object)  # Choice
    undoRequested = Signal()
    nextRequested = Signal()
    skipRequested = Signal()

    def __init__(self, keys: VoteKeys, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keys = keys
        self.setAccessibleName("Vote")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(4, 2, 4, 2)
        self.status = QLabel()
        self.status.setAccessibleName("Vote status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self._row.addWidget(self.status)
        self._choice_row = QHBoxLayout()
        self._row.addLayout(self._choice_row)
        self.rank_button = self._button("Rank", keys.rank, self._toggle_rank, "Rank every "
                                        "answer: press them from best to worst")
        self.rank_button.setCheckable(True)
        self.tie_button = self._button("Tie with previous", keys.tie, self._toggle_tie,
                                       "The next answer shares the place of the one before")
        self.tie_button.setCheckable(True)
        self.back_button = self._button("Back", keys.back, self._back,
                                        "Take the last placed answer out of the ranking")
        self.ranking_label = QLabel()
        self.ranking_label.setAccessibleName("Ranking so far")
        self._row.addStretch(1)
        for widget in (self.rank_button, self.tie_button, self.back_button,
                       self.ranking_label):
            self._row.addWidget(widget)
        self.undo_button = self._button("Undo vote", keys.undo, self.undoRequested.emit,
                                        "Take this vote back")
        self.skip_button = self._button("Skip", keys.skip, self.skipRequested.emit,
                                        "Go to the next battle without voting on this one")
        self.next_button = self._button("Next", keys.next, self.nextRequested.emit,
                                        "The next battle")
        for widget in (self.undo_button, self.skip_button, self.next_button):
            self._row.addWidget(widget)
        self.choice_buttons: list[QPushButton] = []
        self._labels: list[str] = []
        self._ranking: list[list[int]] = []
        self._voted = False
        self._navigation = bool(keys.next)
        self.set_unavailable("")

    def _button(self, text: str, key: str, slot: object, tip: str) -> QPushButton:
        shown = f"{text} ({key_text(key)})" if key else text
        button = QPushButton(shown)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAccessibleName(text)
        button.setToolTip(f"{tip} ({key_text(key)})" if key else tip)
        if key:
            # A shortcut of its own rather than the button's: that one clicks 100 ms later,
            # and a key pressed meanwhile would find the bar as it was.
            QShortcut(QKeySequence(key), button, button.click,
                      context=Qt.ShortcutContext.WindowShortcut)
        button.clicked.connect(slot)
        button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        return button

    # -- what is being voted on ----------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def ranking(self) -> list[list[int]]:
        return [list(group) for group in self._ranking]

    def set_ballot(self, labels: Sequence[str], status: str = "") -> None:
        """Ready for a vote among answers labelled `labels` (shown order)."""
        self._labels = list(labels)
        self._voted = False
        self._ranking = []
        for button in self.choice_buttons:
            self._choice_row.removeWidget(button)
            button.deleteLater()
        self.choice_buttons = []
        keys = self.keys.choices
        if len(labels) == 2:
            for n, (winner, text) in enumerate(PAIR_BUTTONS):
                self.choice_buttons.append(self._button(
                    text, keys[n] if n < len(keys) else "",
                    lambda _c=False, w=winner: self._cast(Choice.pair(w)), f"Vote: {text}"))
        else:
            for n, label in enumerate(labels):
                self.choice_buttons.append(self._button(
                    label, keys[n] if n < len(keys) else "",
                    lambda _c=False, p=n: self._pick(p),
                    f"{label} is the best (in a ranking: place {label} next)"))
        for button in self.choice_buttons:
            self._choice_row.addWidget(button)
        self.status.setText(status or ("Which is better?" if len(labels) == 2
                                       else "Which is the best? Or rank them."))
        self._refresh()

    def set_unavailable(self, reason: str) -> None:
        """Nothing to vote on now; `reason` says why."""
        self._labels = []
        self._voted = False
        self._ranking = []
        self.status.setText(reason)
        self._refresh()

    def show_voted(self, text: str) -> None:
        """The vote is in (cast here, or found stored): say what it was; Undo takes it back."""
        self._voted = True
        self._ranking = []
        self.rank_button.setChecked(False)
        self.status.setText(text)
        self._refresh()

    def reopen(self, status: str = "") -> None:
        """Vote again on the same answers (after Undo)."""
        self.set_ballot(self._labels, status)

    def set_navigation(self, enabled: bool) -> None:
        """Whether Next and Skip are offered (the battle queue)."""
        self._navigation = enabled and bool(self.keys.next)
        self._refresh()

    # -- choices -------------------------------------------------------------------------

    def _cast(self, choice: Choice) -> None:
        if self._labels and not self._voted:
            self.voted.emit(choice)

    def _pick(self, position: int) -> None:
        if self._voted or not self._labels:
            return
        if not self.rank_button.isChecked():
            self._cast(Choice.best_of(position))
            return
        if any(position in group for group in self._ranking):
            return
        if self.tie_button.isChecked() and self._ranking:
            self._ranking[-1].append(position)
        else:
            self._ranking.append([position])
        self.tie_button.setChecked(False)
        if sum(len(g) for g in self._ranking) == len(self._labels):
            ranking, self._ranking = self._ranking, []
            self.rank_button.setChecked(False)
            self._cast(Choice.ranked(ranking))
        self._refresh()

    def _toggle_rank(self) -> None:
        if len(self._labels) < 3 or self._voted:
            self.rank_button.setChecked(False)
        self._ranking = []
        self.tie_button.setChecked(False)
        self._refresh()

    def _toggle_tie(self) -> None:
        if not self._ranking:
            self.tie_button.setChecked(False)

    def _back(self) -> None:
        if self._ranking:
            self._ranking[-1].pop()
            if not self._ranking[-1]:
                self._ranking.pop()
        self._refresh()

    def _refresh(self) -> None:
        ready = bool(self._labels) and not self._voted
        ranking = ready and self.rank_button.isChecked()
        for n, button in enumerate(self.choice_buttons):
            placed = any(n in group for group in self._ranking)
            button.setEnabled(ready and not placed)
            button.setVisible(bool(self._labels))
        several = len(self._labels) > 2
        self.rank_button.setVisible(several)
        self.rank_button.setEnabled(ready)
        for widget in (self.tie_button, self.back_button, self.ranking_label):
            widget.setVisible(ranking)
        self.back_button.setEnabled(bool(self._ranking))
        self.tie_button.setEnabled(bool(self._ranking))
        text = " > ".join(" = ".join(self._labels[p] for p in g) for g in self._ranking)
        self.ranking_label.setText(f"Ranking: {text or 'press the best first'}")
        self.undo_button.setVisible(self._voted)
        self.undo_button.setEnabled(self._voted)
        self.next_button.setVisible(self._navigation)
        self.skip_button.setVisible(self._navigation)
        self.skip_button.setEnabled(self._navigation and not self._voted)
        self.next_button.setEnabled(self._navigation and self._voted)
