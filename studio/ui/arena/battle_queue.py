"""The battle queue's answers: which pairs to judge, and the two answers each one shows.

Pure Python and asyncio (no Qt): the Arena window drives it, tests run it headless.

The queue's prompts are a collection's (each with its variables' defaults) or a batch's rows;
its contestants are models with their settings. `plan` picks the battles with
`plan_battles` — pairs that met least and that the leaderboard is least sure of first — and
`prepare` finds the two answers a battle shows: a batch's own cell, else a saved answer to
the same prompt with the same settings (`Store.reusable_answer`), else it asks the models.
Every contestant a prompt still lacks is asked at once, in one new run saved to the
history as any comparison is, so the pairs of that prompt are answers of one run (a vote
then names its run, turn and slots). Answers found in different runs make a vote on the
prompt alone. At most `concurrency` streams are open at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from studio.core.arena import Judged, Vote, contestant
from studio.core.arena_board import leaderboard
from studio.core.arena_pairs import PlannedBattle, plan_battles
from studio.core.batch_limits import Limiter
from studio.core.events import ReasoningDelta, TextDelta
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget
from studio.core.thread import Answer, Thread
from studio.core.variables import fill_variables, find_variables
from studio.store import (
    CollectionId,
    PromptId,
    Response,
    RunId,
    Store,
    StoreError,
    TurnId,
    VoteFilter,
)
from studio.store.threads import ThreadRecorder
from studio.ui.arena.ballot import Ballot

log = logging.getLogger(__name__)

CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class Contestant:
    name: str  # as on the leaderboard: the model and its settings
    target: ModelTarget

    @classmethod
    def of(cls, target: ModelTarget) -> Contestant:
        return cls(contestant(str(target.ref), target.settings.to_dict()), target)


@dataclass(frozen=True, slots=True)
class QueuePrompt:
    key: int  # the prompt's id, or the batch row's index
    title: str
    template: str  # as written, with {{variables}}
    text: str  # as sent
    system: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    prompt_id: int | None = None
    collection_id: int | None = None
    reusable: bool = True  # saved answers to the prompt as it reads now may stand in
    # A batch row: the run and turn holding its answers, each contestant's slot there, and
    # each slot's answer in the grid (slot → response id: the attempt the grid compares).
    row_run: int | None = None
    row_turn: int | None = None
    row_slots: Mapping[str, int] = field(default_factory=dict)
    row_answers: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AnswerRef:
    run_id: int
    turn_id: int
    slot: int
    response_id: int | None = None  # that attempt; None: the slot's latest


@dataclass(frozen=True, slots=True)
class ReadyBattle:
    """A planned battle with its two answers found (or why it cannot be judged)."""

    number: int  # 1-based, in the queue
    prompt: QueuePrompt
    first: Contestant  # shown first: A
    second: Contestant
    ballot: Ballot | None
    problem: str = ""

    @property
    def contestants(self) -> tuple[Contestant, Contestant]:
        return self.first, self.second


class _Saver:
    """The engine's listener for one new run: each answer is saved the moment it ends."""

    def __init__(self, recorder: ThreadRecorder, turn_key: int, answers: list[Answer]) -> None:
        self._recorder = recorder
        self._turn_key = turn_key
        self._answers = answers

    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        pass

    def on_state(self, run: ModelRun) -> None:
        if run.state.finished:
            self._recorder.save(self._turn_key, self._answers[run.index])


