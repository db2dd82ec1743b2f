"""A workspace thread and the store: saving it as it happens, and rebuilding it from a run.

`ThreadRecorder` mirrors every step of a `studio.core.thread.Thread` (first prompt,
follow-ups, branches, regenerated answers, models joining) into the database the moment it
happens, so a crash loses at most the text streamed since the last progress save. When
the store fails, saving stops with a message and the comparison goes on without it.
`thread_from_run` is the way back: a saved run as the workspace showed it, without any
request to a provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from studio.core.attachments import Attachment
from studio.core.events import ErrorKind, Failed
from studio.core.metrics import Metrics
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import ModelState, ModelTarget
from studio.core.thread import Answer, Thread, ThreadTurn, estimated_metrics
from studio.store.errors import StoreError
from studio.store.models import (
    AttachmentRef,
    CollectionId,
    PromptId,
    Response,
    ResponseData,
    ResponseId,
    ResponseState,
    Run,
    RunId,
    TurnId,
)
from studio.store.store import Store

# An answer without an engine run cannot still be streaming: it was cut off.
_SAVED_STATE: dict[ModelState, ResponseState] = {
    ModelState.WAITING: "waiting", ModelState.STREAMING: "cancelled",
    ModelState.DONE: "done", ModelState.FAILED: "failed", ModelState.CANCELLED: "cancelled"}
INTERRUPTED = "interrupted: the studio closed before this answer was complete"
TITLE_LENGTH = 80


def default_title(template: str) -> str:
    """A run's title when none is given: the first line of its prompt."""
    lines = template.strip().splitlines()
    return lines[0][:TITLE_LENGTH] if lines else ""


def entry_of(target: ModelTarget) -> ModelSetEntry:
    return ModelSetEntry(target.ref, target.settings)


def response_data(answer: Answer) -> ResponseData:
    """What is saved for an answer: the engine's snapshot while it has one, else its copy."""
    if answer.run is not None:
        return ResponseData.from_model_run(answer.run)
    m = answer.metrics
    error = answer.error
    return ResponseData(
        model=str(answer.target.ref), settings=answer.target.settings.to_dict(),
        text=answer.text, reasoning=answer.reasoning, state=_SAVED_STATE[answer.state],
        stop_reason=answer.stop_reason,
        error_kind=error.kind.value if error else None,
        error_status=error.status if error else None,
        error_message=error.message if error else None,
        input_tokens=m.input_tokens, output_tokens=None if m.output_estimated else m.output_tokens,
        ttft_s=m.ttft_s, total_s=m.total_s, tokens_per_s=m.tokens_per_s, cost_usd=m.cost_usd,
        html=answer.html() if answer.text else None,
        cached_input_tokens=m.cached_input_tokens, cache_write_tokens=m.cache_write_tokens)


# -- reading a run back -------------------------------------------------------------------

def _error_of(response: Response, state: ModelState) -> Failed | None:
    if response.error is not None:
        try:
            kind = ErrorKind(response.error.kind)
        except ValueError:
            kind = ErrorKind.PROTOCOL
        return Failed(kind, response.error.status, response.error.message)
    if state is ModelState.CANCELLED:
        return Failed(ErrorKind.CANCELLED, None, INTERRUPTED)
    return None


def answer_of(response: Response, target: ModelTarget) -> Answer:
    """A saved answer as the pane showed it. One that was still waiting or streaming when
    the studio stopped is shown as cancelled, with the text that had arrived."""
    state = ModelState(response.state)
    if not state.finished:
        state = ModelState.CANCELLED
    metrics = Metrics(ttft_s=response.ttft_s, total_s=response.total_s,
                      tokens_per_s=response.tokens_per_s, input_tokens=response.input_tokens,
                      output_tokens=response.output_tokens, cost_usd=response.cost_usd,
                      cached_input_tokens=response.cached_input_tokens,
                      cache_write_tokens=response.cache_write_tokens)
    return Answer(response.slot, target, response.attempt, state=state, text=response.text,
                  reasoning=response.reasoning,
                  metrics=estimated_metrics(metrics, response.text, response.reasoning),
                  error=_error_of(response, state), stop_reason=response.stop_reason)


