"""A small editor for a saved prompt: title, body, system prompt, variables (with rows of
values for batches), checks, notes, tags and preferred model set. Open it with `open()`; it
writes to the store, in one transaction, when the user saves."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.checks import CheckError
from studio.core.variables import find_variables
from studio.store import CollectionId, ModelSetId, Prompt, Store, StoreError
from studio.ui.library.prompt_extras import ChecksEditor, VariableRowsEditor


def parse_tags(text: str) -> list[str]:
    return [t.strip() for t in text.replace("#", " ").replace(";", ",").split(",")
            if t.strip()]


class PromptEditorDialog(QDialog):
    """`promptSaved(Prompt)` after the prompt was added or changed in the store."""

    promptSaved = Signal(object)

    def __init__(self, store: Store, collection_id: CollectionId, prompt: Prompt | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._collection_id = prompt.collection_id if prompt else collection_id
        self._prompt = prompt
        self.saved: Prompt | None = None
        self._defaults: dict[str, str] = dict(prompt.variables) if prompt else {}
        self.setWindowTitle("Edit prompt" if prompt else "New prompt")
        self.setAccessibleName(self.windowTitle())
        self.resize(720, 900)

        self.title_edit = QLineEdit(prompt.title if prompt else "", self)
        self.title_edit.setAccessibleName("Title")
        self.body_edit = QPlainTextEdit(prompt.body if prompt else "", self)
        self.body_edit.setAccessibleName("Prompt")
        self.body_edit.setPlaceholderText("The prompt; write {{name}} for a variable")
        self.system_edit = QPlainTextEdit((prompt.system or "") if prompt else "", self)
        self.system_edit.setAccessibleName("System prompt")
        self.system_edit.setPlaceholderText("Optional")
        self.system_edit.setMaximumHeight(90)
        self.variables = QTableWidget(0, 2, self)
        self.variables.setTabKeyNavigation(False)  # Tab leaves the table; arrows walk it
        self.variables.setAccessibleName("Variables and their default values")
        self.variables.setHorizontalHeaderLabels(["Variable", "Default value"])
        self.variables.verticalHeader().setVisible(False)
        self.variables.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch)
        self.variables.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.variables.setMaximumHeight(130)
        self.variables.itemChanged.connect(self._default_edited)
        self.rows_editor = VariableRowsEditor(self)
        self.checks_editor = ChecksEditor(self)
        self._extras_problem = ""
        try:
            if prompt is not None:
                self.rows_editor.set_rows(store.variable_rows(prompt.id))
                self.checks_editor.set_checks(store.checks(prompt.id))
        except StoreError as exc:
            # Shown empty: saving would replace them with nothing, so it is refused.
            self._extras_problem = str(exc)
        self.notes_edit = QPlainTextEdit(prompt.notes if prompt else "", self)
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setMaximumHeight(80)
        self.tags_edit = QLineEdit(", ".join(prompt.tags) if prompt else "", self)
        self.tags_edit.setAccessibleName("Tags")
        self.tags_edit.setPlaceholderText("physics, canvas")
        self.model_set_combo = QComboBox(self)
        self.model_set_combo.setAccessibleName("Preferred model set")
        self.model_set_combo.addItem("None", None)
        for model_set in store.model_sets():
            self.model_set_combo.addItem(model_set.name, int(model_set.id))
            if prompt is not None and prompt.model_set_id == model_set.id:
                self.model_set_combo.setCurrentIndex(self.model_set_combo.count() - 1)

        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        form.addRow("&Prompt", self.body_edit)
        form.addRow("&System", self.system_edit)
        form.addRow("&Variables", self.variables)
        form.addRow("Variable &rows", self.rows_editor)
        form.addRow("Chec&ks", self.checks_editor)
        form.addRow("&Notes", self.notes_edit)
        form.addRow("T&ags", self.tags_edit)
        form.addRow("&Model set", self.model_set_combo)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Problem")
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

        self.body_edit.textChanged.connect(self._sync_variables)
        self.system_edit.textChanged.connect(self._sync_variables)
        self._sync_variables()

    # ----- variables --------------------------------------------------------------------
    def _sync_variables(self) -> None:
        names = find_variables(self.body_edit.toPlainText() + "\n"
                               + self.system_edit.toPlainText())
        self.rows_editor.set_names(names)
        if names == self.variable_names():
            return
        self.variables.blockSignals(True)
        try:
            self.variables.setRowCount(len(names))
            for row, name in enumerate(names):
                key = QTableWidgetItem(name)
                key.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.variables.setItem(row, 0, key)
                self.variables.setItem(row, 1, QTableWidgetItem(self._defaults.get(name, "")))
        finally:
            self.variables.blockSignals(False)

    def _default_edited(self, item: QTableWidgetItem) -> None:
        if item.column() == 1:
            name = self.variables.item(item.row(), 0)
            if name is not None:
                self._defaults[name.text()] = item.text()

    def variable_names(self) -> list[str]:
        names = []
        for row in range(self.variables.rowCount()):
            item = self.variables.item(row, 0)
            if item is not None:
                names.append(item.text())
        return names

    def set_default(self, name: str, value: str) -> None:
        self._defaults[name] = value
        for row, known in enumerate(self.variable_names()):
            if known == name:
                self.variables.setItem(row, 1, QTableWidgetItem(value))

    def variable_values(self) -> dict[str, str]:
        return {name: self._defaults.get(name, "") for name in self.variable_names()}

    # ----- saving -----------------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def accept(self) -> None:
        title = self.title_edit.text().strip()
        body = self.body_edit.toPlainText()
        if not title:
            self._show_error("The prompt needs a title.")
            self.title_edit.setFocus()
            return
        system = self.system_edit.toPlainText()
        model_set = self.model_set_combo.currentData()
        tags = parse_tags(self.tags_edit.text())
        try:
            checks = self.checks_editor.checks()
        except CheckError as exc:
            self._show_error(f"{exc.where[0].upper() + exc.where[1:]}: {exc.problem}"
                             if exc.where else str(exc))
            self.checks_editor.setFocus()
            return
        if self._extras_problem:
            self._show_error("The prompt's variable rows and checks could not be read, so "
                             f"saving would lose them: {self._extras_problem}")
            return
        rows = self.rows_editor.rows()
        try:
            with self._store.transaction():
                self._save(title, body, system, model_set, tags)
                assert self.saved is not None
                self._store.set_variable_rows(self.saved.id, rows)
                self._store.set_checks(self.saved.id, checks)
        except StoreError as exc:
            self.saved = None
            self._show_error(str(exc))
            return
        self.promptSaved.emit(self.saved)
        super().accept()

    def _save(self, title: str, body: str, system: str, model_set: int | None,
              tags: list[str]) -> None:
        model_set_id = ModelSetId(model_set) if model_set is not None else None
        if self._prompt is None:
            self.saved = self._store.add_prompt(
                self._collection_id, title, body, system=system or None,
                variables=self.variable_values(), notes=self.notes_edit.toPlainText(),
                tags=tags, model_set_id=model_set_id)
        else:
            self.saved = self._store.update_prompt(
                self._prompt.id, title=title, body=body, system=system,
                variables=self.variable_values(), notes=self.notes_edit.toPlainText(),
                tags=tags, model_set_id=model_set_id, clear_model_set=model_set is None)
