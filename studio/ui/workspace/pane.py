"""One model's pane: header with status, its thread of answers, reasoning, metrics, actions.

The pane shows one slot of a `Thread`: `show_thread` draws the branch on screen from the turn
entries (earlier turns complete, the last one possibly still streaming), and the per-frame
batches then append to the last turn only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.metrics import Metrics
from studio.core.metrics_text import Badge
from studio.core.runner import ModelRun, ModelState, ModelTarget
from studio.core.thread import Answer, TurnEntry, totals
from studio.ui.notify import tell
from studio.ui.style import colors, css, icon, set_text_color
from studio.ui.workspace.answer_view import AnswerView
from studio.ui.workspace.identity import PLAIN, Identity
from studio.ui.workspace.metrics_strip import MetricsStrip
from studio.ui.workspace.pane_widgets import ErrorRow, PaneTitle, RatingPlace
from studio.ui.workspace.reasoning_view import ReasoningSection
from studio.ui.workspace.turn_html import (
    TurnColors,
    attempt_line,
    later_line,
    not_asked,
    prompt_header,
    totals_text,
    turn_footer,
)

if TYPE_CHECKING:
    from studio.ui.preview.view import PreviewView

MIN_PANE_WIDTH = 360
PREVIEW_MIN_HEIGHT = 220  # an inline preview's page stays readable


NOT_ASKED = "not asked"


def status_text(answer: Answer | None, state: ModelState) -> str:
    if answer is None:
        return NOT_ASKED
    if answer.status_note and not state.finished:
        return answer.status_note
    return state.value


class AnswerPane(QFrame):
    stopRequested = Signal(int)
    retryRequested = Signal(int)  # run this model's last prompt again (a new attempt)
    diffRequested = Signal(int)
    focusRequested = Signal(int)
    previewToggled = Signal(int, bool)
    includeToggled = Signal(int, bool)  # whether follow-ups go to this model
    turnActionRequested = Signal(int, str, int)  # pane, action, turn key (see turn_html)
    previewFinished = Signal(int)  # the final page of the last answer is on screen
    editSourceRequested = Signal(int)  # "Edit source" on this pane's preview
    providersRequested = Signal()  # the error's next step is in Providers and keys
    fixItRequested = Signal(int)  # "Show the model its page" on this pane's preview
    reportRequested = Signal()  # "Export report…" in the answer's context menu

    def __init__(self, index: int, target: ModelTarget, parent: QWidget | None = None, *,
                 identity: Identity = PLAIN) -> None:
        super().__init__(parent)
        self.index = index
        self.target = target
        self.identity = identity
        self._badges: set[Badge] = set()
        self.state = ModelState.WAITING
        self._answer: Answer | None = None
        self._entries: list[TurnEntry] = []
        self._conversation = False
        self._preview: PreviewView | None = None
        self._page_source: Callable[[Answer], str | None] = Answer.html
        self._file_stem = ""
        self.setObjectName("answerPane")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(MIN_PANE_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(3)
        outer.addWidget(self._build_header())
        self.error_row = ErrorRow()
        self.error_row.providersRequested.connect(self.providersRequested)
        self.error_row.retryRequested.connect(lambda: self.retryRequested.emit(self.index))
        self.error_label = self.error_row.label
        self.error_button = self.error_row.button
        outer.addWidget(self.error_row)
        outer.addWidget(self._build_actions())
        # Where the rating goes when the action row is too narrow for it.
        self._rating = RatingPlace(self._action_row)
        outer.addWidget(self._rating.own_row)

        self.reasoning = ReasoningSection()
        self.view = AnswerView()
        self.view.turnLinkActivated.connect(self._on_turn_link)
        self.view.reportRequested.connect(self.reportRequested)
        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.setChildrenCollapsible(False)
        answer_box = QWidget()
        answer_layout = QVBoxLayout(answer_box)
        answer_layout.setContentsMargins(0, 0, 0, 0)
        answer_layout.setSpacing(2)
        answer_layout.addWidget(self.reasoning)
        answer_layout.addWidget(self.view, 1)
        self.body.addWidget(answer_box)
        outer.addWidget(self.body, 1)

        self.metrics = MetricsStrip()
        outer.addWidget(self.metrics)
        self._set_state(ModelState.WAITING)
        self.show_names()
        identity.changed.connect(self.show_names)

    # -- building ----------------------------------------------------------------------

    def _build_header(self) -> QWidget:
        header = PaneTitle()
        header.doubleClicked.connect(lambda: self.focusRequested.emit(self.index))
        self.name_label = header.name_label
        self.status_chip = header.status_chip
        self.provider_label = header.provider_label
        self.settings_label = header.settings_label
        self.include_box = header.include_box
        self.include_box.toggled.connect(self._on_include_toggled)
        self._title = header
        return header

    def show_names(self) -> None:
        """Name the pane (header, preview, accessible names) as the identity says."""
        name = self.identity.name(self.index, self.target)
        self._title.show_name(name)
        self.setAccessibleName(name.title if name.hidden else f"Answer of {name.ref}")
        self.metrics.set_hidden(self.identity.hiding)
        self.metrics.set_badges(self.identity.badges(self._badges))
        self._show_totals()
        if self._preview is not None:
            self._preview.set_label(name.title)
            self._preview.setAccessibleName(f"Page preview of {name.title}")
        answer = self._answer
        if answer is not None and answer.state is ModelState.FAILED:
            self.error_row.show_failure(self.identity.failure(answer))

    def _tool(self, icon_name: str, text: str,
              slot: Callable[[], object] | None = None) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon(icon_name))
        button.setToolTip(text)
        button.setAccessibleName(text)
        button.setAutoRaise(True)
        if slot is not None:
            button.clicked.connect(slot)
        return button

    def _build_actions(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(1)
        self.stop_button = self._tool("stop", "Stop this model",
                                      lambda: self.stopRequested.emit(self.index))
        self.retry_button = self._tool(
            "retry", "Run this model again on its last prompt (the earlier answer is kept)",
            lambda: self.retryRequested.emit(self.index))
        self.copy_button = self._tool("copy", "Copy the answer", self.copy_answer)
        self.code_button = self._tool("code", "Copy a code block")
        self.code_menu = QMenu(self.code_button)
        self.code_menu.aboutToShow.connect(self._fill_code_menu)
        self.code_button.setMenu(self.code_menu)
        self.code_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.preview_button = self._tool("preview", "Show the answer's page")
        self.preview_button.setCheckable(True)
        self.preview_button.toggled.connect(self.set_preview_visible)
        self.diff_button = self._tool("diff", "Compare with another pane",
                                      lambda: self.diffRequested.emit(self.index))
        self.focus_button = self._tool("focus", "Show this pane alone",
                                       lambda: self.focusRequested.emit(self.index))
        for b in (self.stop_button, self.retry_button, self.copy_button, self.code_button,
                  self.preview_button, self.diff_button):
            row.addWidget(b)
        self._action_row = row
        row.addStretch(1)
        row.addWidget(self.focus_button)
        return bar

    # -- rating ------------------------------------------------------------------------

    @property
    def rating_widget(self) -> QWidget | None:
        return self._rating.widget

    def set_rating_widget(self, widget: QWidget | None) -> None:
        """Show `widget` (stars and a note for the saved answer) in place of the one shown
        before (which is deleted); None shows none."""
        self._rating.set_widget(widget, self.contentsRect().width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rating.place(self.contentsRect().width())

    # -- the thread -------------------------------------------------------------------

    def turn_colors(self) -> TurnColors:
        c = colors(self.palette())
        return TurnColors(css(c.muted), css(c.accent), css(c.danger), css(c.chip_bg))

    def show_thread(self, entries: list[TurnEntry], conversation: bool) -> None:
        """Draw the branch from scratch: every prompt (in a conversation), every answer and
        its figures; the last answer may still be streaming and then grows by `append`."""
        self._entries = list(entries)
        self._conversation = conversation
        view = self.view
        view.clear_all()
        tones = self.turn_colors()
        for number, entry in enumerate(entries, 1):
            last = number == len(entries)
            view.begin_turn(header_html=prompt_header(entry, tones) if conversation else None)
            answer = entry.answer
            if answer is None:
                if conversation:
                    view.add_html(not_asked(tones) + later_line(entry, tones))
                continue
            view.append(answer.text)
            if answer.finished or not last:
                view.finish()
                self._add_footer(entry, tones)
        last_answer = entries[-1].answer if entries else None
        self.reasoning.clear()
        if last_answer is not None and last_answer.reasoning:
            self.reasoning.append(last_answer.reasoning)
        self.bind(last_answer)

    def _add_footer(self, entry: TurnEntry, tones: TurnColors) -> None:
        """Under a finished answer: its figures in a conversation; for a single prompt only
        the attempt switcher, when the answer was regenerated (the strip has the figures)."""
        footer = (turn_footer(entry, tones, self.identity) if self._conversation
                  else attempt_line(entry, tones)) + later_line(entry, tones)
        if footer:
            self.view.add_html(footer)

    def bind(self, answer: Answer | None) -> None:
        self._answer = answer
        if answer is None:
            self._show_not_asked()
            return
        self.update_state(answer, announce=False)

    @property
    def answer(self) -> Answer | None:
        return self._answer

    @property
    def run(self) -> ModelRun | None:
        return self._answer.run if self._answer is not None else None

    @property
    def entries(self) -> list[TurnEntry]:
        return list(self._entries)

    @property
    def included(self) -> bool:
        return self.include_box.isChecked()

    def set_included(self, included: bool) -> None:
        self.include_box.setChecked(included)

    def _on_include_toggled(self, included: bool) -> None:
        self.name_label.setEnabled(included)
        self.includeToggled.emit(self.index, included)

    def _on_turn_link(self, action: str, key: int) -> None:
        if action == "reasoning":
            self.show_reasoning_of(key)
            return
        self.turnActionRequested.emit(self.index, action, key)

    def show_reasoning_of(self, key: int) -> None:
        """Show an earlier turn's reasoning in the reasoning section (once the last answer
        is complete: while it streams, the section is its own)."""
        if self._answer is not None and not self._answer.finished:
            return
        for entry in self._entries:
            if entry.turn.key == key and entry.answer is not None:
                self.reasoning.clear()
                if entry.answer.reasoning:
                    self.reasoning.append(entry.answer.reasoning)
                    self.reasoning.set_expanded(True)
                return

    # -- streaming ---------------------------------------------------------------------

    def append(self, text: str, reasoning: str) -> None:
        """Called once per frame with everything that arrived since the previous frame."""
        if reasoning:
            self.reasoning.append(reasoning)
        if text:
            self.view.append(text)

    def update_state(self, answer: Answer, *, announce: bool = True) -> None:
        self._answer = answer
        state = answer.state
        if announce and state is not self.state and state.finished:
            self.view.finish()
            if self._entries and self._entries[-1].answer is answer:
                self._add_footer(self._entries[-1], self.turn_colors())
        self._set_state(state)
        failure = self.identity.failure(answer) if state is ModelState.FAILED else None
        self.error_row.show_failure(failure, answer.status_note if not state.finished else "")
        self.refresh_metrics(answer.metrics)
        if state.finished:
            self._show_totals()
            self.update_preview(final=True)

    def refresh_metrics(self, metrics: Metrics) -> None:
        self.metrics.set_metrics(metrics)

    def _show_totals(self) -> None:
        self.metrics.set_totals(totals_text(totals(self._entries),
                                            hidden=self.identity.hiding)
                                if self._conversation
                                else None)

    def _show_not_asked(self) -> None:
        self.error_row.show_failure(None)
        self.metrics.set_metrics(Metrics())
        self.metrics.set_badges(set())
        self._show_totals()
        self._set_state(ModelState.WAITING, NOT_ASKED)
        self.stop_button.setEnabled(False)
        self.retry_button.setEnabled(False)

    def reset_answer(self) -> None:
        self.view.reset_turn()
        self.reasoning.clear()
        self.error_row.show_failure(None)
        self.metrics.set_metrics(Metrics())
        self.metrics.set_badges(set())
        self._set_state(ModelState.WAITING)

    def set_badges(self, badges: set[Badge]) -> None:
        self._badges = set(badges)
        self.metrics.set_badges(self.identity.badges(badges))

    def _set_state(self, state: ModelState, text: str | None = None) -> None:
        self.state = state
        c = colors(self.palette())
        tone = {ModelState.WAITING: c.muted, ModelState.STREAMING: c.accent,
                ModelState.DONE: c.success, ModelState.FAILED: c.danger,
                ModelState.CANCELLED: c.warning}[state]
        self.status_chip.setText(text or status_text(self._answer, state))
        set_text_color(self.status_chip, tone)
        running = not state.finished
        self.stop_button.setEnabled(running)
        self.retry_button.setEnabled(not running)

    # -- actions -----------------------------------------------------------------------

    @property
    def shown_title(self) -> str:
        """The slot's name as the workspace shows it (a blind label while judging blind)."""
        return self.identity.title(self.index, self.target)

    def answer_text(self) -> str:
        return self._answer.text if self._answer is not None else self.view.answer_text()

    def copy_answer(self) -> None:
        text = self.answer_text()
        if not text:
            tell(self, f"{self.shown_title} has no answer to copy yet.", failed=True)
            return
        QGuiApplication.clipboard().setText(text)
        tell(self, f"Copied the answer of {self.shown_title} ({len(text):,} characters).")

    def _copy_code(self, number: int, language: str, code: str) -> None:
        QGuiApplication.clipboard().setText(code)
        lines = code.count("\n") + 1
        tell(self, f"Copied code block {number} ({language}, {lines} lines) of "
                   f"{self.shown_title}.")

    def _fill_code_menu(self) -> None:
        self.code_menu.clear()
        blocks = self.view.code_blocks
        if not blocks:
            empty = self.code_menu.addAction("No code blocks yet")
            empty.setEnabled(False)
            return
        for number, block in enumerate(blocks, 1):
            lines = block.code.count("\n") + 1
            action = QAction(f"{number}. {block.language or 'code'} ({lines} lines)",
                             self.code_menu)
            action.triggered.connect(
                lambda _checked=False, n=number, lang=block.language or "code", code=block.code:
                self._copy_code(n, lang, code))
            self.code_menu.addAction(action)

    def set_zoom(self, step: int) -> None:
        font = self.view.document().defaultFont()
        base = self.font().pointSizeF()
        font.setPointSizeF(max(6.0, base + step))
        self.view.document().setDefaultFont(font)

    # -- preview -----------------------------------------------------------------------

    @property
    def preview(self) -> PreviewView | None:
        return self._preview

    def set_preview_visible(self, visible: bool) -> None:
        if self.preview_button.isChecked() != visible:
            self.preview_button.setChecked(visible)  # re-enters through `toggled`
            return
        if visible and self._preview is None:
            from studio.ui.preview.view import PreviewView

            title = self.shown_title
            self._preview = PreviewView(label=title)
            self._preview.setAccessibleName(f"Page preview of {title}")
            self._preview.set_source_editable(True)
            self._preview.set_file_stem(self._file_stem)
            self._preview.editSourceRequested.connect(
                lambda: self.editSourceRequested.emit(self.index))
            # Never squeezed to a sliver (a grid cell is small): the grid scrolls instead.
            self._preview.setMinimumHeight(PREVIEW_MIN_HEIGHT)
            self._preview.fixItRequested.connect(lambda: self.fixItRequested.emit(self.index))
            self._preview.set_fix_it_available(True)
            self.body.addWidget(self._preview)
            self.body.setSizes([1, 1])
        if self._preview is not None:
            self._preview.setVisible(visible)
            if visible:
                self.update_preview(final=self.state.finished)
        self.previewToggled.emit(self.index, visible)

    def set_file_stem(self, stem: str) -> None:
        """The name proposed when this answer's page or its screenshot is saved."""
        self._file_stem = stem
        if self._preview is not None:
            self._preview.set_file_stem(stem)

    def set_page_source(self, page_of: Callable[[Answer], str | None]) -> None:
        """Where the preview's page comes from (default: the page in the answer's text)."""
        self._page_source = page_of

    def update_preview(self, *, final: bool = False) -> None:
        if self._preview is None or not self._preview.isVisible() or self._answer is None:
            return
        self._preview.set_document(self._page_source(self._answer), final=final)
        if final:
            self.previewFinished.emit(self.index)
