"""Blind judging in the workspace: the shuffled order of each prompt, and the vote on it.

While blind mode is on, each prompt of the comparison on screen (a run's turn) gets its
shown order from `shuffle_slate`, keyed by the run and turn, so reopening it shows it the
same way; the workspace's `Identity` names the panes A, B, C … in that order. Once the
answers are in, the vote bar beside the Answers / Previews tabs takes a vote on what is
shown — the answers, or the pages when the Previews tab is open — stored with each answer's
shown position. The names are then revealed in place; Undo takes the vote back and hides
them again. A prompt already judged shows its vote, revealed.

The vote is always on the last prompt on screen (the head of the branch shown). In a
conversation, or with that prompt's follow-ups hidden (a grid row judged as it was sent),
the bar says which prompt that is: "prompt 1 of 2".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from studio.core.arena import BlindSlate, Judged, VoteError, shuffle_slate
from studio.core.runner import ModelState
from studio.core.thread import Thread
from studio.store import ResponseId, RunId, StoreError, TurnId, VoteFilter
from studio.ui.arena.ballot import Ballot, Choice
from studio.ui.arena.vote_bar import WORKSPACE_KEYS, VoteBar
from studio.ui.workspace.identity import Identity

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow
    from studio.ui.workspace.comparison import Comparison

NO_HISTORY = "Votes are kept in the history, which is not available."
WAITING = "Waiting for the answers…"
TOO_FEW = "A vote needs at least two finished answers."
NOT_SAVED = "This comparison is not saved, so it cannot be voted on."


def judged_prompt(chat: Thread) -> str:
    """Which prompt a vote on `chat` is on, where the panes leave room for doubt: "" for a
    lone prompt, else "prompt 2 of 3" (counting its hidden follow-ups too)."""
    head = chat.head
    if head is None:
        return ""
    shown = len(chat.branch())
    total = shown + chat.later(head)
    return "" if total == 1 else f"prompt {shown} of {total}"


class BlindVoting(QObject):
    """Keeps the identity's slate and the vote bar in step with the comparison on screen."""

    votesChanged = Signal()  # a vote was cast or taken back here

    def __init__(self, host: MainWindow, identity: Identity, seed: int) -> None:
        super().__init__(host)
        self._host = host
        self.identity = identity
        self._seed = seed
        self._comparison: Comparison | None = None
        self.ballot: Ballot | None = None
        self._key: tuple[object, ...] | None = None
        self.vote_id: int | None = None
        self.bar = VoteBar(WORKSPACE_KEYS)
        self.bar.voted.connect(self.cast)
        self.bar.undoRequested.connect(self.undo)
        self.bar.setVisible(identity.blind)
        host.tabs.setCornerWidget(self.bar, Qt.Corner.TopRightCorner)
        host.tabs.currentChanged.connect(lambda _i: self.refresh())
        host.comparisonShown.connect(self.follow)

    # -- what is on screen ---------------------------------------------------------------

    def follow(self, comparison: Comparison | None) -> None:
        self._comparison = comparison
        if comparison is not None:
            # Signals of a comparison replaced since are harmless: refresh reads the current.
            for signal in (comparison.saved, comparison.threadChanged, comparison.finished):
                signal.connect(self.refresh)
        self.refresh()

    @property
    def judged(self) -> Judged:
        host = self._host
        return "pages" if host.tabs.currentWidget() is host.previews else "answers"

    def set_blind(self, blind: bool) -> None:
        self.identity.set_blind(blind)
        self.bar.setVisible(blind)
        self._key = None
        self.refresh()

    def refresh(self, *_args: object) -> None:
        comparison = self._comparison
        if comparison is not None and comparison is not self._host.comparison:
            comparison = None
        self.identity.set_slate(self._slate(comparison) if comparison is not None else None)
        if not self.identity.blind:
            return
        key = self._ballot_key(comparison)
        if key == self._key:
            return
        self._key = key
        self.ballot, self.vote_id = None, None
        # Other answers than the ones voted on (a new attempt, another prompt): hidden until
        # they are voted on, or a vote on them is found.
        self.identity.reveal(False)
        found = self._make_ballot(comparison)
        if isinstance(found, str):
            where = judged_prompt(comparison.chat) if comparison is not None else ""
            if found == TOO_FEW and where:
                found = f"A vote needs at least two finished answers to {where}."
            self.bar.status.setToolTip("")
            self.bar.set_unavailable(found)
            return
        self.ballot = found
        self.bar.set_ballot(list(found.labels), self._ask())
        self._show_stored_vote(found)

    def _ask(self) -> str:
        what = "pages" if self.judged == "pages" else "answers"
        comparison = self._comparison
        where = judged_prompt(comparison.chat) if comparison is not None else ""
        self.bar.status.setToolTip(
            f"This vote is on the {what} to the last prompt shown ({where} in this "
            f"conversation); the {what} to the other prompts are not part of it."
            if where else "")
        return f"Judge the {what} to {where}:" if where else f"Judge the {what}:"

    def _voted_text(self, ballot: Ballot, choice: Choice) -> str:
        comparison = self._comparison
        where = judged_prompt(comparison.chat) if comparison is not None else ""
        return (f"You voted on {where}: {ballot.describe(choice)}." if where
                else f"You voted: {ballot.describe(choice)}.")

    def _slate(self, comparison: Comparison) -> BlindSlate | None:
        turn = comparison.chat.head_turn
        if turn is None:
            return None
        run_id, turn_id = self._ids(comparison)
        key = (f"{run_id}/{turn_id}" if run_id is not None and turn_id is not None
               else f"unsaved/{id(comparison)}/{turn.key}")
        return shuffle_slate(range(len(comparison.panes)), seed=self._seed, key=key)

    @staticmethod
    def _ids(comparison: Comparison) -> tuple[RunId | None, TurnId | None]:
        turn = comparison.chat.head_turn
        recorder = comparison.recorder
        if turn is None or recorder is None or recorder.run_id is None:
            return None, None
        return recorder.run_id, recorder.turn_ids.get(turn.key)

    def _ballot_key(self, comparison: Comparison | None) -> tuple[object, ...] | None:
        if comparison is None:
            return None
        answers = tuple((a.slot, a.attempt, a.state, comparison.response_id(a))
                        for a in comparison.answers())
        return (id(comparison), *self._ids(comparison), self.judged, comparison.running,
                answers, self.identity.slate)

    def _make_ballot(self, comparison: Comparison | None) -> Ballot | str:
        store = self._host.store
        if comparison is None:
            return "Send a prompt, or reopen a run, to judge it blind."
        if store is None:
            return NO_HISTORY
        if comparison.running:
            return WAITING
        run_id, turn_id = self._ids(comparison)
        if run_id is None or turn_id is None:
            return NOT_SAVED
        done = {a.slot: comparison.response_id(a) for a in comparison.answers()
                if a.state is ModelState.DONE and comparison.response_id(a) is not None}
        if len(done) < 2:
            return TOO_FEW
        try:
            turn = store.run(run_id).turn(turn_id)
        except (StoreError, KeyError) as exc:
            return f"Cannot read this run: {exc}"
        by_id = {r.id: r for r in turn.responses}
        slots = [s for s in self.identity.order(done) if by_id.get(ResponseId(done[s] or 0))]
        slate = self.identity.slate
        if slate is None or len(slots) < 2:
            return TOO_FEW
        return Ballot(tuple(by_id[ResponseId(done[s] or 0)] for s in slots),
                      tuple(slate.position_of(s) for s in slots), self.judged,
                      run_id, turn_id, labels=tuple(slate.label_of(s) for s in slots))

    def _show_stored_vote(self, ballot: Ballot) -> None:
        store = self._host.store
        if store is None or ballot.run_id is None:
            return
        try:
            votes = store.votes(VoteFilter(run_id=RunId(ballot.run_id),
                                           turn_id=TurnId(ballot.turn_id or 0),
                                           voter_kind="user", judged=ballot.judged))
        except StoreError:
            return
        for vote in reversed(votes):
            choice = ballot.choice_of(vote)
            if choice is not None:
                self.vote_id = vote.id
                self.identity.reveal()
                self.bar.show_voted(self._voted_text(ballot, choice))
                return

    # -- voting --------------------------------------------------------------------------

    def cast(self, choice: Choice) -> int | None:
        """Store the vote `choice` makes on the answers shown; the names are revealed."""
        ballot, store = self.ballot, self._host.store
        if ballot is None or store is None or self.vote_id is not None:
            return None
        try:
            self.vote_id = store.add_vote(ballot.vote(choice))
        except (StoreError, VoteError) as exc:
            self._host.statusBar().showMessage(f"The vote was not saved: {exc}", 8000)
            return None
        self.identity.reveal()
        self.bar.show_voted(self._voted_text(ballot, choice))
        self._host.statusBar().showMessage(
            f"Vote saved: {ballot.describe(choice)}. The names are shown; Undo vote "
            "takes it back.", 6000)
        self.votesChanged.emit()
        return self.vote_id

    def undo(self) -> bool:
        """Take the vote on this prompt back, and hide the names again."""
        store, vote_id = self._host.store, self.vote_id
        if store is None or vote_id is None:
            return False
        try:
            store.delete_vote(vote_id)
        except StoreError as exc:
            self._host.statusBar().showMessage(f"The vote was not taken back: {exc}", 8000)
            return False
        self.vote_id = None
        self.identity.reveal(False)
        self.bar.reopen(self._ask())
        self._host.statusBar().showMessage("Vote taken back.", 4000)
        self.votesChanged.emit()
        return True
