"""The battle being judged: the prompt, the two answers (or their pages) side by side as A
and B, the vote bar, the progress line; after the vote, the names and the judge's verdict.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studio.ui.arena.ballot import Choice
from studio.ui.arena.battle_queue import ReadyBattle
from studio.ui.arena.battle_session import JudgeOutcome
from studio.ui.arena.vote_bar import QUEUE_KEYS, VoteBar
from studio.ui.preview.view import PreviewView
from studio.ui.workspace.answer_view import AnswerView

PROMPT_LINES = 4
SIDES = ("A", "B")


class BattleSide(QWidget):
    """One answer of the pair: its label (the names once revealed), the answer or its page."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.title = QLabel(f"Answer {label}")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAccessibleName(f"Answer {label}")
        self.answer = AnswerView()
        self.answer.setAccessibleName(f"Answer {label}")
        self.preview: PreviewView | None = None
        self._stack = QStackedWidget()
        self._stack.addWidget(self.answer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self._stack, 1)

    def show_answer(self, text: str, page: str | None, pages: bool) -> None:
        self.title.setText(f"Answer {self.label}")
        self.answer.clear_all()
        self.answer.append(text)
        self.answer.finish()
        self.answer.verticalScrollBar().setValue(0)
        if pages:
            view = self._ensure_preview()
            self._stack.setCurrentWidget(view)
            view.set_document(page, final=True)
        else:
            self._stack.setCurrentWidget(self.answer)

    def _ensure_preview(self) -> PreviewView:
        if self.preview is None:
            self.preview = PreviewView(label=f"Page {self.label}")
            self.preview.setAccessibleName(f"Page {self.label}")
            self.preview.set_file_stem(f"arena-page-{self.label}")
            self._stack.addWidget(self.preview)
        return self.preview

    def reveal(self, name: str | None) -> None:
        """Show who wrote it (None: hide again)."""
        self.title.setText(f"{self.label}: {name}" if name else f"Answer {self.label}")

    def dispose(self) -> None:
        if self.preview is not None:
            self.preview.dispose()


class BattlePanel(QWidget):
    """Shows one `ReadyBattle` at a time; `screenshotsTaken(number, (png_a, png_b))` once
    both pages of a battle judged on pages have been captured (for the judge model)."""

    screenshotsTaken = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.battle: ReadyBattle | None = None
        self.progress = QLabel()
        self.progress.setAccessibleName("Progress")
        self.prompt = QTextBrowser()
        self.prompt.setAccessibleName("Prompt")
        self.prompt.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        line = self.prompt.fontMetrics().lineSpacing()
        self.prompt.setMaximumHeight(line * PROMPT_LINES + 12)
        self.sides = [BattleSide(label) for label in SIDES]
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        for side in self.sides:
            split.addWidget(side)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Why this battle cannot be judged")
        self.judge_line = QLabel()
        self.judge_line.setWordWrap(True)
        self.judge_line.setTextFormat(Qt.TextFormat.PlainText)
        self.judge_line.setAccessibleName("The judge model's verdict")
        self.bar = VoteBar(QUEUE_KEYS)
        self.bar.set_navigation(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.prompt)
        layout.addWidget(split, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.judge_line)
        layout.addWidget(self.bar)
        self._shots: dict[int, list[bytes | None]] = {}
        self._outcome: JudgeOutcome | None = None
        self._voted = False

    def show_waiting(self, text: str) -> None:
        self.battle = None
        self.bar.set_unavailable(text)

    def show_battle(self, battle: ReadyBattle) -> None:
        self.battle = battle
        self._outcome = None
        self._voted = False
        self.judge_line.clear()
        self.judge_line.hide()
        self.prompt.setPlainText(battle.prompt.text)
        ballot = battle.ballot
        self.problem.setText(battle.problem)
        self.problem.setVisible(bool(battle.problem))
        if ballot is None:
            for side in self.sides:
                side.show_answer("", None, False)
            self.bar.set_unavailable("Nothing to vote on here: Skip goes on.")
            return
        pages = ballot.judged == "pages"
        for side, response in zip(self.sides, ballot.responses, strict=True):
            side.show_answer(response.text, response.latest_html, pages)
        self.bar.set_ballot(list(SIDES), "Which page is better?" if pages
                            else "Which answer is better?")
        if pages:
            self._take_screenshots(battle.number)

    def _take_screenshots(self, number: int) -> None:
        self._shots[number] = [None, None]
        got: set[int] = set()
        for n, side in enumerate(self.sides):
            view = side.preview
            if view is None:
                continue

            def taken(png: bytes, n: int = n) -> None:
                shots = self._shots.get(number)
                if shots is None or n in got:
                    return
                got.add(n)
                shots[n] = png or None
                if len(got) == len(self.sides):
                    self.screenshotsTaken.emit(number, (shots[0], shots[1]))
                    del self._shots[number]

            view.grab_png(taken)

    def show_vote(self, choice: Choice | None) -> None:
        """Your vote is in (names revealed, the judge's verdict shown) or taken back."""
        battle = self.battle
        if battle is None or battle.ballot is None:
            return
        self._voted = choice is not None
        for side, who in zip(self.sides, battle.contestants, strict=True):
            side.reveal(who.name if choice is not None else None)
        if choice is None:
            self.bar.reopen()
            self.judge_line.hide()
            return
        self.bar.show_voted(f"You voted: {battle.ballot.describe(choice)}. Next: "
                            f"{QUEUE_KEYS.next}, undo: {QUEUE_KEYS.undo}.")
        self._show_judge()

    def show_judge(self, number: int, outcome: JudgeOutcome) -> None:
        if self.battle is not None and self.battle.number == number:
            self._outcome = outcome
            self._show_judge()

    def _show_judge(self) -> None:
        # Only after your own vote: the judge's verdict must not sway yours.
        outcome = self._outcome
        if not self._voted:
            if self.battle is not None and self.battle.ballot is not None and outcome is None:
                self.judge_line.hide()
            return
        if outcome is None:
            self.judge_line.setText("The judge model has not answered yet.")
        elif outcome.verdict is None:
            self.judge_line.setText(f"The judge could not vote: {outcome.error}")
        else:
            verdict = outcome.verdict
            seen = (f" (it saw {verdict.pictures} screenshot"
                    f"{'' if verdict.pictures == 1 else 's'})" if verdict.pictures else "")
            said = {"a": "A is better", "b": "B is better", "tie": "a tie",
                    "both_bad": "both are bad"}[verdict.winner]
            self.judge_line.setText(f"The judge says {said}{seen}: {verdict.reason}"
                                    + (f" ({outcome.error})" if outcome.error else ""))
        self.judge_line.show()

    def dispose(self) -> None:
        for side in self.sides:
            side.dispose()
