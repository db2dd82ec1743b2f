"""What the store hands out and takes in: plain frozen dataclasses, no database handles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NewType, cast

from studio.core import constants
from studio.core.model_sets import ModelSetEntry

if TYPE_CHECKING:
    from studio.core.runner import ModelRun

CollectionId = NewType("CollectionId", int)
PromptId = NewType("PromptId", int)
ModelSetId = NewType("ModelSetId", int)
RunId = NewType("RunId", int)
TurnId = NewType("TurnId", int)
ResponseId = NewType("ResponseId", int)
TrashId = NewType("TrashId", int)

ResponseState = Literal["waiting", "streaming", "done", "failed", "cancelled"]
RESPONSE_STATES: tuple[ResponseState, ...] = ("waiting", "streaming", "done", "failed",
                                              "cancelled")


@dataclass(frozen=True, slots=True)
class Collection:
    id: CollectionId
    uuid: str
    name: str
    parent_id: CollectionId | None
    position: int
    prompt_count: int
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Prompt:
    id: PromptId
    uuid: str
    collection_id: CollectionId
    title: str
    body: str
    system: str | None
    variables: Mapping[str, str]
    notes: str
    tags: tuple[str, ...]
    model_set_id: ModelSetId | None
    position: int
    created_at: float
    updated_at: float
    attachments: tuple[AttachmentRef, ...] = ()  # files that go with the prompt when run


@dataclass(frozen=True, slots=True)
class ModelSet:
    id: ModelSetId
    uuid: str
    name: str
    items: tuple[ModelSetEntry, ...]
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class ResponseData:
    """One model's answer as it is written: finished, failed, or partial while streaming."""

    model: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""
    reasoning: str = ""
    state: ResponseState = "done"
    stop_reason: str | None = None
    error_kind: str | None = None
    error_status: int | None = None
    error_message: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    ttft_s: float | None = None
    total_s: float | None = None
    tokens_per_s: float | None = None
    cost_usd: float | None = None
    html: str | None = None  # the extracted page; becomes page revision 0
    cached_input_tokens: int | None = None  # parts of input_tokens: cache reads
    cache_write_tokens: int | None = None  # and cache writes

    @classmethod
    def from_model_run(cls, run: ModelRun, *, with_html: bool = True) -> ResponseData:
        """Snapshot of the engine's per-model state (call it when the model finishes)."""
        metrics = run.metrics
        error = run.error
        state = str(run.state)
        return cls(
            model=str(run.target.ref),
            settings=run.target.settings.to_dict(),
            text=run.text,
            reasoning=run.reasoning,
            state=state if state in RESPONSE_STATES else "failed",
            stop_reason=run.stop_reason,
            error_kind=str(error.kind) if error else None,
            error_status=error.status if error else None,
            error_message=error.message if error else None,
            input_tokens=metrics.input_tokens,
            output_tokens=metrics.output_tokens,
            ttft_s=metrics.ttft_s,
            total_s=metrics.total_s,
            tokens_per_s=metrics.tokens_per_s,
            cost_usd=metrics.cost_usd,
            html=run.html() if with_html else None,
            cached_input_tokens=metrics.cached_input_tokens,
            cache_write_tokens=metrics.cache_write_tokens,
        )


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    kind: str
    status: int | None
    message: str


@dataclass(frozen=True, slots=True)
class PageRevision:
    response_id: ResponseId
    revision: int
    html: str
    note: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Response:
    id: ResponseId
    run_id: RunId
    turn_id: TurnId
    slot: int
    attempt: int
    model: str
    settings: Mapping[str, Any]
    text: str
    reasoning: str
    state: ResponseState
    stop_reason: str | None
    error: ErrorInfo | None
    input_tokens: int | None
    output_tokens: int | None
    ttft_s: float | None
    total_s: float | None
    tokens_per_s: float | None
    cost_usd: float | None
    rating: int | None
    rating_note: str
    pages: tuple[PageRevision, ...]  # revision 0 (extracted) first, then the user's edits
    screenshot_revisions: tuple[int, ...]  # load the PNGs with Store.screenshot()
    created_at: float
    updated_at: float
    cached_input_tokens: int | None = None  # parts of input_tokens: cache reads
    cache_write_tokens: int | None = None  # and cache writes

    @property
    def html(self) -> str | None:
        """The page as extracted from the answer (revision 0)."""
        return self.pages[0].html if self.pages and self.pages[0].revision == 0 else None

    @property
    def latest_html(self) -> str | None:
        return self.pages[-1].html if self.pages else None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """A stored attachment without its bytes (Store.attachments() loads them)."""

    name: str
    media_type: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "media_type": self.media_type, "sha256": self.sha256,
                "bytes": self.size}


@dataclass(frozen=True, slots=True)
class Turn:
    id: TurnId
    run_id: RunId
    parent_id: TurnId | None
    depth: int
    prompt: str
    created_at: float
    responses: tuple[Response, ...]  # every attempt, by slot then attempt
    attachments: tuple[AttachmentRef, ...] = ()  # the files sent with the prompt, in order
    # files sent to one model only (slot → files), after the shared ones
    own_attachments: Mapping[int, tuple[AttachmentRef, ...]] = field(default_factory=dict)

    def files_for(self, slot: int) -> tuple[AttachmentRef, ...]:
        return self.attachments + tuple(self.own_attachments.get(slot, ()))

    def current(self, slot: int) -> Response | None:
        """The latest attempt of one model (slot), or None if it was not asked."""
        found = None
        for response in self.responses:
            if response.slot == slot:
                found = response
        return found

    def current_responses(self) -> list[Response]:
        latest: dict[int, Response] = {}
        for response in self.responses:
            latest[response.slot] = response
        return [latest[s] for s in sorted(latest)]

    def attempts(self, slot: int) -> list[Response]:
        return [r for r in self.responses if r.slot == slot]


