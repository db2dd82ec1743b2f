"""Importing and exporting collection files from the panel, with non-blocking file dialogs.

An import is checked completely by the store before anything is written, so a broken file
changes nothing; the message names the entry that is wrong.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from studio.store import CollectionId, ImportReport, Store, StoreError

FILE_FILTER = ("Collection files (*.json);;promptfoo configs (*.yaml *.yml);;"
               "All files (*)")


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", name).strip(" .")
    return cleaned or "collections"


def write_document(path: Path, document: object) -> None:
    """Write the JSON next to the target first, so a failed write leaves no half file."""
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Transfer(QObject):
    """`imported(ImportReport)` after a successful import, `exported(path)` after an export,
    `failed(message)` when either went wrong (a message box shows it too)."""

    imported = Signal(object)
    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, store: Store, window: QWidget) -> None:
        super().__init__(window)
        self._store = store
        self._window = window
        self.error_box: QMessageBox | None = None
        self.notes_box: QMessageBox | None = None  # what an import skipped

    # ----- import -----------------------------------------------------------------------
    def choose_import(self) -> QFileDialog:
        dialog = QFileDialog(self._window, "Import collections")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setNameFilter(FILE_FILTER)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda name: self.import_path(Path(name)))
        dialog.open()
        return dialog

    def import_path(self, path: Path) -> ImportReport | None:
        try:
            report = self._store.import_file(path)
        except StoreError as exc:  # ImportFormatError names the entry that is wrong
            self._show_error("Import failed", f"Nothing was imported from {path.name}.",
                             str(exc))
            return None
        self.imported.emit(report)
        if report.notes:
            self.notes_box = self._box(QMessageBox.Icon.Information, "Imported with notes",
                                       f"Imported {path.name}; some parts were not imported.",
                                       "\n\n".join(report.notes))
        return report

    # ----- export -----------------------------------------------------------------------
    def choose_export(self, collection_ids: Sequence[CollectionId] | None, *,
                      with_runs: bool = False, suggested: str = "collections") -> QFileDialog:
        dialog = QFileDialog(self._window, "Export with runs" if with_runs else "Export")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter("Collection files (*.json)")
        dialog.setDefaultSuffix("json")
        dialog.selectFile(_safe_name(suggested) + ".json")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ids = list(collection_ids) if collection_ids is not None else None
        dialog.fileSelected.connect(
            lambda name: self.export_to(Path(name), ids, with_runs=with_runs))
        dialog.open()
        return dialog

    def export_to(self, path: Path, collection_ids: Sequence[CollectionId] | None, *,
                  with_runs: bool = False) -> bool:
        try:
            document = self._store.export(collection_ids, with_runs=with_runs)
            write_document(path, document)
        except (StoreError, OSError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self._show_error("Export failed", f"Could not write {path.name}.", detail)
            return False
        self.exported.emit(str(path))
        return True

    def _show_error(self, title: str, text: str, detail: str) -> None:
        self.error_box = self._box(QMessageBox.Icon.Warning, title, text, detail)
        self.failed.emit(f"{text} {detail}")

    def _box(self, icon: QMessageBox.Icon, title: str, text: str, detail: str) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._window)
        box.setInformativeText(detail)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result, shown=box: self._forget_box(shown))
        box.open()
        return box

    def _forget_box(self, box: QMessageBox) -> None:
        if self.error_box is box:
            self.error_box = None
        if self.notes_box is box:
            self.notes_box = None
