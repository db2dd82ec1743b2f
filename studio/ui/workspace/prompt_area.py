"""The bottom of the window: model chips, a collapsible system prompt, the prompt, Send/Stop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.attachments.tray import AttachmentTray, PasteDropCatcher
from studio.ui.style import icon
from studio.ui.workspace.history import PromptHistory
from studio.ui.workspace.model_bar import ModelBar
from studio.ui.workspace.prompt_editor import PromptEditor, editor_font

FOLLOW_UP_TIP = ("Continue the thread: send to the panes with \"Follow-ups\" checked, each "
                 "model with its own earlier answers (Ctrl+Shift+Enter)")
BRANCH_TIP = ("Send the edited prompt as a new branch from that point; the current branch "
              "stays reachable (Ctrl+Shift+Enter)")


class PromptArea(QWidget):
    sendRequested = Signal()
    followUpRequested = Signal()
    editCancelled = Signal()
    stopRequested = Signal()

    def __init__(self, history: PromptHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settled_prompt = ""  # the text the window last put in the editor, or sent
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)

        self.model_bar = ModelBar()
        layout.addWidget(self.model_bar)

        self.system_toggle = QToolButton()
        self.system_toggle.setCheckable(True)
        self.system_toggle.setAutoRaise(True)
        self.system_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.system_toggle.setAccessibleName("Show system prompt")
        self.system_toggle.toggled.connect(self.set_system_visible)
        layout.addWidget(self.system_toggle)
        self.system_edit = QPlainTextEdit()
        self.system_edit.setFont(editor_font())
        self.system_edit.setTabChangesFocus(True)
        self.system_edit.setAccessibleName("System prompt")
        self.system_edit.setPlaceholderText("Shared system prompt (a model's own settings may "
                                            "override it)")
        self.system_edit.setFixedHeight(self.system_edit.fontMetrics().lineSpacing() * 3 + 14)
        self.system_edit.textChanged.connect(self._update_system_toggle)
        layout.addWidget(self.system_edit)

        self.edit_bar = QWidget()
        edit_row = QHBoxLayout(self.edit_bar)
        edit_row.setContentsMargins(0, 0, 0, 0)
        self.edit_label = QLabel()
        self.edit_label.setWordWrap(True)
        self.edit_label.setAccessibleName("Editing an earlier prompt")
        self.edit_cancel = QToolButton()
        self.edit_cancel.setText("Cancel edit")
        self.edit_cancel.setAccessibleName("Cancel editing the earlier prompt")
        self.edit_cancel.clicked.connect(self.editCancelled)
        edit_row.addWidget(self.edit_label, 1)
        edit_row.addWidget(self.edit_cancel)
        self.edit_bar.hide()
        layout.addWidget(self.edit_bar)

        self.editor = PromptEditor(history)
        # files for the next prompt: paste or drop them on the editor, or "Attach"
        self.attachments = AttachmentTray()
        PasteDropCatcher(self.attachments, (self.editor, self.editor.viewport()))
        layout.addWidget(self.attachments)

        row = QHBoxLayout()
        self.editor.submitted.connect(self.sendRequested)
        self.editor.followUpSubmitted.connect(self.followUpRequested)
        row.addWidget(self.editor, 1)
        buttons = QVBoxLayout()
        self.send_button = QPushButton(icon("send"), "Send")
        self.send_button.setToolTip("Send to every selected model (Ctrl+Enter)")
        self.send_button.setAccessibleName("Send prompt")
        self.send_button.clicked.connect(self.sendRequested)
        self.follow_button = QPushButton(icon("send"), "Follow up")
        self.follow_button.setToolTip(FOLLOW_UP_TIP)
        self.follow_button.setAccessibleName("Send as a follow-up")
        self.follow_button.clicked.connect(self.followUpRequested)
        self.follow_button.setEnabled(False)
        self.stop_button = QPushButton(icon("stop"), "Stop")
        self.stop_button.setToolTip("Stop every model (Esc)")
        self.stop_button.setAccessibleName("Stop all models")
        self.stop_button.clicked.connect(self.stopRequested)
        self.stop_button.setEnabled(False)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.follow_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout.addLayout(row, 1)
        self.set_system_visible(False)

    def prompt(self) -> str:
        return self.editor.toPlainText()

    def set_prompt(self, text: str) -> None:
        """Put `text` in the editor (what the window does: a reopened run's prompt, a
        cleared editor); typing after it makes a draft again."""
        self.editor.setPlainText(text)
        self.settled_prompt = text

    def mark_sent(self) -> None:
        """What the editor holds was just sent: it is no longer a draft."""
        self.settled_prompt = self.prompt()

    def unsent_draft(self) -> bool:
        """The editor holds text the user wrote (or changed) and has not sent."""
        text = self.prompt()
        return bool(text.strip()) and text != self.settled_prompt

    def system_prompt(self) -> str | None:
        return self.system_edit.toPlainText().strip() or None

    def set_system_prompt(self, text: str | None) -> None:
        self.system_edit.setPlainText(text or "")

    @property
    def system_visible(self) -> bool:
        return self.system_toggle.isChecked()

    def set_system_visible(self, visible: bool) -> None:
        if self.system_toggle.isChecked() != visible:
            self.system_toggle.setChecked(visible)
            return
        self.system_edit.setVisible(visible)
        self.system_toggle.setIcon(icon("chevron-down" if visible else "chevron-right"))
        self._update_system_toggle()
        if visible:
            self.system_edit.setFocus()

    def _update_system_toggle(self) -> None:
        text = "System prompt"
        if not self.system_visible and self.system_prompt():
            text += " (set)"
        self.system_toggle.setText(text)

    def set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)

    def set_follow_up_available(self, available: bool) -> None:
        self.follow_button.setEnabled(available)

    @property
    def editing(self) -> bool:
        return not self.edit_bar.isHidden()

    def set_editing(self, description: str | None) -> None:
        """Show that the editor holds an earlier prompt to branch from (None: it does not)."""
        self.edit_bar.setVisible(description is not None)
        self.edit_label.setText(description or "")
        self.follow_button.setText("Send as new branch" if description else "Follow up")
        self.follow_button.setToolTip(BRANCH_TIP if description else FOLLOW_UP_TIP)
