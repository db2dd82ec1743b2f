"""The prompt editor's batch parts: rows of values for its {{variables}} and its checks.

Each variable row is a line of the prompt's batch grid (values left empty take the
prompt's defaults). Checks are edited as a small table — kind, text or rubric, limit,
judge model, row — and validated the way the store and collection files validate them,
so a mistake is named ("check 2: …") before anything is saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.checks import CHECK_KINDS, Check, CheckError

KIND_TIPS = {
    "contains": "the answer holds the text",
    "not-contains": "the answer does not hold the text",
    "icontains": "the answer holds the text, in any case",
    "regex": "a Python regular expression matches somewhere in the answer",
    "has-page": "the answer holds an HTML page",
    "no-console-errors": "the page runs in the sandbox with no console error",
    "max-cost": "the answer costs at most the limit (US dollars)",
    "max-ttft": "the first token comes within the limit (seconds)",
    "max-latency": "the whole answer comes within the limit (seconds)",
    "judge": "a judge model grades the answer against the rubric (pass score 0–1 as limit)",
}
_TABLE_HEIGHT = 150


def _buttons(parent: QWidget, add: str, remove: str) -> tuple[QPushButton, QPushButton,
                                                                QHBoxLayout]:
    add_button = QPushButton(add, parent)
    remove_button = QPushButton(remove, parent)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(add_button)
    row.addWidget(remove_button)
    row.addStretch(1)
    return add_button, remove_button, row


def _table(parent: QWidget, columns: Sequence[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(list(columns))
    table.setAccessibleName(name)
    table.setTabKeyNavigation(False)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(True)
    table.setMaximumHeight(_TABLE_HEIGHT)
    return table


class VariableRowsEditor(QWidget):
    """One table row per set of values, one column per variable of the prompt."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._rows: list[dict[str, str]] = []
        self.table = _table(self, [], "Rows of variable values for batches")
        self.table.setToolTip("Each row is its own line of the prompt's batch grid; an empty "
                              "value takes the variable's default")
        self.table.itemChanged.connect(self._edited)
        self.add_button, self.remove_button, buttons = _buttons(self, "Add row", "Remove row")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._refresh()

    def set_names(self, names: Sequence[str]) -> None:
        if list(names) != self._names:
            self._names = list(names)
            self._refresh()

    def set_rows(self, rows: Sequence[Mapping[str, str]]) -> None:
        self._rows = [dict(r) for r in rows]
        self._refresh()

    def rows(self) -> list[dict[str, str]]:
        """The rows with a value in them (values of variables no longer in the prompt are
        kept: they come back if the variable does)."""
        return [{k: v for k, v in row.items() if v != ""} for row in self._rows
                if any(v != "" for v in row.values())]

    def add_row(self) -> None:
        self._rows.append({})
        self._refresh()
        self.table.setCurrentCell(len(self._rows) - 1, 0)

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._rows):
            del self._rows[row]
            self._refresh()

    def _refresh(self) -> None:
        table = self.table
        table.blockSignals(True)
        try:
            table.setColumnCount(len(self._names))
            table.setHorizontalHeaderLabels(self._names)
            table.setRowCount(len(self._rows))
            for r, values in enumerate(self._rows):
                for c, name in enumerate(self._names):
                    table.setItem(r, c, QTableWidgetItem(values.get(name, "")))
            if self._names:
                table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        finally:
            table.blockSignals(False)
        has_names = bool(self._names)
        self.add_button.setEnabled(has_names)
        self.remove_button.setEnabled(has_names and bool(self._rows))
        self.table.setEnabled(has_names)

    def _edited(self, item: QTableWidgetItem) -> None:
        r, c = item.row(), item.column()
        if 0 <= r < len(self._rows) and 0 <= c < len(self._names):
            self._rows[r][self._names[c]] = item.text()


class ChecksEditor(QWidget):
    """One table row per check: kind, text or rubric, limit, judge model, row."""

    COLUMNS = ("Kind", "Text or rubric", "Limit", "Judge model", "Row")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._originals: list[Check | None] = []  # keeps the fields not shown (name, images)
        self.table = _table(self, self.COLUMNS, "Checks run on each answer of a batch")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (2, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(3, 160)
        self.add_button, self.remove_button, buttons = _buttons(self, "Add check",
                                                                "Remove check")
        self.add_button.clicked.connect(lambda: self.add_check())
        self.remove_button.clicked.connect(self.remove_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_checks(self, checks: Sequence[Check]) -> None:
        self.table.setRowCount(0)
        self._originals = []
        for check in checks:
            self.add_check(check)

    def add_check(self, check: Check | None = None) -> None:
        table = self.table
        r = table.rowCount()
        table.insertRow(r)
        kind = QComboBox(table)
        kind.setAccessibleName(f"Kind of check {r + 1}")
        for name in CHECK_KINDS:
            kind.addItem(name)
            kind.setItemData(kind.count() - 1, KIND_TIPS.get(name, ""),
                             Qt.ItemDataRole.ToolTipRole)
        kind.setCurrentText(check.kind if check is not None else "contains")
        table.setCellWidget(r, 0, kind)
        limit = "" if check is None or check.limit is None else f"{check.limit:g}"
        row = "" if check is None or check.row is None else str(check.row + 1)
        for col, text in enumerate((check.value if check else "", limit,
                                    (check.model or "") if check else "", row), start=1):
            table.setItem(r, col, QTableWidgetItem(text))
        self._originals.append(check)
        table.setCurrentCell(r, 1)

    def remove_check(self) -> None:
        r = self.table.currentRow()
        if 0 <= r < self.table.rowCount():
            self.table.removeRow(r)
            del self._originals[r]

    def _text(self, r: int, c: int) -> str:
        item = self.table.item(r, c)
        return item.text().strip() if item is not None else ""

    def checks(self) -> list[Check]:
        """The checks as edited; raises CheckError naming the first bad one."""
        found: list[Check] = []
        for r in range(self.table.rowCount()):
            where = f"check {r + 1}"
            widget = self.table.cellWidget(r, 0)
            kind = widget.currentText() if isinstance(widget, QComboBox) else "contains"
            data: dict[str, object] = {"kind": kind}
            value = self._text(r, 1)
            if value:
                data["value"] = value
            limit = self._text(r, 2)
            if limit:
                try:
                    data["limit"] = float(limit.lstrip("$").rstrip("s").strip())
                except ValueError:
                    raise CheckError(f"the limit {limit!r} is not a number", where) from None
            model = self._text(r, 3)
            if model:
                data["model"] = model
            row = self._text(r, 4)
            if row:
                if not row.isdigit() or int(row) < 1:
                    raise CheckError(f"the row {row!r} is not a row number (1, 2, …)", where)
                data["row"] = int(row) - 1
            check = Check.from_json(data, where)
            original = self._originals[r]
            if original is not None and original.kind == check.kind:
                # What the table does not show: the judge's pictures switch, and a name
                # given to the check (while it still checks the same thing).
                same = original.value == check.value and original.limit == check.limit
                check = replace(check, images=original.images,
                                name=original.name if same else "")
            found.append(check)
        return found
