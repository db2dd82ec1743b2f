"""A comparison as a tree of turns: which model answered which prompt, on which branch.

The workspace keeps one `Thread` per comparison. Every model (a "slot", one pane) sees
the shared prompts of the branch and only its own answers. Regenerating adds an attempt to
a turn; editing an earlier prompt adds a sibling turn (a branch); the head names the branch
on screen. Nothing here knows about widgets or the database: the store mirrors a thread
(studio.store.threads) and can rebuild one from a saved run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from studio.core.attachments import Attachment
from studio.core.conversation import Exchange, thread_from_exchanges
from studio.core.events import ErrorKind, Failed
from studio.core.metrics import CHARS_PER_TOKEN, Metrics
from studio.core.request import ChatRequest
from studio.core.runner import ModelRun, ModelState, ModelTarget

HEAD: Literal["head"] = "head"


class Answer:
    """One attempt of one model at one turn.

    While its `ModelRun` streams, every figure is read from the run; a saved or finished
    answer keeps its own copy, so a reopened run needs no engine at all.
    """

    def __init__(self, slot: int, target: ModelTarget, attempt: int = 0, *,
                 state: ModelState = ModelState.WAITING, text: str = "", reasoning: str = "",
                 metrics: Metrics | None = None, error: Failed | None = None,
                 stop_reason: str | None = None) -> None:
        self.slot = slot
        self.target = target
        self.attempt = attempt
        self.run: ModelRun | None = None
        self._state = state
        self._text = text
        self._reasoning = reasoning
        self._metrics = metrics or Metrics()
        self._error = error
        self._stop_reason = stop_reason
        self._page: tuple[bool, str | None] | None = None  # (finished, page) of a saved text

    def bind(self, run: ModelRun) -> None:
        self.run = run

    def fail_unsent(self, message: str) -> None:
        """The request was never sent (e.g. the thread would overflow the context)."""
        self.run = None
        self._state = ModelState.FAILED
        self._error = Failed(ErrorKind.BAD_REQUEST, None, message)

    @property
    def refused_images(self) -> bool:
        """Not sent because the model is known not to take images ("Send anyway" may)."""
        return self.run is not None and self.run.refused_images

    @property
    def notes(self) -> tuple[str, ...]:
        """What was changed on the way out (an image scaled down to fit the provider)."""
        return tuple(self.run.notes) if self.run is not None else ()

    @property
    def state(self) -> ModelState:
        return self.run.state if self.run is not None else self._state

    @property
    def finished(self) -> bool:
        return self.state.finished

    @property
    def text(self) -> str:
        return self.run.text if self.run is not None else self._text

    @property
    def reasoning(self) -> str:
        return self.run.reasoning if self.run is not None else self._reasoning

    @property
    def metrics(self) -> Metrics:
        return self.run.metrics if self.run is not None else self._metrics

    @property
    def error(self) -> Failed | None:
        return self.run.error if self.run is not None else self._error

    @property
    def stop_reason(self) -> str | None:
        return self.run.stop_reason if self.run is not None else self._stop_reason

    @property
    def status_note(self) -> str:
        return self.run.status_note if self.run is not None else ""

    def html(self) -> str | None:
        from studio.core.extract import extract_html

        if self.run is not None:
            return self.run.html()  # cached there while the text does not change
        # A saved answer's text never changes; closing a cut-off page scans all of it.
        finished = self.finished
        if self._page is None or self._page[0] != finished:
            self._page = (finished, extract_html(self._text, finished=finished))
        return self._page[1]


def estimated_metrics(metrics: Metrics, text: str, reasoning: str) -> Metrics:
    """A saved answer's figures as the live pane showed them: when the provider reported no
    output tokens, the pane showed an estimate from the characters (see Stopwatch.fill)."""
    if metrics.output_tokens is not None or not (text or reasoning):
        return metrics
    chars = len(text) + len(reasoning)
    return replace(metrics, output_tokens=max(1, round(chars / CHARS_PER_TOKEN)),
                   output_estimated=True)


@dataclass(eq=False, slots=True)
class ThreadTurn:
    """A user prompt and every model's answers to it (each slot's attempts, oldest first)."""

    key: int
    parent: int | None
    prompt: str
    attempts: dict[int, list[Answer]] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()  # the files sent with the prompt, in order
    # Files for one model only (slot → files), after the shared ones: "show the model its
    # page" sends each model a screenshot of its own page under one shared prompt.
    own_attachments: dict[int, tuple[Attachment, ...]] = field(default_factory=dict)

    def files_for(self, slot: int) -> tuple[Attachment, ...]:
        """What `slot` was sent with this prompt: the shared files, then its own."""
        return self.attachments + self.own_attachments.get(slot, ())

    def answer(self, slot: int) -> Answer | None:
        found = self.attempts.get(slot)
        return found[-1] if found else None

    def add(self, answer: Answer) -> None:
        self.attempts.setdefault(answer.slot, []).append(answer)

    def asked(self, slot: int) -> bool:
        return bool(self.attempts.get(slot))


@dataclass(frozen=True, slots=True)
class TurnEntry:
    """What one pane shows for one turn of the branch on screen."""

    turn: ThreadTurn
    answer: Answer | None  # None: this model was not asked this prompt
    attempts: int
    branch: int  # 1-based position among the prompts that follow the same turn
    branches: int
    # The last prompt shown may have follow-ups that are not (a grid row judged as sent):
    # how many prompts its latest continuation holds.
    later: int = 0


@dataclass(frozen=True, slots=True)
class Totals:
    """A model's running total along a branch: what its answers cost so far."""

    answers: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    complete: bool  # every answer reported its token counts


