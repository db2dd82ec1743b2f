"""The "Export report" dialog: format, file, blind, layout, theme; then where it was saved.

Non-modal (`open()`, never `exec()`); the export itself is a `ReportExporter` the dialog
owns while it runs, so closing the dialog cancels it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.report.export import (
    ExportResult,
    ReportError,
    ReportFormat,
    ReportOptions,
    ReportRequest,
    report_format,
)
from studio.report.model import LAYOUTS, THEMES, Layout, ThemeChoice
from studio.ui.report.exporter import ReportExporter
from studio.ui.style import colors, set_text_color

_LAYOUT_NAMES = {"columns": "Columns, side by side", "stacked": "Stacked, one under another"}
_THEME_NAMES = {"auto": "Follow the reader's system", "light": "Light", "dark": "Dark"}


def file_stem(title: str) -> str:
    """A file name from a report's title: letters, digits and dashes, at most 60 long."""
    stem = re.sub(r"[^\w]+", "-", title.lower(), flags=re.UNICODE).strip("-_")
    return stem[:60].strip("-_") or "report"


class ReportDialog(QDialog):
    """Exports what `request` names (a run, the leaderboard …); the choices that do not
    apply to it are off. `saved(path)` after each file written."""

    saved = Signal(str)

    def __init__(self, request: ReportRequest, *, folder: Path, network: bool = False,
                 secrets: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export report")
        self.setAccessibleName("Export report")
        self.request = request
        self._network = network
        self._secrets = tuple(secrets)
        self._stem = file_stem(request.title)
        self.exporter: ReportExporter | None = None
        self.saved_result: ExportResult | None = None
        self._file_dialog: QFileDialog | None = None

        heading = QLabel(request.title)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.format_combo = QComboBox()
        self.format_combo.setAccessibleName("Report format")
        for fmt in ReportFormat:
            self.format_combo.addItem(request.format_names[fmt], fmt.value)
        self.path_edit = QLineEdit(str(folder / f"{self._stem}.html"))
        self.path_edit.setAccessibleName("Report file")
        self.browse_button = QPushButton("Choose…")
        self.browse_button.setAccessibleName("Choose the report file")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.blind_box = QCheckBox("Blind: name the models A, B, C … and hide what gives "
                                   "them away (the HTML report has a reveal button)")
        self.layout_combo = self._choices("Layout", LAYOUTS, _LAYOUT_NAMES)
        self.theme_combo = self._choices("Theme", THEMES, _THEME_NAMES)
        form = QFormLayout()
        form.addRow("Format:", self.format_combo)
        form.addRow("File:", path_row)
        form.addRow("Layout:", self.layout_combo)
        form.addRow("Theme:", self.theme_combo)
        form.addRow("", self.blind_box)
        # Choices that never apply to this kind of report are not shown at all.
        form.setRowVisible(self.layout_combo, request.layouts)
        form.setRowVisible(self.blind_box, request.blind)

        self.status = QLabel()
        self.status.setAccessibleName("Export status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button = self.buttons.addButton("Open", QDialogButtonBox.ButtonRole.ActionRole)
        self.folder_button = self.buttons.addButton("Show folder",
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.open_button.hide()
        self.folder_button.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.format_combo.currentIndexChanged.connect(self._format_chosen)
        self.path_edit.textChanged.connect(self._path_edited)
        self.browse_button.clicked.connect(self._browse)
        self.export_button.clicked.connect(self.export)
        self.open_button.clicked.connect(self._open_report)
        self.folder_button.clicked.connect(self._open_folder)
        self.close_button.clicked.connect(self.close)
        self._update_choices()

    def _choices(self, name: str, values: tuple[str, ...], names: dict[str, str]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for value in values:
            combo.addItem(names[value], value)
        return combo

    # -- choices -------------------------------------------------------------------------

    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def options(self) -> ReportOptions:
        layout: Layout = self.layout_combo.currentData()
        theme: ThemeChoice = self.theme_combo.currentData()
        return ReportOptions(blind=self.request.blind and self.blind_box.isChecked(),
                             layout=layout, theme=theme)

    def format(self) -> ReportFormat:
        # The combo keeps the enum's value: Qt hands a StrEnum back as a plain str.
        return ReportFormat(self.format_combo.currentData())

    def set_format(self, fmt: ReportFormat) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt.value))

    def _format_chosen(self) -> None:
        fmt = self.format()
        path = self.path()
        if path.name:
            self.path_edit.setText(str(path.with_suffix(f".{fmt.value}")))
        self._update_choices()

    def _path_edited(self) -> None:
        try:
            fmt = report_format(self.path())
        except ReportError:
            self._update_choices()
            return
        if fmt is not self.format():
            self.format_combo.blockSignals(True)
            self.set_format(fmt)
            self.format_combo.blockSignals(False)
        self._update_choices()

    def _update_choices(self) -> None:
        fmt = self.format()
        running = self.exporter is not None and self.exporter.running
        self.layout_combo.setEnabled(fmt is ReportFormat.HTML and self.request.layouts
                                     and not running)
        self.theme_combo.setEnabled(fmt in (ReportFormat.HTML, ReportFormat.SHEET)
                                    and not running)
        for widget in (self.format_combo, self.path_edit, self.browse_button):
            widget.setEnabled(not running)
        self.blind_box.setEnabled(self.request.blind and not running)
        self.export_button.setEnabled(not running and bool(self.path_edit.text().strip()))
        self.close_button.setText("Cancel" if running else "Close")
        # Writing takes a second or two and cannot be stopped half-way.
        self.close_button.setEnabled(not (running and self.exporter is not None
                                          and self.exporter.writing))

    def _browse(self) -> None:
        fmt = self.format()
        dialog = QFileDialog(self, "Save the report as", str(self.path().parent),
                             f"{self.request.format_names[fmt]} (*.{fmt.value})")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(fmt.value)
        dialog.selectFile(self.path().name)
        dialog.fileSelected.connect(self.path_edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        self._file_dialog = dialog
        dialog.open()

    # -- exporting -------------------------------------------------------------------------

    def export(self) -> ReportExporter | None:
        if self.exporter is not None and self.exporter.running:
            return None
        path = self.path()
        try:
            report_format(path)
        except ReportError as exc:
            self._show_status(str(exc), error=True)
            return None
        self.saved_result = None
        self.open_button.hide()
        self.folder_button.hide()
        exporter = ReportExporter(self.request, path, self.options(), network=self._network,
                                  secrets=self._secrets, parent=self)
        exporter.progress.connect(self._on_progress)
        exporter.saved.connect(self._saved)
        exporter.failed.connect(self._failed)
        exporter.cancelled.connect(self._cancelled)
        self.exporter = exporter
        self._show_status("Preparing the report…")
        exporter.start()
        self._update_choices()
        return exporter

    def _on_progress(self, text: str) -> None:
        self.status.setText(text)
        self._update_choices()

    def _saved(self, result: ExportResult) -> None:
        self.saved_result = result
        extra = len(result.files) - 1
        noun = "screenshot" if result.pages else "picture"  # a leaderboard's table
        files = f" and {extra} {noun}{'s' if extra != 1 else ''} beside it" if extra else ""
        self._show_status(f"Saved to {result.path}{files} ({result.summary()}).")
        self.open_button.show()
        self.folder_button.show()
        self._update_choices()
        self.saved.emit(str(result.path))

    def _failed(self, message: str) -> None:
        self._show_status(f"Not saved: {message}", error=True)
        self._update_choices()

    def _cancelled(self) -> None:
        self._show_status("Cancelled; nothing was saved.")
        self._update_choices()

    def _show_status(self, message: str, *, error: bool = False) -> None:
        set_text_color(self.status, colors(self.palette()).danger if error
                       else self.palette().color(QPalette.ColorRole.WindowText))
        self.status.setText(message)

    def _open_report(self) -> None:
        if self.saved_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_result.path)))

    def _open_folder(self) -> None:
        if self.saved_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_result.path.parent)))

    def closeEvent(self, event: QCloseEvent) -> None:
        exporter = self.exporter
        if exporter is not None and exporter.running and not exporter.cancel():
            event.ignore()  # being written: the dialog says when it is done
            return
        super().closeEvent(event)
