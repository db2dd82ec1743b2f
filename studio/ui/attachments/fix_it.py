"""The fix-it loop in the workspace, and the files of a sent prompt.

"Show the model its page" (on a pane's preview or in the Previews tab) opens a small dialog
with the default prompt, editable, and whom to send it to: that model, or every model that
wrote a page. Each chosen model's page is captured through the preview sandbox at the
preview's current size (a page whose pane is not on screen runs off screen: see
page_shots), its console errors and warnings are read with their line numbers, and one
follow-up goes out: the shared prompt, and for each model its *own* screenshot and
console report (studio.core.fix_it). What was sent shows in each pane's turn.

`FixItLoop.start(comparison, slots, prompt)` is the entry point without a dialog, for any
view that can name models and pages (a batch grid: one cell, a row, all failed checks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.attachments import Attachment
from studio.core.fix_it import FIX_IT_PROMPT, ConsoleLine, fix_it_files
from studio.ui.attachments.page_shots import PageShots
from studio.ui.attachments.tray import AttachmentChip
from studio.ui.attachments.viewer import AttachmentViewer

if TYPE_CHECKING:
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.identity import Identity


class FixItDialog(QDialog):
    """The prompt, editable, and whom it goes to: `model`, or every model with a page
    (`others` more). With `recipients` the choice was made elsewhere (a batch grid's
    cell, row or failed checks) and the dialog only says it."""

    def __init__(self, model: str, others: int, parent: QWidget | None = None, *,
                 recipients: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Show the model its page")
        self.setAccessibleName("Show the model its page")
        layout = QVBoxLayout(self)
        intro = QLabel("A follow-up with a screenshot of the page as its preview shows it "
                       "now (a page whose preview is not on screen is run afresh, at the "
                       "same size, and pictured a second after it loads), and the page's "
                       "console errors with their line numbers:")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.prompt_edit = QPlainTextEdit(FIX_IT_PROMPT)
        self.prompt_edit.setAccessibleName("Fix-it prompt")
        layout.addWidget(self.prompt_edit, 1)
        self.this_model = QRadioButton(f"To {model}")
        self.every_model = QRadioButton(
            f"To every model with a page ({others + 1}), each shown its own page")
        self.this_model.setChecked(True)
        self.every_model.setEnabled(others > 0)
        self.recipients = QLabel(recipients or "")
        self.recipients.setWordWrap(True)
        self.recipients.setVisible(recipients is not None)
        layout.addWidget(self.recipients)
        choice = QHBoxLayout()
        choice.addWidget(self.this_model)
        choice.addWidget(self.every_model)
        layout.addLayout(choice)
        for button in (self.this_model, self.every_model):
            button.setVisible(recipients is None)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 260)

    def prompt(self) -> str:
        return self.prompt_edit.toPlainText().strip() or FIX_IT_PROMPT


class TurnFilesDialog(QDialog):
    """The files one model was sent with one prompt; each opens in the viewer."""

    def __init__(self, files: Iterable[Attachment], title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        self.chips: list[AttachmentChip] = []
        self.viewers: list[AttachmentViewer] = []
        for attachment in files:
            chip = AttachmentChip(attachment)
            chip.remove_button.hide()
            chip.openRequested.connect(self._open)
            self.chips.append(chip)
            layout.addWidget(chip)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _open(self, chip: AttachmentChip) -> None:
        viewer = AttachmentViewer(chip.attachment, self)
        self.viewers.append(viewer)
        viewer.open()


class FixItLoop(QObject):
    sent = Signal(list)  # the slots the follow-up went to
    failed = Signal(str)  # why nothing was sent

    def __init__(self, window: QWidget, identity: Identity | None = None) -> None:
        """`identity`: how the workspace names its models (blind labels while blind)."""
        super().__init__(window)
        self._window = window
        self._identity = identity
        self.dialog: FixItDialog | None = None
        self.files_dialog: TurnFilesDialog | None = None
        self._capturing: dict[Comparison, PageShots] = {}

    def watch(self, comparison: Comparison) -> None:
        comparison.fixItRequested.connect(lambda slot: self.ask(comparison, slot))
        comparison.filesRequested.connect(
            lambda slot, key: self.show_files(comparison, slot, key))

    def _name(self, comparison: Comparison, slot: int) -> str:
        target = comparison.chat.models[slot]
        identity = self._identity
        if identity is not None and identity.hiding:
            return identity.title(slot, target)
        return target.label

    # -- the files of a sent prompt ------------------------------------------------------

    def show_files(self, comparison: Comparison, slot: int, key: int) -> TurnFilesDialog | None:
        turn = comparison.chat.turns.get(key)
        if turn is None:
            return None
        model = self._name(comparison, slot)
        dialog = TurnFilesDialog(turn.files_for(slot), f"Sent to {model} with the prompt",
                                 self._window)
        self.files_dialog = dialog
        dialog.open()
        return dialog

    # -- the fix-it loop -----------------------------------------------------------------

    def pages(self, comparison: Comparison) -> list[int]:
        """The slots whose answer on screen has a page to show them."""
        return [a.slot for a in comparison.answers()
                if a.finished and comparison.page_of(a) is not None]

    def ask(self, comparison: Comparison, slot: int) -> FixItDialog:
        with_pages = self.pages(comparison)
        model = self._name(comparison, slot)
        dialog = FixItDialog(model, len([s for s in with_pages if s != slot]), self._window)
        self.dialog = dialog

        def finished(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                slots = with_pages if dialog.every_model.isChecked() else [slot]
                self.start(comparison, slots or [slot], dialog.prompt())

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def start(self, comparison: Comparison, slots: Iterable[int],
              prompt: str = FIX_IT_PROMPT) -> bool:
        """Capture each model's page and send them all one follow-up, each model with its
        own page. False (and `failed`) when it cannot be sent now."""
        chosen = sorted(set(slots))
        if comparison in self._capturing:
            self.failed.emit("The models' pages are being pictured for the follow-up "
                             "already.")
            return False
        if comparison.running:
            self.failed.emit("Wait for the answers (or stop them) before showing the models "
                             "their pages.")
            return False
        missing = [s for s in chosen if s not in self.pages(comparison)]
        if not chosen or missing:
            names = ", ".join(self._name(comparison, s) for s in missing) or "no model"
            self.failed.emit(f"No finished page to show: {names}.")
            return False
        captured: dict[int, tuple[Attachment, ...]] = {}

        def done(slot: int, png: bytes, console: list[ConsoleLine]) -> None:
            captured[slot] = fix_it_files(png, console)
            if len(captured) == len(chosen):
                self._capturing.pop(comparison).deleteLater()
                asked = comparison.follow_up(prompt, chosen, own_attachments=captured)
                if asked:
                    self.sent.emit(asked)
                else:
                    self.failed.emit("The follow-up could not be sent.")

        shots = self._capturing[comparison] = PageShots(comparison, done, self)
        shots.capture(chosen)
        return True

    def capturing(self, comparison: Comparison) -> bool:
        """Whether the pages of `comparison` are being pictured for a follow-up."""
        return comparison in self._capturing

    def cancel(self, comparison: Comparison | None = None) -> None:
        """Stop the capture under way for `comparison` (None: every one, the window is
        closing): its follow-up is not sent."""
        for key in [comparison] if comparison is not None else list(self._capturing):
            shots = self._capturing.pop(key, None)
            if shots is not None:
                shots.cancel()
                shots.deleteLater()