def thread_from_run(run: Run, target_for: Callable[[ModelSetEntry], ModelTarget],
                    files: Callable[[tuple[AttachmentRef, ...]], tuple[Attachment, ...]]
                    | None = None) -> Thread:
    """The run's models, turns (keyed by their TurnId) with their files (read through
    `files`, e.g. Store.attachments; None leaves them out), attempts and head."""
    targets = [target_for(entry) for entry in run.models]
    thread = Thread(targets, run.system)
    for turn in run.turns:  # in creation order: a parent always comes before its children
        attached = files(turn.attachments) if files is not None and turn.attachments else ()
        own = ({slot: files(tuple(refs)) for slot, refs in turn.own_attachments.items()}
               if files is not None else {})
        new = thread.add_turn(turn.prompt, turn.parent_id, key=int(turn.id),
                              attachments=attached, own_attachments=own)
        for response in turn.responses:  # by slot, then attempt
            new.add(answer_of(response, targets[response.slot]))
    if run.head_turn_id is not None:
        thread.set_head(int(run.head_turn_id))
    return thread


def response_ids(run: Run) -> dict[tuple[int, int, int], ResponseId]:
    return {(int(r.turn_id), r.slot, r.attempt): r.id for t in run.turns for r in t.responses}


# -- writing as it happens ----------------------------------------------------------------