@dataclass(frozen=True, slots=True)
class Run:
    """A whole comparison: its prompt snapshot, its models (slots) and its tree of turns."""

    id: RunId
    uuid: str
    created_at: float
    updated_at: float
    title: str
    body: str
    system: str | None
    variables: Mapping[str, str]
    collection_id: CollectionId | None
    prompt_id: PromptId | None
    model_set_name: str | None
    models: tuple[ModelSetEntry, ...]  # index = slot
    turns: tuple[Turn, ...]  # in creation order
    head_turn_id: TurnId | None

    def turn(self, turn_id: TurnId) -> Turn:
        for turn in self.turns:
            if turn.id == turn_id:
                return turn
        raise KeyError(turn_id)

    def children(self, turn_id: TurnId | None) -> list[Turn]:
        """Turns that follow `turn_id` (None: the first turns); several means a branch."""
        return [t for t in self.turns if t.parent_id == turn_id]

    def leaves(self) -> list[Turn]:
        parents = {t.parent_id for t in self.turns}
        return [t for t in self.turns if t.id not in parents]

    def branch(self, leaf: TurnId | None = None) -> list[Turn]:
        """The turns from the first to `leaf` (default: the head the user last worked on)."""
        target = leaf if leaf is not None else self.head_turn_id
        if target is None:
            return []
        by_id = {t.id: t for t in self.turns}
        path: list[Turn] = []
        current: TurnId | None = target
        while current is not None:
            turn = by_id[current]
            path.append(turn)
            current = turn.parent_id
        path.reverse()
        return path

    def conversation(self, slot: int, leaf: TurnId | None = None) -> list[tuple[str, str | None]]:
        """(user prompt, this model's current answer or None) along a branch, oldest first."""
        pairs: list[tuple[str, str | None]] = []
        for turn in self.branch(leaf):
            response = turn.current(slot)
            pairs.append((turn.prompt, response.text if response is not None else None))
        return pairs


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: RunId
    uuid: str
    created_at: float
    title: str
    body: str
    collection_id: CollectionId | None
    collection_name: str | None
    models: tuple[str, ...]
    turn_count: int
    best_rating: int | None


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    model: str | None = None  # "provider:model"
    collection_id: CollectionId | None = None  # includes its sub-collections
    prompt_id: PromptId | None = None
    since: float | None = None  # UNIX seconds, inclusive
    until: float | None = None  # UNIX seconds, exclusive
    min_rating: int | None = None  # at least one answer rated this or higher


@dataclass(frozen=True, slots=True)
class VoteFilter:
    """Which arena votes a leaderboard (or an export) is made of; None means any."""

    collection_id: CollectionId | None = None  # includes its sub-collections
    tag: str | None = None  # votes on prompts with this tag
    voter_kind: Literal["user", "judge"] | None = None
    voter: str | None = None  # one judge model
    judged: Literal["answers", "pages"] | None = None
    since: float | None = None  # UNIX seconds, inclusive
    until: float | None = None  # UNIX seconds, exclusive
    run_id: RunId | None = None
    turn_id: TurnId | None = None
    prompt_id: PromptId | None = None


# A library prompt, a prompt sent in a run (a turn), an answer.
SearchKind = Literal["prompt", "turn", "response"]
SEARCH_KINDS = cast("tuple[SearchKind, ...]", constants.SEARCH_KINDS)


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: SearchKind
    title: str
    snippet: str  # matches wrapped in MARK_START … MARK_END
    prompt_id: PromptId | None = None
    collection_id: CollectionId | None = None
    run_id: RunId | None = None
    turn_id: TurnId | None = None
    response_id: ResponseId | None = None
    model: str | None = None

    def highlighted(self, start: str, end: str) -> str:
        from studio.store.search import MARK_END, MARK_START

        return self.snippet.replace(MARK_START, start).replace(MARK_END, end)


@dataclass(slots=True)
class ImportReport:
    collections_added: int = 0
    prompts_added: int = 0
    prompts_updated: int = 0
    prompts_unchanged: int = 0
    model_sets_added: int = 0
    model_sets_updated: int = 0
    runs_added: int = 0
    runs_skipped: int = 0
    votes_added: int = 0
    votes_skipped: int = 0
    collection_ids: list[CollectionId] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # parts of the file that were skipped

    def summary(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (f"{n(self.prompts_added, 'prompt')} added, {self.prompts_updated} updated, "
                f"{self.prompts_unchanged} unchanged; "
                f"{n(self.collections_added, 'collection')} created; "
                f"{n(self.model_sets_added + self.model_sets_updated, 'model set')} written; "
                f"{n(self.runs_added, 'run')} added, {self.runs_skipped} already present"
                + (f"; {n(self.votes_added, 'vote')} added, {self.votes_skipped} already "
                   "present" if self.votes_added or self.votes_skipped else ""))
