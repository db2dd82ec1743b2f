"""One run of the battle queue in the Arena window: battles shown one after another, your
votes, and the judge model's.

The session plans the battles, prepares each one's answers (the next one while you judge
this one), stores your vote (`cast`), takes it back (`undo`), and moves on (`next`, `skip`).
With a judge model, the judge votes on every battle shown — the same blind pair, with the
pages' screenshots when the pages are judged — and its vote is stored apart from yours
(voter = the judge). Every task is kept and cancelled by `shutdown`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.core.arena import VoteError
from studio.core.arena_judge import JudgeError, JudgeInput, JudgeVerdict, judge_pair
from studio.core.runner import ModelTarget
from studio.store import Store, StoreError
from studio.ui.arena.ballot import Choice
from studio.ui.arena.battle_queue import BattleQueue, ReadyBattle

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JudgeOutcome:
    verdict: JudgeVerdict | None
    error: str = ""
    vote_id: int | None = None


class BattleSession(QObject):
    planned = Signal(int)  # how many battles were planned
    preparing = Signal(int)  # battle number whose answers are being found or asked for
    ready = Signal(object)  # the ReadyBattle now shown
    voted = Signal(int, object)  # battle number, Choice (stored) or None (taken back)
    judged = Signal(int, object)  # battle number, JudgeOutcome
    progressed = Signal()
    finished = Signal()  # past the last battle
    failed = Signal(str)  # the queue cannot go on (nothing to plan, the store refused)

    def __init__(self, queue: BattleQueue, count: int, *, seed: int = 0,
                 judge: ModelTarget | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.count = count
        self.seed = seed
        self.judge = judge
        self.current: ReadyBattle | None = None
        self.votes: dict[int, int] = {}  # battle number → your vote's id
        self.choices: dict[int, Choice] = {}
        self.skipped: set[int] = set()
        self.verdicts: dict[int, JudgeOutcome] = {}
        self.done = False
        self._prepared: dict[int, asyncio.Task[ReadyBattle]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._judging: dict[int, asyncio.Task[None]] = {}

    @property
    def store(self) -> Store:
        return self.queue.store

    @property
    def total(self) -> int:
        return len(self.queue.planned)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._report)
        return task

    def _report(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("the battle queue failed", exc_info=exc)
            self.failed.emit(f"The battle queue stopped: {exc}")

    # -- going through the battles -------------------------------------------------------

    def start(self) -> None:
        self._spawn(self._start())

    async def _start(self) -> None:
        planned = await self.queue.plan(self.count, seed=self.seed)
        if not planned:
            self.failed.emit("Nothing to judge: choose a collection with prompts and at "
                             "least two models.")
            return
        self.planned.emit(len(planned))
        await self._show(1)

    def _prepare(self, number: int) -> asyncio.Task[ReadyBattle]:
        task = self._prepared.get(number)
        if task is None:
            task = self._spawn(self.queue.prepare(number))
            self._prepared[number] = task
        return task

    async def _show(self, number: int) -> None:
        if number > self.total:
            self.current = None
            self.done = True
            self.finished.emit()
            self.progressed.emit()
            return
        task = self._prepare(number)
        if not task.done():
            self.preparing.emit(number)
        battle = await asyncio.shield(task)
        if number < self.total:
            self._prepare(number + 1)  # the next battle's answers, while this one is judged
        self.current = battle
        self.ready.emit(battle)
        self.progressed.emit()

    def next(self) -> None:
        """Go on to the next battle (the current one voted on or skipped)."""
        current = self.current
        if current is None or self.done:
            return
        if current.number not in self.votes:
            self.skipped.add(current.number)
        self.current = None
        self._spawn(self._show(current.number + 1))

    def skip(self) -> None:
        if self.current is not None and self.current.number not in self.votes:
            self.next()

    # -- your votes ----------------------------------------------------------------------

    def cast(self, choice: Choice) -> int | None:
        """Store your vote on the battle shown; its id (None when refused)."""
        battle = self.current
        if battle is None or battle.ballot is None or battle.number in self.votes:
            return None
        try:
            vote_id = self.store.add_vote(battle.ballot.vote(choice))
        except (StoreError, VoteError) as exc:
            self.failed.emit(f"The vote was not saved: {exc}")
            return None
        self.votes[battle.number] = vote_id
        self.choices[battle.number] = choice
        self.skipped.discard(battle.number)
        self.voted.emit(battle.number, choice)
        self.progressed.emit()
        return vote_id

    def undo(self) -> bool:
        battle = self.current
        if battle is None or battle.number not in self.votes:
            return False
        try:
            self.store.delete_vote(self.votes[battle.number])
        except StoreError as exc:
            self.failed.emit(f"The vote was not taken back: {exc}")
            return False
        del self.votes[battle.number]
        self.choices.pop(battle.number, None)
        self.voted.emit(battle.number, None)
        self.progressed.emit()
        return True

    # -- the judge model -----------------------------------------------------------------

    def ask_judge(self, battle: ReadyBattle,
                  screenshots: tuple[bytes | None, bytes | None] | None = None) -> bool:
        """Let the judge vote on `battle` (once); False without a judge or a ballot."""
        judge, ballot = self.judge, battle.ballot
        if judge is None or ballot is None or battle.number in self._judging:
            return False
        first, second = ballot.responses
        item = JudgeInput(battle.prompt.text, (first.text, second.text), ballot.judged,
                          (first.latest_html, second.latest_html)
                          if ballot.judged == "pages" else None,
                          battle.prompt.system, screenshots)
        self._judging[battle.number] = self._spawn(self._judge(battle, judge, item))
        return True

    async def _judge(self, battle: ReadyBattle, judge: ModelTarget, item: JudgeInput) -> None:
        ballot = battle.ballot
        assert ballot is not None
        try:
            verdict = await judge_pair(self.queue.engine, judge, item)
        except JudgeError as exc:
            outcome = JudgeOutcome(None, str(exc))
        else:
            try:
                vote_id: int | None = self.store.add_vote(ballot.vote(
                    Choice.pair(verdict.winner), voter_kind="judge", voter=str(judge.ref),
                    reason=verdict.reason))
                outcome = JudgeOutcome(verdict, "", vote_id)
            except (StoreError, VoteError) as exc:
                outcome = JudgeOutcome(verdict, f"its vote was not saved: {exc}")
        self.verdicts[battle.number] = outcome
        self.judged.emit(battle.number, outcome)
        self.progressed.emit()

    # -- the end -------------------------------------------------------------------------

    async def shutdown(self) -> None:
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.queue.aclose()

    def summary(self) -> str:
        """The progress line."""
        parts = []
        if self.current is not None:
            parts.append(f"Battle {self.current.number} of {self.total}")
        elif self.done:
            parts.append(f"All {self.total} battles seen")
        parts.append(f"{len(self.votes)} voted")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        q = self.queue
        if q.asked or q.reused:
            parts.append(f"{q.asked} answers asked for, {q.reused} reused")
        if self.judge is not None:
            agreed = sum(1 for n, o in self.verdicts.items()
                         if o.verdict is not None and n in self.choices
                         and self.choices[n].winner == o.verdict.winner)
            both = sum(1 for n, o in self.verdicts.items()
                       if o.verdict is not None and n in self.choices)
            parts.append(f"judge: {len(self.verdicts)} verdicts"
                         + (f", agreed with you on {agreed} of {both}" if both else ""))
        return " · ".join(parts)
