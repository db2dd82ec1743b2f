"""Desktop conventions: named controls, sharp icons in the palette's colour, shortcuts."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from studio.core.catalog import ProviderRegistry
from studio.core.resources import resource
from studio.ui.main_window import MainWindow
from studio.ui.style import colors, icon
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target, wait_until
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def test_every_icon_renders_sharp_at_any_scale(qapp: QApplication) -> None:
    names = sorted(p.name[:-4] for p in resource("icons").iterdir() if p.name.endswith(".svg"))
    assert "app" in names and "send" in names
    for name in names:
        for scale in (1.0, 2.0):
            pixmap = icon(name).pixmap(QSize(24, 24), scale)
            assert pixmap.size() == QSize(round(24 * scale), round(24 * scale)), name
            image = pixmap.toImage()
            assert any(image.pixelColor(x, y).alpha() > 0
                       for x in range(image.width()) for y in range(image.height())), name


def test_icons_and_colours_follow_a_dark_palette(qapp: QApplication) -> None:
    original = QApplication.palette()
    dark = QPalette(original)
    for role, colour in ((QPalette.ColorRole.Window, "#202124"),
                         (QPalette.ColorRole.Base, "#17181a"),
                         (QPalette.ColorRole.Text, "#e8eaed"),
                         (QPalette.ColorRole.WindowText, "#e8eaed")):
        dark.setColor(role, QColor(colour))
    QApplication.setPalette(dark)
    try:
        image = icon("stop").pixmap(QSize(24, 24)).toImage()
        drawn = [image.pixelColor(x, y) for x in range(24) for y in range(24)
                 if image.pixelColor(x, y).alpha() == 255]
        assert drawn and all(c.lightness() > 180 for c in drawn)  # light strokes on dark
        c = colors(dark)
        assert c.added_bg.lightness() < 100 and c.removed_bg.lightness() < 100
        assert c.success.lightness() > 100 and c.danger.lightness() > 100
    finally:
        QApplication.setPalette(original)


def test_icons_render_once_per_size_and_colour(qapp: QApplication) -> None:
    # Every pane's buttons share one icon per name; Qt asks for the pixmap on every repaint.
    first = icon("stop").pixmap(QSize(24, 24))
    assert icon("stop").pixmap(QSize(24, 24)).cacheKey() == first.cacheKey()
    assert icon("stop").pixmap(QSize(32, 32)).cacheKey() != first.cacheKey()
    disabled = icon("stop").pixmap(QSize(24, 24), QIcon.Mode.Disabled)
    assert disabled.cacheKey() != first.cacheKey()
    palette = QApplication.palette()
    assert colors(palette) is colors(QPalette(palette))  # same colours: blended once


def test_every_control_of_the_window_has_an_accessible_name(
        loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator) -> None:
    sim.script("named", Synthetic(["Hello **there**.\n\n```python\nprint(1)\n```\n"]))
    comparison = in_loop(loop, lambda: window.send("hi", [
        target(registry, "sim-openai", "named"), target(registry, "sim-gemini", "named")]))
    wait_until(loop, lambda: comparison.settled, what="answers")
    controls: list[QWidget] = [
        w for w in window.findChildren(QAbstractButton) if w.isVisibleTo(window)]
    controls += [w for w in window.findChildren(QComboBox) if w.isVisibleTo(window)]
    controls += [w for w in window.findChildren(QPlainTextEdit) if w.isVisibleTo(window)]
    controls += [w for w in window.findChildren(QTextEdit) if w.isVisibleTo(window)]
    assert len(controls) > 20
    unnamed = [w for w in controls
               if not (w.accessibleName() or (isinstance(w, QAbstractButton) and w.text()))]
    # Toolbar buttons take their names from their actions.
    unnamed = [w for w in unnamed
               if not (isinstance(w, QToolButton) and w.defaultAction() is not None)]
    assert unnamed == [], [type(w).__name__ for w in unnamed]


def test_menus_hold_the_documented_shortcuts(window: MainWindow) -> None:
    a = window.actions_
    shortcuts = {
        "send": [s.toString() for s in a.send.shortcuts()],
        "stop": [s.toString() for s in a.stop_all.shortcuts()],
        "new": [s.toString() for s in a.new.shortcuts()],
        "next": [s.toString() for s in a.next_pane.shortcuts()],
        "zoom in": [s.toString() for s in a.zoom_in.shortcuts()],
    }
    assert shortcuts["send"][0] == "Ctrl+Return"
    assert shortcuts["stop"] == ["Esc", "Ctrl+."]
    assert shortcuts["new"] == ["Ctrl+N"]
    assert shortcuts["next"][0] == "Ctrl+Tab"
    assert "Ctrl++" in shortcuts["zoom in"]
    titles = [m.title() for m in window.menuBar().findChildren(QMenu)]
    for title in ("&File", "&Run", "&View", "&Help"):
        assert title in titles
