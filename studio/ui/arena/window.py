"""The Arena window: the battle queue (choose, then judge pair after pair with the keyboard)
and the leaderboard, which moves as the votes land."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from studio import APP_NAME
from studio.store import StoreError
from studio.ui.arena.ballot import Choice
from studio.ui.arena.battle_panel import BattlePanel
from studio.ui.arena.battle_queue import (
    BattleQueue,
    ReadyBattle,
    batch_prompts,
    collection_prompts,
)
from studio.ui.arena.battle_session import BattleSession, JudgeOutcome
from studio.ui.arena.leaderboard_view import LeaderboardView
from studio.ui.arena.queue_setup import QueueSetup, QueueSpec
from studio.ui.arena.settings import save_settings

if TYPE_CHECKING:
    from studio.ui.arena.hub import ArenaHub
    from studio.ui.main_window import MainWindow

TITLE = f"Arena — {APP_NAME}"


class ArenaWindow(QWidget):
    def __init__(self, host: MainWindow, hub: ArenaHub) -> None:
        super().__init__(host, Qt.WindowType.Window)
        self.setWindowTitle(TITLE)
        self.setAccessibleName("Arena")
        self.resize(1300, 860)
        self._host = host
        self._hub = hub
        self.session: BattleSession | None = None
        self._closing: set[asyncio.Task[None]] = set()
        layout = QVBoxLayout(self)
        store = host.store
        if store is None:
            layout.addWidget(QLabel("The arena keeps its votes in the history, which is not "
                                    "available in this session."))
            self.tabs = None
            return
        self.setup = QueueSetup(store, host.registry, host._target_for, host.model_bar.targets)
        self.setup.startRequested.connect(self.start_queue)
        self.panel = BattlePanel()
        self.panel.screenshotsTaken.connect(self._on_screenshots)
        bar = self.panel.bar
        bar.voted.connect(self._cast)
        bar.undoRequested.connect(self.undo)
        bar.nextRequested.connect(self.next)
        bar.skipRequested.connect(self.skip)
        self.battles = QStackedWidget()
        self.battles.addWidget(self.setup)
        self.battles.addWidget(self.panel)
        self.leaderboard = LeaderboardView(store)
        hub.votesChanged.connect(self.leaderboard.refresh)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.battles, "Battles")
        self.tabs.addTab(self.leaderboard, "Leaderboard")
        layout.addWidget(self.tabs)
        s = hub.settings
        self.setup.reload(count=s.count, judged=s.judged, judge=s.judge_model)

    # -- the queue -----------------------------------------------------------------------

    def start_queue(self, spec: QueueSpec) -> BattleSession | None:
        store = self._host.store
        if store is None or self.tabs is None:
            return None
        try:
            if spec.batch_id is not None:
                prompts, contestants = batch_prompts(store, spec.batch_id,
                                                     self._host._target_for)
                notes: list[str] = []
            else:
                assert spec.collection_id is not None
                prompts, notes = collection_prompts(store, spec.collection_id)
                contestants = list(spec.contestants)
        except StoreError as exc:
            self.setup.message.setText(f"Cannot read what to judge: {exc}")
            return None
        if not prompts:
            self.setup.message.setText("No prompt to judge here. " + " ".join(notes))
            return None
        self._remember(spec)
        self._retire()
        chosen = {c.name for c in spec.contestants}
        queue = BattleQueue(store, self._host.engine, prompts,
                            [c for c in contestants if c.name in chosen], judged=spec.judged)
        seed = len(queue.planning_votes())
        session = BattleSession(queue, spec.count, seed=seed, judge=spec.judge, parent=self)
        session.planned.connect(lambda n: self.panel.show_waiting(f"{n} battles planned…"))
        session.preparing.connect(lambda n: self.panel.show_waiting(
            f"Finding or asking for the answers of battle {n}…"))
        session.ready.connect(self._show)
        session.voted.connect(self._on_voted)
        session.judged.connect(self._on_judged)
        session.progressed.connect(self._progress)
        session.finished.connect(self._finished)
        session.failed.connect(self._failed)
        self.session = session
        self.panel.progress.setText(" ".join(notes))
        self.panel.show_waiting("Planning the battles…")
        self.battles.setCurrentWidget(self.panel)
        self.tabs.setCurrentWidget(self.battles)
        self.panel.setFocus()
        session.start()
        return session

    def _remember(self, spec: QueueSpec) -> None:
        s = self._hub.settings
        s.count, s.judged = spec.count, spec.judged
        s.judge_model = str(spec.judge.ref) if spec.judge is not None else ""
        save_settings(self._host.paths.settings_file, s)

    def _retire(self) -> None:
        """The session before this one stops: its answers still being asked are cut."""
        old, self.session = self.session, None
        if old is not None:
            for signal in (old.ready, old.voted, old.judged, old.progressed, old.finished,
                           old.failed, old.planned, old.preparing):
                signal.disconnect()
            task = asyncio.ensure_future(old.shutdown())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def _show(self, battle: ReadyBattle) -> None:
        self.panel.show_battle(battle)
        session = self.session
        if session is not None and battle.ballot is not None and battle.ballot.judged == "answers":
            session.ask_judge(battle)
        self._progress()

    def _on_screenshots(self, number: int, shots: tuple[bytes | None, bytes | None]) -> None:
        session, battle = self.session, self.panel.battle
        if session is not None and battle is not None and battle.number == number:
            session.ask_judge(battle, shots)

    def _cast(self, choice: Choice) -> None:
        if self.session is not None:
            self.session.cast(choice)

    def undo(self) -> None:
        if self.session is not None:
            self.session.undo()

    def next(self) -> None:
        if self.session is not None:
            self.session.next()

    def skip(self) -> None:
        if self.session is not None:
            self.session.skip()

    def _on_voted(self, _number: int, choice: Choice | None) -> None:
        self.panel.show_vote(choice)
        self.leaderboard.refresh()

    def _on_judged(self, number: int, outcome: JudgeOutcome) -> None:
        self.panel.show_judge(number, outcome)
        self.leaderboard.refresh()

    def _progress(self) -> None:
        if self.session is not None:
            self.panel.progress.setText(self.session.summary())

    def _finished(self) -> None:
        session = self.session
        if session is None or self.tabs is None:
            return
        self.setup.message.setText(f"Done: {session.summary()}. Ctrl+Enter plans more.")
        self.setup.reload(count=self._hub.settings.count, judged=self._hub.settings.judged,
                          judge=self._hub.settings.judge_model)
        self.battles.setCurrentWidget(self.setup)
        self.tabs.setCurrentWidget(self.leaderboard)

    def _failed(self, message: str) -> None:
        if self.tabs is None:
            return
        self.setup.message.setText(message)
        if self.session is not None and self.session.current is None:
            self.battles.setCurrentWidget(self.setup)

    # -- closing -------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Stop the queue (answers being asked, the judge) and the fit, and wait for them."""
        if self.session is not None:
            await self.session.shutdown()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self.tabs is not None:
            await self.leaderboard.shutdown()
            self.panel.dispose()
