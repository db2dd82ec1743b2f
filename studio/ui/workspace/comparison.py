"""One comparison: a thread of prompts, its panes, its engine sessions and its history.

The first prompt goes to every model; follow-ups go to the models whose pane is included,
each with its own thread; an answer can be regenerated, an earlier prompt edited into a new
branch, a model added. Every step is mirrored into the store as it happens, and each
answer is saved the moment it ends (see `comparison_history`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.attachments import Attachment
from studio.core.conversation import context_overflow
from studio.core.events import ReasoningDelta, TextDelta
from studio.core.metrics import Metrics
from studio.core.metrics_text import Standing, rank_badges
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget, RunSession
from studio.core.thread import HEAD, Answer, Thread, ThreadTurn
from studio.store import ResponseId, RunId
from studio.store.threads import ThreadRecorder, default_title
from studio.ui.workspace.coalescer import FrameBatch, StreamCoalescer
from studio.ui.workspace.comparison_history import ComparisonHistory
from studio.ui.workspace.identity import PLAIN, Identity
from studio.ui.workspace.pane import AnswerPane

LIVE_METRICS_MS = 250  # tokens/s and total time tick while streaming; no need for 60 Hz


class _SessionListener:
    """The engine listener of one session: routes its runs to their panes (slots) and
    saves each answer the moment it ends. Saving here, on the engine's state change, rather
    than on the next frame keeps it working after the panes are gone (a window closed
    mid-stream still gets its cancelled answers saved)."""

    def __init__(self, comparison: Comparison, turn_key: int, answers: Sequence[Answer]) -> None:
        self._comparison = comparison
        self._coalescer = comparison.coalescer
        self._turn_key = turn_key
        self._answers = list(answers)
        self._slots = [a.slot for a in answers]

    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        self._coalescer.push_delta(self._slots[run.index], event)

    def on_state(self, run: ModelRun) -> None:
        self._coalescer.push_state(self._slots[run.index], run)
        if run.state.finished:
            self._comparison._answer_ended(self._turn_key, self._answers[run.index])


class Comparison(QObject):
    stateChanged = Signal()  # some model changed state (running/finished)
    progressed = Signal()  # a few times a second while streaming, and on state changes
    finished = Signal()  # every model ended (done, failed or cancelled)
    threadChanged = Signal()  # a prompt was added, a branch switched, a model added
    paneAdded = Signal(object)  # AnswerPane of a model that joined the thread
    editRequested = Signal(int)  # the user wants to edit an earlier prompt (turn key)
    attemptsCompareRequested = Signal(int, int)  # compare the attempts of (slot, turn key)
    filesRequested = Signal(int, int)  # the user wants to see a prompt's files (slot, turn key)
    fixItRequested = Signal(int)  # "Show the model its page" on a pane's preview (slot)
    reportRequested = Signal()  # "Export report…" in an answer's context menu
    historyFailed = Signal(str)  # saving stopped; the message says why
    # The run changed in the history: an answer was saved (the Answer), or a prompt, an
    # attempt, a model or the branch shown (None).
    saved = Signal(object)
    # The recorder's writer thread committed everything asked of it so far.
    historyIdle = Signal()

    def __init__(self, engine: Engine, thread: Thread, parent: QObject | None = None, *,
                 recorder: ThreadRecorder | None = None, title: str = "",
                 identity: Identity = PLAIN) -> None:
        super().__init__(parent)
        # How the panes name their models (blind labels while judging blind).
        self.identity = identity
        self.chat = thread  # (not `thread`: QObject.thread() is taken)
        # The run's title (a library prompt's, or the first line of the first prompt).
        self.title = title
        self.history = ComparisonHistory(recorder, self._live_answers, self)
        self.history.saved.connect(self.saved)
        self.history.idle.connect(self.historyIdle)
        self.history.failed.connect(self.historyFailed)
        self._engine = engine
        self.coalescer = StreamCoalescer(self._apply, parent=self)
        self.panes: list[AnswerPane] = []
        for slot, target in enumerate(thread.models):
            self._make_pane(slot, target)
        self._live_timer = QTimer(self)
        self._live_timer.setInterval(LIVE_METRICS_MS)
        self._live_timer.timeout.connect(self._tick)
        self.sessions: list[RunSession] = []
        self._live: dict[int, tuple[int, Answer]] = {}  # slot → (turn key, answer) started here
        self._jobs: dict[int, tuple[RunSession, int]] = {}  # slot → its session and run index
        # Pages run from the page editor: shown instead of what the answer's text holds.
        self._edited_pages: dict[Answer, str] = {}
        self._images_anyway: set[int] = set()  # slots whose next request sends images anyway
        self._closed = False
        # Cancelling a task again while it closes its connection would cut that short.
        self._stopping: set[int] = set()
        if thread.turns:
            self._render(range(len(self.panes)))
            self._update_badges()
        identity.changed.connect(self._on_identity_changed)

    def _make_pane(self, slot: int, target: ModelTarget) -> AnswerPane:
        pane = AnswerPane(slot, target, identity=self.identity)
        pane.stopRequested.connect(self.stop)
        pane.retryRequested.connect(self.retry)
        pane.turnActionRequested.connect(self._on_turn_action)
        pane.previewFinished.connect(self._on_preview_finished)
        pane.fixItRequested.connect(self.fixItRequested)
        pane.reportRequested.connect(self.reportRequested)
        pane.set_page_source(self.page_of)
        if self.chat.turns and not self.chat.asked_in_head(slot):
            pane.set_included(False)  # it had left the thread (or was not asked) last time
        self.panes.append(pane)
        return pane

    # -- what it holds -----------------------------------------------------------------

    @property
    def prompt(self) -> str:
        branch = self.chat.branch()
        return branch[0].prompt if branch else ""

    @property
    def system(self) -> str | None:
        return self.chat.system

    @property
    def targets(self) -> list[ModelTarget]:
        return list(self.chat.models)

    @property
    def run_id(self) -> RunId | None:
        return self.history.run_id

    def answers(self) -> list[Answer]:
        """Each model's answer to the prompt on screen (by slot): its latest attempt, or
        the earlier one its pane shows."""
        return self.chat.shown_answers()

    def switch_attempt(self, slot: int, key: int, step: int) -> bool:
        """Show another attempt of one model's answer to the prompt `key` (step -1: the
        earlier one, 1: the later one). Follow-ups still continue from the latest."""
        if self._closed or not self.chat.show_attempt(slot, key, step):
            return False
        self._render([slot])
        self._update_badges()
        self.threadChanged.emit()
        self.progressed.emit()
        return True

    @property
    def runs(self) -> list[ModelRun]:
        """The engine runs behind the answers on screen (answers reopened from history have
        none)."""
        return [a.run for a in self.answers() if a.run is not None]

    @property
    def session(self) -> RunSession | None:
        return self.sessions[-1] if self.sessions else None

    @property
    def running(self) -> bool:
        """Some model is still working (as the engine sees it)."""
        return any(not answer.finished for _key, answer in self._live.values())

    @property
    def running_count(self) -> int:
        """How many answers are still being written."""
        return sum(1 for _key, answer in self._live.values() if not answer.finished)

    @property
    def settled(self) -> bool:
        """Every model has ended and the panes show all of it."""
        return not self.running and not self.coalescer.pending

    def included_slots(self) -> list[int]:
        return [p.index for p in self.panes if p.included]

    # -- sending -----------------------------------------------------------------------

    def start(self, prompt: str, *, template: str | None = None,
              variables: dict[str, str] | None = None, title: str = "",
              collection_id: int | None = None, prompt_id: int | None = None,
              attachments: tuple[Attachment, ...] = ()) -> RunSession | None:
        """Send the first prompt (with its files) to every model (and start its run in the
        history)."""
        turn = self.chat.add_turn(prompt, None, attachments=attachments)
        self.title = title or default_title(template if template is not None else prompt)
        answers = [self.chat.ask(turn, slot) for slot in range(len(self.chat.models))]
        self.history.started(self.chat, turn,
                             template=template if template is not None else prompt,
                             variables=variables, title=title, collection_id=collection_id,
                             prompt_id=prompt_id)
        return self._send(turn, answers, range(len(self.panes)))

    def follow_up(self, prompt: str, slots: Iterable[int] | None = None, *,
                  after: int | Literal["head"] | None = HEAD,
                  attachments: tuple[Attachment, ...] = (),
                  own_attachments: dict[int, tuple[Attachment, ...]] | None = None
                  ) -> list[int]:
        """Send `prompt` after turn `after` (default: the last one on screen) to `slots`
        (default: the included panes), with `attachments` for all of them and
        `own_attachments` (slot → files) for one each. Returns the slots asked; [] when
        nothing was sent."""
        if self.running or self._closed:
            return []
        asked = sorted(set(self.included_slots() if slots is None else slots))
        if not asked:
            return []
        turn = self.chat.add_turn(prompt, after, attachments=attachments,
                                  own_attachments=own_attachments)
        answers = [self.chat.ask(turn, slot) for slot in asked]
        self.history.turn_added(turn)
        self._send(turn, answers, range(len(self.panes)))
        self.threadChanged.emit()
        return asked

    def branch_from(self, key: int, prompt: str, slots: Iterable[int] | None = None, *,
                    attachments: tuple[Attachment, ...] = ()) -> list[int]:
        """Edit the prompt of turn `key`: the new prompt starts a sibling branch."""
        return self.follow_up(prompt, slots, after=self.chat.turn(key).parent,
                              attachments=attachments)

    def send_images_anyway(self, slot: int) -> bool:
        """Ask a model its preset says takes no images once more, with the images."""
        turn = self.chat.head_turn
        answer = turn.answer(slot) if turn is not None else None
        if answer is None or not answer.refused_images:
            return False
        self._images_anyway.add(slot)
        return bool(self.regenerate([slot]))

    def retry(self, index: int) -> None:
        """Run one model's last prompt again: a new attempt; the earlier one is kept."""
        self.regenerate([index])

    def retry_failed(self) -> list[int]:
        slots = [a.slot for a in self.answers()
                 if a.state in (ModelState.FAILED, ModelState.CANCELLED)]
        return self.regenerate(slots)

    def regenerate(self, slots: Iterable[int]) -> list[int]:
        turn = self.chat.head_turn
        if turn is None or self._closed:
            return []
        chosen = []
        for slot in sorted(set(slots)):
            answer = turn.answer(slot)
            if answer is not None and answer.finished:
                chosen.append(slot)
        answers = [self.chat.ask(turn, slot) for slot in chosen]
        self.history.attempts_added(turn.key, answers)
        if answers:
            self._send(turn, answers, chosen)
        return chosen

    def add_model(self, target: ModelTarget) -> AnswerPane:
        """A model joins the thread: it gets a pane and answers the prompt on screen, with
        the earlier shared prompts (and no answers) as its history."""
        slot = self.chat.add_model(target)
        self.history.model_added(target)
        pane = self._make_pane(slot, target)
        pane.set_included(True)
        self.paneAdded.emit(pane)
        turn = self.chat.head_turn
        if turn is not None and not self._closed:
            answer = self.chat.ask(turn, slot)
            self.history.attempts_added(turn.key, [answer])
            self._send(turn, [answer], [slot])
        self.threadChanged.emit()
        return pane

    def switch_branch(self, key: int, step: int) -> bool:
        """Show another branch of the prompt `key` (step -1: the previous, 1: the next)."""
        if self.running or self._closed or key not in self.chat.turns:
            return False
        head = self.chat.switch_branch(key, step)
        if head is None:
            return False
        self._head_changed(head)
        return True

    def show_branch_of(self, key: int) -> bool:
        """Show the branch that holds the prompt `key` (its latest continuation)."""
        if self.running or self._closed or key not in self.chat.turns:
            return False
        if any(turn.key == key for turn in self.chat.branch()):
            return True  # on screen already
        head = self.chat.latest_leaf(key)
        self.chat.set_head(head)
        self._head_changed(head)
        return True

    def show_later(self, key: int) -> bool:
        """Show the follow-ups of the prompt `key` that are hidden (its latest
        continuation)."""
        if self.running or self._closed or key not in self.chat.turns:
            return False
        head = self.chat.latest_leaf(key)
        if head == self.chat.head:
            return False
        self.chat.set_head(head)
        self._head_changed(head)
        return True

    def show_turn(self, key: int, responses: Iterable[int] = ()) -> bool:
        """Show the prompt `key` as the last one on screen — its follow-ups hidden (each
        pane offers them) — with, for each model, the attempt whose saved answer is one of
        `responses` (the others as they were). A way of looking: the branch the history
        opens on stays as it was."""
        if self.running or self._closed or key not in self.chat.turns:
            return False
        self._pick_attempts(key, responses)
        self.chat.set_head(key)
        self._head_changed(key, remember=False)
        return True

    def pick_attempts(self, key: int, responses: Iterable[int]) -> list[int]:
        """Show, for each model, the attempt at the prompt `key` whose saved answer is one
        of `responses`; returns the slots whose shown attempt changed."""
        if self._closed:
            return []
        changed = self._pick_attempts(key, responses)
        if changed:
            self._render(changed)
            self._update_badges()
            self.threadChanged.emit()
            self.progressed.emit()
        return changed

    def _pick_attempts(self, key: int, responses: Iterable[int]) -> list[int]:
        turn = self.chat.turns.get(key)
        wanted = {int(r) for r in responses}
        if turn is None or not wanted:
            return []
        changed = []
        for slot, attempts in turn.attempts.items():
            index = next((n for n in range(len(attempts))
                          if self.history.response_id((key, slot, n)) in wanted), None)
            if (index is not None and index != self.chat.shown_attempt(slot, key)
                    and self.chat.show_attempt_at(slot, key, index)):
                changed.append(slot)
        return changed

    def _head_changed(self, head: int, *, remember: bool = True) -> None:
        if remember:
            self.history.head_changed(head)
        self._render(range(len(self.panes)))
        self._update_badges()
        self.threadChanged.emit()
        self.stateChanged.emit()
        self.progressed.emit()

    def _send(self, turn: ThreadTurn, answers: list[Answer],
              redraw: Iterable[int]) -> RunSession | None:
        prices = self._engine.prices
        jobs = []
        sent: list[Answer] = []
        for answer in answers:
            request = self.chat.request(answer.slot, turn)
            if answer.slot in self._images_anyway:
                self._images_anyway.discard(answer.slot)
                request = replace(request, images_anyway=True)
            ref = answer.target.ref
            overflow = context_overflow(request, prices.context_window(ref.provider, ref.model))
            if overflow is not None:
                # Not sent: the provider would refuse it anyway, after a wait and a charge.
                answer.fail_unsent(f"not sent: {overflow}")
                self._answer_ended(turn.key, answer)
                continue
            jobs.append((answer.target, request))
            sent.append(answer)
        for answer in sent:
            self._live[answer.slot] = (turn.key, answer)
            self._stopping.discard(answer.slot)
            self.coalescer.forget(answer.slot)
        session = None
        if jobs:
            session = self._engine.start(jobs, _SessionListener(self, turn.key, sent))
            self.sessions = [s for s in self.sessions if not s.finished]
            self.sessions.append(session)
            for answer, run in zip(sent, session.runs, strict=True):
                answer.bind(run)
                self._jobs[answer.slot] = (session, run.index)
            self._live_timer.start()
            self.history.streaming(sent)
        self._render(redraw)
        self._update_badges()
        self.history.check()
        self.stateChanged.emit()
        self.progressed.emit()
        if self.settled:
            self.finished.emit()
        return session

    def _render(self, slots: Iterable[int]) -> None:
        # A prompt sent with files is shown above its answers, with them, even when alone.
        conversation = self.chat.conversation or any(
            t.attachments or t.own_attachments for t in self.chat.turns.values())
        for slot in slots:
            self.coalescer.forget(slot)
            pane = self.panes[slot]
            pane.set_file_stem(self.identity.file_stem(self.title, slot, pane.target))
            pane.show_thread(self.chat.shown_entries(slot), conversation)

    # -- control -----------------------------------------------------------------------

    def stop(self, index: int) -> None:
        job = self._jobs.get(index)
        live = self._live.get(index)
        if job is None or live is None or index in self._stopping or live[1].finished:
            return
        self._stopping.add(index)
        session, run_index = job
        session.cancel(run_index)

    def stop_all(self) -> None:
        for slot in list(self._live):
            self.stop(slot)

    async def wait(self) -> None:
        for session in list(self.sessions):
            await session.wait()
        # The last state changes may still sit in the coalescer's buffer.
        self.coalescer.flush()
        self.history.flush()

    def close(self) -> None:
        """Stop everything and stop touching the panes (they are about to be deleted)."""
        if self._closed:
            return  # cancelling twice would interrupt the models' own cleanup
        self._closed = True
        self.stop_all()
        self.coalescer.detach()
        self._live_timer.stop()
        self.history.stop()

    # -- history -----------------------------------------------------------------------

    @property
    def recorder(self) -> ThreadRecorder | None:
        return self.history.recorder

    @property
    def history_busy(self) -> bool:
        """Writes to the history not committed yet: reading it now would wait for them."""
        return self.history.busy

    def _live_answers(self) -> list[tuple[int, Answer]]:
        return list(self._live.values())

    def _answer_ended(self, turn_key: int, answer: Answer) -> None:
        self.history.answer_ended(turn_key, answer, still_running=self.running)

    def turn_of(self, answer: Answer) -> ThreadTurn | None:
        for turn in self.chat.turns.values():
            if answer in turn.attempts.get(answer.slot, ()):
                return turn
        return None

    def response_id(self, answer: Answer) -> ResponseId | None:
        """The answer's id in the history, once it has been saved there."""
        turn = self.turn_of(answer)
        if turn is None:
            return None
        return self.history.response_id((turn.key, answer.slot, answer.attempt))

    # -- edited pages ------------------------------------------------------------------

    def page_of(self, answer: Answer) -> str | None:
        """The page an answer's previews show: the one last run from the page editor, or
        else the page extracted from its text (which changes while it streams)."""
        edited = self._edited_pages.get(answer)
        return edited if edited is not None else answer.html()

    def has_edited_page(self, answer: Answer) -> bool:
        return answer in self._edited_pages

    def set_edited_page(self, answer: Answer, html: str) -> None:
        """From now on the answer's previews show `html`, whatever its text becomes."""
        self._edited_pages[answer] = html
        if self._closed:
            return
        for pane in self.panes:
            if pane.answer is answer:
                pane.update_preview(final=True)

    def _on_preview_finished(self, slot: int) -> None:
        pane = self.panes[slot]
        turn = self.chat.head_turn
        if pane.preview is not None and turn is not None and pane.answer is not None:
            self.history.page_rendered(turn.key, pane.answer, pane.preview)

    def _on_identity_changed(self) -> None:
        # The figures under each answer of a conversation hide or show with the names.
        if not self._closed and self.chat.turns:
            self._render(range(len(self.panes)))

    def _on_turn_action(self, slot: int, action: str, key: int) -> None:
        if action in ("prev", "next"):
            self.switch_branch(key, -1 if action == "prev" else 1)
        elif action == "later":
            self.show_later(key)
        elif action in ("attempt-prev", "attempt-next"):
            self.switch_attempt(slot, key, -1 if action == "attempt-prev" else 1)
        elif action == "attempts":
            self.attemptsCompareRequested.emit(slot, key)
        elif action == "edit":
            self.editRequested.emit(key)
        elif action == "files":
            self.filesRequested.emit(slot, key)
        elif action == "anyway":
            self.send_images_anyway(slot)

    # -- delivery ----------------------------------------------------------------------

    def _apply(self, batch: FrameBatch) -> None:
        panes = self.panes
        for index in batch.resets:
            panes[index].reset_answer()
        for index in batch.text.keys() | batch.reasoning.keys():
            panes[index].append(batch.text.get(index, ""), batch.reasoning.get(index, ""))
        if batch.states:
            for index, run in batch.states.items():
                live = self._live.get(index)
                if live is not None and live[1].run is run:
                    panes[index].update_state(live[1])
            self._update_badges()
            self.stateChanged.emit()
            self.progressed.emit()
            if self.settled:
                self._live_timer.stop()
                self.finished.emit()

    def _tick(self) -> None:
        for slot, (_key, answer) in self._live.items():
            run = answer.run
            if run is not None and run.state is ModelState.STREAMING:
                pane = self.panes[slot]
                pane.refresh_metrics(run.refresh_metrics())
                pane.update_preview()
        self.progressed.emit()

    def _update_badges(self) -> None:
        answers = {a.slot: a for a in self.answers()}
        standings = []
        for pane in self.panes:
            a = answers.get(pane.index)
            if a is None:
                standings.append(Standing(pane.index, False, Metrics()))
                continue
            done = a.state is ModelState.DONE
            standings.append(Standing(a.slot, done, a.metrics, len(a.text) if done else 0))
        for index, badges in rank_badges(standings).items():
            self.panes[index].set_badges(badges)