class BattleQueue:
    def __init__(self, store: Store, engine: Engine, prompts: Sequence[QueuePrompt],
                 contestants: Sequence[Contestant], *, judged: Judged = "answers",
                 concurrency: int = CONCURRENCY) -> None:
        self.store = store
        self.engine = engine
        self.prompts = {p.key: p for p in prompts}
        self.contestants = {c.name: c for c in contestants}
        self.judged: Judged = judged
        self.limiter = Limiter(concurrency)
        self.planned: list[PlannedBattle[int]] = []
        self.asked = 0  # answers this queue asked models for
        self.reused = 0  # saved answers it showed instead
        self._answers: dict[tuple[int, str], AnswerRef] = {}
        self._failed: dict[tuple[int, str], str] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        self._closed = False

    # -- planning ------------------------------------------------------------------------

    def planning_votes(self) -> list[Vote]:
        """Your votes so far on these prompts, keyed by the queue's prompt keys."""
        collections = {p.collection_id for p in self.prompts.values()}
        collection = next(iter(collections)) if len(collections) == 1 else None
        votes = self.store.votes(VoteFilter(
            collection_id=CollectionId(collection) if collection is not None else None,
            voter_kind="user"))
        rows = {p.row_turn: p.key for p in self.prompts.values() if p.row_turn is not None}
        if not rows:
            return [v for v in votes if v.prompt_id in self.prompts]
        return [replace(v, prompt_id=rows[v.turn_id]) for v in votes if v.turn_id in rows]

    async def plan(self, count: int, *, seed: int = 0) -> list[PlannedBattle[int]]:
        """Up to `count` battles; the leaderboard of the votes so far is fitted off the
        event loop's thread."""
        votes = self.planning_votes()
        board = await asyncio.to_thread(leaderboard, votes) if votes else None
        self.planned = plan_battles(list(self.prompts), list(self.contestants), count,
                                    votes=votes, board=board, seed=seed)
        return self.planned

    # -- answers -------------------------------------------------------------------------

    async def prepare(self, number: int) -> ReadyBattle:
        """Battle `number` (1-based) of the plan, with its two answers."""
        planned = self.planned[number - 1]
        prompt = self.prompts[planned.prompt]
        first, second = self.contestants[planned.first], self.contestants[planned.second]
        missing = [c for c in (first, second) if not self._find(prompt, c)]
        if missing:
            await self._answer(prompt)
        problems = [self._failed[(prompt.key, c.name)] for c in (first, second)
                    if (prompt.key, c.name) in self._failed]
        if problems:
            return ReadyBattle(number, prompt, first, second, None,
                               "One of the two answers failed, so this pair cannot be judged: "
                               + problems[0])
        refs = (self._answers[(prompt.key, first.name)],
                self._answers[(prompt.key, second.name)])
        try:
            responses = tuple(self._response(ref) for ref in refs)
        except (StoreError, KeyError) as exc:
            return ReadyBattle(number, prompt, first, second, None,
                               f"The saved answers cannot be read: {exc}")
        same = refs[0].run_id == refs[1].run_id and refs[0].turn_id == refs[1].turn_id
        ballot = Ballot(responses, (0, 1), self.judged,
                        refs[0].run_id if same else None, refs[0].turn_id if same else None,
                        prompt.prompt_id)
        return ReadyBattle(number, prompt, first, second, ballot)

    def _response(self, ref: AnswerRef) -> Response:
        response = self._answer_of(ref)
        if response is None:
            raise KeyError(f"run {ref.run_id} has no answer in slot {ref.slot}")
        return response

    def _answer_of(self, ref: AnswerRef) -> Response | None:
        turn = self.store.run(RunId(ref.run_id)).turn(TurnId(ref.turn_id))
        if ref.response_id is None:
            return turn.current(ref.slot)
        return next((r for r in turn.responses if r.id == ref.response_id), None)

    def _find(self, prompt: QueuePrompt, who: Contestant) -> bool:
        """Whether the answer of `who` to `prompt` is known (found now, if saved)."""
        key = (prompt.key, who.name)
        if key in self._answers or key in self._failed:
            return True
        found = self._saved(prompt, who)
        if found is not None:
            self._answers[key] = found
            self.reused += 1
        return found is not None

    def _saved(self, prompt: QueuePrompt, who: Contestant) -> AnswerRef | None:
        try:
            slot = prompt.row_slots.get(who.name)
            if prompt.row_run is not None and prompt.row_turn is not None and slot is not None:
                ref = AnswerRef(prompt.row_run, prompt.row_turn, slot,
                                prompt.row_answers.get(slot))
                response = self._answer_of(ref)
                if response is not None and response.state == "done":
                    return ref
            if prompt.reusable and prompt.prompt_id is not None:
                found = self.store.reusable_answer(PromptId(prompt.prompt_id),
                                                   str(who.target.ref),
                                                   who.target.settings.to_dict())
                if found is not None:
                    return AnswerRef(*found)
        except (StoreError, KeyError) as exc:
            log.warning("cannot look up a saved answer: %s", exc)
        return None

    async def _answer(self, prompt: QueuePrompt) -> None:
        """Ask every contestant the plan needs on `prompt` and that has no answer yet, in
        one run (one task per prompt: a second battle on it waits for the same)."""
        task = self._running.get(prompt.key)
        if task is None or (task.done() and self._lacking(prompt)):
            task = asyncio.ensure_future(self._run(prompt, self._lacking(prompt)))
            self._running[prompt.key] = task
        await asyncio.shield(task)

    def _lacking(self, prompt: QueuePrompt) -> list[Contestant]:
        names = dict.fromkeys(n for b in self.planned if b.prompt == prompt.key
                              for n in (b.first, b.second))
        return [self.contestants[n] for n in names
                if not self._find(prompt, self.contestants[n])]

    async def _run(self, prompt: QueuePrompt, who: list[Contestant]) -> None:
        if not who or self._closed:
            return
        thread = Thread([c.target for c in who], prompt.system)
        turn = thread.add_turn(prompt.text, None)
        answers = [thread.ask(turn, slot) for slot in range(len(who))]
        recorder = ThreadRecorder(self.store)
        recorder.start(thread, turn, template=prompt.template, variables=prompt.variables,
                       title=prompt.title,
                       collection_id=(CollectionId(prompt.collection_id)
                                      if prompt.collection_id is not None else None),
                       prompt_id=(PromptId(prompt.prompt_id)
                                  if prompt.prompt_id is not None else None))
        run_id, turn_id = recorder.run_id, recorder.turn_ids.get(turn.key)
        if run_id is None or turn_id is None:
            why = recorder.warning or "the history refused the run"
            for c in who:
                self._failed[(prompt.key, c.name)] = why
            return
        session = self.engine.start(
            [(c.target, thread.request(slot, turn)) for slot, c in enumerate(who)],
            _Saver(recorder, turn.key, answers), admission=self.limiter)
        for answer, run in zip(answers, session.runs, strict=True):
            answer.bind(run)
        self.asked += len(who)
        await session.finish()
        for slot, (c, answer) in enumerate(zip(who, answers, strict=True)):
            if answer.state is ModelState.DONE:
                self._answers[(prompt.key, c.name)] = AnswerRef(run_id, turn_id, slot)
            else:
                error = answer.error
                self._failed[(prompt.key, c.name)] = (
                    f"{error.kind.value}" if error is not None else str(answer.state))

    @property
    def busy(self) -> bool:
        return any(not t.done() for t in self._running.values())

    async def aclose(self) -> None:
        """Stop every answer being asked for, and wait for them to end."""
        self._closed = True
        tasks = [t for t in self._running.values() if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


# -- where a queue's prompts come from -----------------------------------------------------


def collection_prompts(store: Store, collection_id: int) -> tuple[list[QueuePrompt], list[str]]:
    """The collection's prompts (with its sub-collections), each with its variables'
    defaults; and a note for each prompt left out (a variable without a default)."""
    prompts, notes = [], []
    for p in store.prompts(CollectionId(collection_id), recursive=True):
        missing = [n for n in find_variables(p.body) if n not in p.variables]
        if missing:
            notes.append(f"“{p.title}” is left out: {{{{{missing[0]}}}}} has no default value")
            continue
        prompts.append(QueuePrompt(int(p.id), p.title, p.body,
                                   fill_variables(p.body, dict(p.variables)), p.system,
                                   dict(p.variables), int(p.id), int(p.collection_id)))
    return prompts, notes


def batch_prompts(store: Store, batch_id: int,
                  target_for: Callable[[ModelSetEntry], ModelTarget]
                  ) -> tuple[list[QueuePrompt], list[Contestant]]:
    """A batch's rows as prompts (each row's answers are its own run's: the attempts its
    cells hold), and its columns as the contestants."""
    batch = store.batch_store().load(batch_id)
    contestants = [Contestant.of(target_for(entry)) for entry in batch.columns]
    slots = {c.name: col for col, c in enumerate(contestants)}
    prompts = [QueuePrompt(n, row.label, row.template, row.prompt, row.system,
                           dict(row.variables), row.prompt_id, batch.collection_id,
                           reusable=row.variable_row is None, row_run=row.run_id,
                           row_turn=row.turn_id, row_slots=slots,
                           row_answers={c.col: c.response_id for c in batch.row_cells(n)
                                        if c.response_id is not None})
               for n, row in enumerate(batch.rows)]
    return prompts, contestants
