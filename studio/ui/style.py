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
from PySide6.QtWidgets import QWidget

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


_COLORS: dict[int, Colors] = {}  # by QPalette.cacheKey(): the same key, the same colours


def colors(palette: QPalette | None = None) -> Colors:
    # Every pane, label and strip asks, and the blending adds up: blended once per palette.
    pal = palette or QGuiApplication.palette()
    key = pal.cacheKey()
    found = _COLORS.get(key)
    if found is None:
        if len(_COLORS) >= 16:
            _COLORS.clear()
        found = _COLORS[key] = _blend(pal)
    return found


def _blend(pal: QPalette) -> Colors:
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


def set_text_color(widget: QWidget, color: QColor) -> None:
    """Draw `widget`'s text in `color` through its palette: unlike a style sheet, this
    leaves the widget on the fast native style path."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, color)
    palette.setColor(QPalette.ColorRole.Text, color)
    widget.setPalette(palette)


class _SvgIconEngine(QIconEngine):
    """Renders one SVG at whatever size is asked, so icons stay sharp at any scale factor;
    its `currentColor` is the palette's text colour for the icon's mode. Each rendering is
    kept (per size, mode and colour): Qt asks again on every repaint of a button."""

    _KEEP = 32  # renderings per icon: a few sizes × modes × palettes

    def __init__(self, svg: str) -> None:
        super().__init__()
        self._svg = svg
        self._pixmaps: dict[tuple[int, int, int, int], QPixmap] = {}

    @staticmethod
    def _color(mode: QIcon.Mode) -> QColor:
        pal = QGuiApplication.palette()
        group = (QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled
                 else QPalette.ColorGroup.Active)
        role = (QPalette.ColorRole.HighlightedText if mode == QIcon.Mode.Selected
                else QPalette.ColorRole.WindowText)
        return pal.color(group, role)

    def _render(self, size: QSize, color: QColor) -> QPixmap:
        data = self._svg.replace("currentColor", css(color))
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        QSvgRenderer(QByteArray(data.encode("utf-8"))).render(
            painter, QRectF(QRect(QPoint(0, 0), size)))
        painter.end()
        return QPixmap.fromImage(image)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, ratio))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        color = self._color(mode)
        key = (size.width(), size.height(), int(mode.value), color.rgba())
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            if len(self._pixmaps) >= self._KEEP:
                self._pixmaps.clear()
            pixmap = self._pixmaps[key] = self._render(size, color)
        return pixmap

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State,
                     scale: float) -> QPixmap:
        # Drawn for the screen's device pixels, so toolbar icons stay sharp at 150 % or 200 %.
        pixmap = QPixmap(self.pixmap(
            QSize(round(size.width() * scale), round(size.height() * scale)), mode, state))
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._svg)


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    """A toolbar icon from resources/icons, drawn in the palette's text colour. One per
    name: every button showing it shares its renderings."""
    return QIcon(_SvgIconEngine(read_text("icons", f"{name}.svg")))