def _counts(answer: Answer) -> bool:
    """An answer that produced something (a failure before the first token did not)."""
    if not answer.finished:
        return False
    m = answer.metrics
    return (answer.state is ModelState.DONE or bool(answer.text)
            or m.input_tokens is not None or m.output_tokens is not None)


def totals(entries: Sequence[TurnEntry]) -> Totals:
    answers = [e.answer for e in entries if e.answer is not None and _counts(e.answer)]
    tokens_in = tokens_out = 0
    cost: float | None = None
    complete = True
    for answer in answers:
        m = answer.metrics
        if m.input_tokens is None or m.output_tokens is None or m.output_estimated:
            complete = False
        tokens_in += m.input_tokens or 0
        tokens_out += m.output_tokens or 0
        if m.cost_usd is not None:
            cost = (cost or 0.0) + m.cost_usd
    return Totals(len(answers), tokens_in, tokens_out, cost, complete)


class Thread:
    def __init__(self, targets: Sequence[ModelTarget], system: str | None = None) -> None:
        self.models: list[ModelTarget] = list(targets)
        self.system = system
        self.turns: dict[int, ThreadTurn] = {}  # creation order
        self.head: int | None = None
        # (turn key, slot) → the attempt shown of a regenerated answer, where it is not the
        # latest one. Only what is shown: follow-ups always continue from the latest.
        self.shown_attempts: dict[tuple[int, int], int] = {}
        self._next_key = 1

    # -- structure -------------------------------------------------------------------

    def add_turn(self, prompt: str, parent: int | Literal["head"] | None = HEAD, *,
                 key: int | None = None,
                 attachments: tuple[Attachment, ...] = (),
                 own_attachments: dict[int, tuple[Attachment, ...]] | None = None
                 ) -> ThreadTurn:
        """A user prompt after `parent` ("head": the branch on screen); becomes the head."""
        parent_key = self.head if parent == HEAD else parent
        if parent_key is not None and parent_key not in self.turns:
            raise KeyError(f"no turn {parent_key}")
        if key is None:
            key = self._next_key
        elif key in self.turns:
            raise ValueError(f"turn {key} exists already")
        self._next_key = max(self._next_key, key + 1)
        turn = ThreadTurn(key, parent_key, prompt, attachments=tuple(attachments),
                          own_attachments={k: tuple(v) for k, v in
                                           (own_attachments or {}).items() if v})
        self.turns[key] = turn
        self.head = key
        return turn

    def add_model(self, target: ModelTarget) -> int:
        self.models.append(target)
        return len(self.models) - 1

    def turn(self, key: int) -> ThreadTurn:
        return self.turns[key]

    @property
    def head_turn(self) -> ThreadTurn | None:
        return self.turns[self.head] if self.head is not None else None

    @property
    def conversation(self) -> bool:
        """More than one prompt: panes show every prompt above its answers."""
        return len(self.turns) > 1

    def children(self, key: int | None) -> list[ThreadTurn]:
        return [t for t in self.turns.values() if t.parent == key]

    def siblings(self, key: int) -> list[ThreadTurn]:
        """The prompts that follow the same turn as `key` (itself included): its branches."""
        return self.children(self.turns[key].parent)

    def branch(self, leaf: int | None = None) -> list[ThreadTurn]:
        """The turns from the first to `leaf` (default: the head)."""
        current = self.head if leaf is None else leaf
        path: list[ThreadTurn] = []
        while current is not None:
            turn = self.turns[current]
            path.append(turn)
            current = turn.parent
        path.reverse()
        return path

    def latest_leaf(self, key: int) -> int:
        """Follow the most recent prompt below `key` to the end of its branch."""
        while True:
            below = self.children(key)
            if not below:
                return key
            key = below[-1].key

    def later(self, key: int) -> int:
        """How many prompts follow `key` on its latest continuation (hidden while `key` is
        the head)."""
        return len(self.branch(self.latest_leaf(key))) - len(self.branch(key))

    def switch_branch(self, key: int, step: int) -> int | None:
        """Show the branch `step` places away from the one `key` is on; returns the new head
        (None when there is no such branch)."""
        siblings = self.siblings(key)
        index = next(i for i, t in enumerate(siblings) if t.key == key) + step
        if not 0 <= index < len(siblings):
            return None
        self.head = self.latest_leaf(siblings[index].key)
        return self.head

    def set_head(self, key: int) -> None:
        if key not in self.turns:
            raise KeyError(f"no turn {key}")
        self.head = key

    # -- answers and requests ----------------------------------------------------------

    def ask(self, turn: ThreadTurn, slot: int) -> Answer:
        """A new (waiting) attempt of `slot` at `turn`; earlier attempts are kept, and the
        new one is the one shown."""
        attempt = len(turn.attempts.get(slot, ()))
        answer = Answer(slot, self.models[slot], attempt)
        turn.add(answer)
        self.shown_attempts.pop((turn.key, slot), None)
        return answer

    # -- attempts ---------------------------------------------------------------------

    def attempts(self, slot: int, key: int) -> list[Answer]:
        turn = self.turns.get(key)
        return list(turn.attempts.get(slot, ())) if turn is not None else []

    def shown_attempt(self, slot: int, key: int) -> int:
        """The attempt (0-based) of `slot`'s answer to turn `key` that is shown."""
        return self.shown_attempts.get((key, slot), len(self.attempts(slot, key)) - 1)

    def show_attempt(self, slot: int, key: int, step: int) -> bool:
        """Show the attempt `step` places away (-1: the one before); False when there is
        none, or while an attempt is still running."""
        return self.show_attempt_at(slot, key, self.shown_attempt(slot, key) + step)

    def show_attempt_at(self, slot: int, key: int, index: int) -> bool:
        """Show attempt `index` (0-based) of `slot`'s answer to turn `key`; False when there
        is none, or while an attempt is still running."""
        attempts = self.attempts(slot, key)
        if any(not a.finished for a in attempts) or not 0 <= index < len(attempts):
            return False
        if index == len(attempts) - 1:
            self.shown_attempts.pop((key, slot), None)
        else:
            self.shown_attempts[(key, slot)] = index
        return True

    def shown_answer(self, turn: ThreadTurn, slot: int) -> Answer | None:
        attempts = turn.attempts.get(slot)
        if not attempts:
            return None
        index = self.shown_attempts.get((turn.key, slot))
        return attempts[index] if index is not None and 0 <= index < len(attempts) \
            else attempts[-1]

    def shown_entries(self, slot: int) -> list[TurnEntry]:
        """`entries`, with each answer as shown (an earlier attempt where one was chosen)."""
        return [replace(e, answer=self.shown_answer(e.turn, slot)) if e.answer is not None
                else e for e in self.entries(slot)]

    def shown_answers(self) -> list[Answer]:
        """Each model's answer to the head turn as shown, by slot (models not asked left
        out)."""
        turn = self.head_turn
        if turn is None:
            return []
        found = (self.shown_answer(turn, slot) for slot in range(len(self.models)))
        return [a for a in found if a is not None]

    def history(self, slot: int, upto: int | None) -> list[Exchange]:
        """(prompt, its files, this model's current answer or None) from the first turn to
        `upto`."""
        if upto is None:
            return []
        exchanges: list[Exchange] = []
        for turn in self.branch(upto):
            answer = turn.answer(slot)
            exchanges.append((turn.prompt, turn.files_for(slot),
                              answer.text if answer is not None else None))
        return exchanges

    def request(self, slot: int, turn: ThreadTurn) -> ChatRequest:
        """What `slot` is sent for `turn`: its own thread up to the turn's parent (with the
        files of every earlier prompt), then the turn's prompt and files. Reasoning is never
        part of it."""
        target = self.models[slot]
        messages = thread_from_exchanges(self.history(slot, turn.parent), turn.prompt,
                                         turn.files_for(slot))
        return ChatRequest(target.ref.model, messages, self.system, target.settings)

    def entries(self, slot: int, leaf: int | None = None) -> list[TurnEntry]:
        result = []
        for turn in self.branch(leaf):
            siblings = self.siblings(turn.key)
            position = next(i for i, t in enumerate(siblings) if t.key == turn.key)
            result.append(TurnEntry(turn, turn.answer(slot), len(turn.attempts.get(slot, ())),
                                    position + 1, len(siblings)))
        if result:
            result[-1] = replace(result[-1], later=self.later(result[-1].turn.key))
        return result

    def current_answers(self) -> list[Answer]:
        """Each model's latest answer to the head turn, by slot (models not asked left out)."""
        turn = self.head_turn
        if turn is None:
            return []
        found = (turn.answer(slot) for slot in range(len(self.models)))
        return [a for a in found if a is not None]

    def asked_in_head(self, slot: int) -> bool:
        turn = self.head_turn
        return turn is not None and turn.asked(slot)
