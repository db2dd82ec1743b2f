"""The arena in the main window: blind mode, the vote bar, and the Arena window.

The main window creates one `ArenaHub` and gives it nothing but itself; the hub adds its
actions to the View menu (Blind mode, Ctrl+Shift+H; Arena…, Ctrl+Shift+J), puts the vote
bar beside the Answers / Previews tabs (`BlindVoting`), and opens the Arena window (the
battle queue and the leaderboard) on demand. `judge_run_blind(run_id, turn_id, responses)`
opens a saved run's answers to one prompt blind for voting — the batch grid's rows ask for
it, naming the answers the grid compares: that prompt is then the last one on screen (any
follow-ups, such as a fix-it round, hidden until asked for), so the vote is on it.
`boardExportRequested(BoardQuery)` hands the leaderboard on screen, as filtered, to whoever
exports reports; its button appears only when that signal is connected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QMetaMethod, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from studio.ui.arena.blind_votes import BlindVoting
from studio.ui.arena.settings import ArenaSettings, load_settings, save_settings

if TYPE_CHECKING:
    from studio.ui.arena.leaderboard_view import BoardChoice
    from studio.ui.arena.window import ArenaWindow
    from studio.ui.main_window import MainWindow


class ArenaHub(QObject):
    votesChanged = Signal()  # a vote was cast or taken back anywhere in the studio
    boardExportRequested = Signal(object)  # studio.report.board_data.BoardQuery

    def __init__(self, host: MainWindow) -> None:
        super().__init__(host)
        self._host = host
        self.settings: ArenaSettings = load_settings(host.paths.settings_file)
        self.voting = BlindVoting(host, host.identity, self.settings.blind_seed)
        self.voting.votesChanged.connect(self.votesChanged)
        self._window: ArenaWindow | None = None

        self.blind_action = self._action(
            "&Blind mode", "Ctrl+Shift+H", "Hide the models' names behind A, B, C … in a "
            "shuffled order, and vote on the answers or the pages")
        self.blind_action.setCheckable(True)
        self.blind_action.toggled.connect(self.set_blind)
        self.arena_action = self._action(
            "&Arena: battles and leaderboard…", "Ctrl+Shift+J", "Judge a collection blind, "
            "pair after pair, and see the leaderboard of your votes")
        self.arena_action.triggered.connect(self.open_window)
        menu = self._view_menu()
        if menu is not None:
            menu.addSeparator()
            menu.addActions([self.blind_action, self.arena_action])
        host.closed.connect(self._close_window)
        if self.settings.blind:
            self.blind_action.setChecked(True)

    def _action(self, text: str, key: str, tip: str) -> QAction:
        action = QAction(text, self._host)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({key})")
        action.setStatusTip(f"{tip} ({key})")
        self._host.addAction(action)  # the key works with the menu bar hidden too
        return action

    def _view_menu(self) -> QMenu | None:
        for action in self._host.menuBar().actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and menu.title().replace("&", "") == "View":
                return menu
        return None

    # -- blind mode ----------------------------------------------------------------------

    @property
    def blind(self) -> bool:
        return self._host.identity.blind

    def set_blind(self, blind: bool) -> None:
        if self.blind_action.isChecked() != blind:
            self.blind_action.setChecked(blind)  # comes back here through `toggled`
            return
        self.voting.set_blind(blind)
        if self.settings.blind != blind:
            self.settings.blind = blind
            save_settings(self._host.paths.settings_file, self.settings)
        self._host.statusBar().showMessage(
            "Blind mode: the models are named A, B, C … in a shuffled order until you vote."
            if blind else "Blind mode is off: the models' names are shown.", 5000)

    def judge_run_blind(self, run_id: int, turn_id: int,
                        responses: Sequence[int] = ()) -> bool:
        """Open a saved run's answers to the prompt `turn_id` blind, ready for a vote on
        them (the grid's rows ask for this): that prompt is the last one shown, its
        follow-ups hidden, each model's answer the attempt in `responses` (else its
        latest). False when the run cannot be shown."""
        self.set_blind(True)
        host = self._host
        shown = host.show_run(run_id, turn_id)
        if shown is None:
            return False
        comparison = shown[0]
        if not comparison.show_turn(turn_id, responses):
            host.statusBar().showMessage(
                f"Run {run_id} no longer has that prompt, so it cannot be judged.", 8000)
            return False
        later = comparison.chat.later(turn_id)
        if later:
            host.statusBar().showMessage(
                f"Judging the answers to the prompt as it was sent; its {later} later "
                f"prompt{'s are' if later > 1 else ' is'} not shown (“show” under the "
                "answers brings them back, to judge them).", 10000)
        host.show_workspace()
        host.tabs.setCurrentWidget(host.pane_area)
        host.window().raise_()
        host.window().activateWindow()
        return True

    # -- the Arena window ----------------------------------------------------------------

    @property
    def window(self) -> ArenaWindow | None:
        return self._window

    def open_window(self) -> ArenaWindow:
        if self._window is None:
            from studio.ui.arena.window import ArenaWindow

            self._window = ArenaWindow(self._host, self)
            if self._window.tabs is not None and self.isSignalConnected(
                    QMetaMethod.fromSignal(self.boardExportRequested)):
                self._window.leaderboard.exportRequested.connect(self._export_board)
        self._window.show()
        self._window.raise_()
        self._window.activateWindow()
        return self._window

    def _export_board(self, choice: BoardChoice) -> None:
        from studio.report.board_data import BoardQuery

        self.boardExportRequested.emit(BoardQuery(choice.filters, choice.options))

    def _close_window(self) -> None:
        if self._window is not None:
            self._window.close()

    async def shutdown(self) -> None:
        """Stop what the Arena window runs (answers, judges) and wait for it to end."""
        if self._window is not None:
            await self._window.shutdown()