class ThreadRecorder:
    """Saves one thread into one run. Every method swallows StoreError: the first failure
    sets `warning` and stops all further saving (the answers still reach the user).

    With `background`, every write goes to the store's writer thread, in the order asked
    for (a late progress save can never overwrite a final one); the writes whose ids are
    needed at once (the run, a turn, a new attempt) wait for it. `on_written` is called on
    that thread after each write, and `flush()` waits for them all."""

    def __init__(self, store: Store, run_id: RunId | None = None, *,
                 turn_ids: Mapping[int, TurnId] | None = None,
                 responses: Mapping[tuple[int, int, int], ResponseId] | None = None,
                 background: bool = False) -> None:
        self._store: Store | None = store
        self._writer = store.writer() if background else None
        self.run_id = run_id
        self.turn_ids: dict[int, TurnId] = dict(turn_ids or {})
        self.response_ids: dict[tuple[int, int, int], ResponseId] = dict(responses or {})
        # Answers whose save was asked for: their ids come once the writer has run it.
        self._saving: set[tuple[int, int, int]] = set()
        self.warning: str | None = None
        self.on_written: Callable[[], None] | None = None

    @classmethod
    def for_run(cls, store: Store, run: Run, *, background: bool = False) -> ThreadRecorder:
        """Carry on saving a reopened run (its turns keep their ids as thread keys)."""
        return cls(store, run.id, turn_ids={int(t.id): t.id for t in run.turns},
                   responses=response_ids(run), background=background)

    @property
    def active(self) -> bool:
        return self._store is not None and self.run_id is not None

    @property
    def pending(self) -> bool:
        """Writes asked for and not yet committed."""
        return self._writer is not None and self._writer.pending > 0

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def response_id(self, key: tuple[int, int, int]) -> ResponseId | None:
        """The id of a (turn key, slot, attempt) answer, once its save is committed (waiting
        for the writer only when that save was asked for and has not run yet)."""
        if key not in self.response_ids and key in self._saving:
            self.flush()
        return self.response_ids.get(key)

    def _fail(self, exc: StoreError) -> None:
        self.warning = f"History is not being saved: {exc}"
        self._store = None

    def _do(self, write: Callable[[Store], None], *, wait: bool = False) -> None:
        """Run `write` on the store here, or on the writer thread after earlier writes."""
        store, writer = self._store, self._writer
        if store is None:
            return
        if writer is None:
            try:
                write(store)
            except StoreError as exc:
                self._fail(exc)
            return

        def job(own: Store | None) -> None:
            try:
                if self._store is None:
                    return  # an earlier write failed: saving has stopped
                if own is None:
                    raise writer.open_error or StoreError("the database could not be opened")
                write(own)
            except StoreError as exc:
                self._fail(exc)
            finally:
                written = self.on_written
                if written is not None:
                    written()

        writer.submit(job, wait=wait)

    def start(self, thread: Thread, turn: ThreadTurn, *, template: str,
              variables: Mapping[str, str] | None = None, title: str = "",
              collection_id: CollectionId | None = None,
              prompt_id: PromptId | None = None) -> RunId | None:
        """The run and its first turn, in one commit, when the prompt is sent."""
        def write(store: Store) -> None:
            with store.transaction():
                run_id = store.start_run(
                    body=template, models=[entry_of(t) for t in thread.models],
                    title=title or default_title(template), system=thread.system,
                    variables=variables, collection_id=collection_id, prompt_id=prompt_id)
                turn_id = store.add_turn(
                    run_id, turn.prompt, parent=None, slots=sorted(turn.attempts),
                    attachments=turn.attachments, own_attachments=turn.own_attachments)
            self.run_id = run_id
            self.turn_ids[turn.key] = turn_id

        self._do(write, wait=True)
        return self.run_id if self._store is not None else None

    def add_turn(self, turn: ThreadTurn) -> None:
        run_id = self.run_id
        if run_id is None:
            return
        parent = self.turn_ids.get(turn.parent) if turn.parent is not None else None
        if turn.parent is not None and parent is None:
            return  # the parent was never saved: nothing below it can be

        def write(store: Store) -> None:
            self.turn_ids[turn.key] = store.add_turn(run_id, turn.prompt, parent=parent,
                                                     slots=sorted(turn.attempts),
                                                     attachments=turn.attachments,
                                                     own_attachments=turn.own_attachments)

        self._do(write, wait=True)

    def add_model(self, target: ModelTarget) -> None:
        run_id = self.run_id
        if run_id is not None:
            entry = entry_of(target)

            def write(store: Store) -> None:
                store.add_model(run_id, entry)

            self._do(write)

    def new_attempt(self, turn_key: int, answer: Answer) -> None:
        turn_id = self.turn_ids.get(turn_key)
        if turn_id is None:
            return
        key, slot, entry = (turn_key, answer.slot, answer.attempt), answer.slot, entry_of(
            answer.target)

        def write(store: Store) -> None:
            self.response_ids[key] = store.new_attempt(turn_id, slot, entry)[0]

        self._do(write, wait=True)

    def save(self, turn_key: int, answer: Answer) -> None:
        turn_id = self.turn_ids.get(turn_key)
        if turn_id is None:
            return
        key, data = (turn_key, answer.slot, answer.attempt), response_data(answer)
        self._saving.add(key)

        def write(store: Store) -> None:
            self.response_ids[key] = store.save_response(turn_id, key[1], data,
                                                         attempt=key[2])

        self._do(write)

    def progress(self, turn_key: int, answer: Answer) -> None:
        turn_id = self.turn_ids.get(turn_key)
        if turn_id is None:
            return
        slot, text, reasoning = answer.slot, answer.text, answer.reasoning
        self._do(lambda store: store.save_progress(turn_id, slot, text, reasoning))

    def set_head(self, turn_key: int) -> None:
        run_id, turn_id = self.run_id, self.turn_ids.get(turn_key)
        if run_id is not None and turn_id is not None:
            self._do(lambda store: store.set_head(run_id, turn_id))

    def screenshot(self, turn_key: int, answer: Answer, png: bytes) -> None:
        key = (turn_key, answer.slot, answer.attempt)
        if not png or (self._writer is None and key not in self.response_ids):
            return

        def write(store: Store) -> None:
            # Looked up when it runs: the answer's own save, asked for earlier, is done.
            response_id = self.response_ids.get(key)
            if response_id is not None:
                store.set_screenshot(response_id, png)

        self._do(write)


__all__ = ["INTERRUPTED", "ThreadRecorder", "answer_of", "default_title", "entry_of",
           "response_data", "response_ids", "thread_from_run"]
