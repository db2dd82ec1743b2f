"""Colours derived from the system palette, and scalable icons tinted to match it.

Nothing here hard-codes a light or dark colour: semantic colours are blends of a fixed hue
with the palette's base/text colours, so they stay readable under either scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer

from studio.core.resources import read_text

_GREEN = QColor(46, 160, 67)
_RED = QColor(215, 58, 73)
_AMBER = QColor(219, 154, 4)
_BLUE = QColor(56, 110, 220)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a fraction `t` towards `b`."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


@dataclass(frozen=True, slots=True)
class Colors:
    text: QColor
    muted: QColor
    base: QColor
    alt_base: QColor
    accent: QColor
    success: QColor
    danger: QColor
    warning: QColor
    added_bg: QColor
    removed_bg: QColor
    added_word_bg: QColor
    removed_word_bg: QColor
    chip_bg: QColor


def colors(palette: QPalette | None = None) -> Colors:
    pal = palette or QGuiApplication.palette()
    text = pal.color(QPalette.ColorRole.Text)
    base = pal.color(QPalette.ColorRole.Base)
    window = pal.color(QPalette.ColorRole.Window)
    # Foreground hues lean towards the text colour so they keep contrast on either base.
    fg = 0.35
    return Colors(
        text=text,
        muted=mix(text, base, 0.45),
        base=base,
        alt_base=pal.color(QPalette.ColorRole.AlternateBase),
        accent=pal.color(QPalette.ColorRole.Highlight),
        success=mix(_GREEN, text, fg),
        danger=mix(_RED, text, fg),
        warning=mix(_AMBER, text, fg),
        added_bg=mix(base, _GREEN, 0.18),
        removed_bg=mix(base, _RED, 0.18),
        added_word_bg=mix(base, _GREEN, 0.45),
        removed_word_bg=mix(base, _RED, 0.45),
        chip_bg=mix(window, _BLUE, 0.15),
    )


def css(color: QColor) -> str:
    return color.name(QColor.NameFormat.HexRgb)


class _SvgIconEngine(QIconEngine):
    """Renders one SVG at whatever size is asked, so icons stay sharp at any scale factor;
    its `currentColor` is the palette's text colour for the icon's mode."""

    def __init__(self, svg: str) -> None:
        super().__init__()
        self._svg = svg

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        pal = QGuiApplication.palette()
        group = (QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled
                 else QPalette.ColorGroup.Active)
        role = (QPalette.ColorRole.HighlightedText if mode == QIcon.Mode.Selected
                else QPalette.ColorRole.WindowText)
        data = self._svg.replace("currentColor", css(pal.color(group, role)))
        return QSvgRenderer(QByteArray(data.encode("utf-8")))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        self._renderer(mode).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return QPixmap.fromImage(image)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State,
                     scale: float) -> QPixmap:
        # Drawn for the screen's device pixels, so toolbar icons stay sharp at 150 % or 200 %.
        pixmap = self.pixmap(QSize(round(size.width() * scale), round(size.height() * scale)),
                             mode, state)
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._svg)


@lru_cache(maxsize=64)
def _svg_source(name: str) -> str:
    return read_text("icons", f"{name}.svg")


def icon(name: str) -> QIcon:
    """A toolbar icon from resources/icons, drawn in the palette's text colour."""
    return QIcon(_SvgIconEngine(_svg_source(name)))

