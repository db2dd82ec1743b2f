"""The report's image work done with Qt: scaling and encoding screenshots, and painting the
contact sheet with QPainter.

Qt rather than an image library: PySide6 already ships JPEG/PNG encoders and the app's own
font rendering (with fallback fonts for any script a model name or prompt is written in),
so reports add no dependency. It needs a QGuiApplication, which the command line creates
on the offscreen platform when there is no display.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen

from studio.report.model import Picture
from studio.report.sheet import Shape, SheetLayout, TextBox, Tile

JPEG_QUALITY = 82


def _encode(image: QImage, fmt: str, quality: int = -1) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 (6.11, 6.12) accepts only str for the format here, whatever the stubs say.
    if not image.save(buffer, fmt, quality):  # type: ignore[call-overload]
        raise OSError(f"could not encode a {fmt} image")
    buffer.close()
    return bytes(data.data())


class QtImaging:
    """studio.report.export.Imaging with QImage and QPainter."""

    def picture(self, png: bytes, *, max_width: int, encoding: Literal["jpeg", "png"],
                quality: int | None = None) -> Picture | None:
        image = QImage.fromData(png)
        if image.isNull():
            return None
        if image.width() > max_width:
            image = image.scaledToWidth(max_width, Qt.TransformationMode.SmoothTransformation)
        if encoding == "png":
            return Picture("image/png", _encode(image, "PNG"), image.width(), image.height())
        # JPEG has no transparency: flatten onto white, as a browser shows a page.
        flat = QImage(image.size(), QImage.Format.Format_RGB32)
        flat.fill(QColor("#ffffff"))
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        return Picture("image/jpeg", _encode(flat, "JPEG", quality or JPEG_QUALITY),
                       flat.width(), flat.height())

    def contact_sheet(self, layout: SheetLayout) -> bytes:
        """Any sheet layout painted as a PNG: a contact sheet, the leaderboard's picture."""
        return _encode(paint_sheet(layout), "PNG")


def paint_sheet(layout: SheetLayout) -> QImage:
    colors = {name: QColor(value) for name, value in layout.colors.items()}
    image = QImage(layout.width, layout.height, QImage.Format.Format_RGB32)
    image.fill(colors["bg"])
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing
                           | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    try:
        for tile in layout.tiles:
            _paint_tile(painter, tile, colors)
        for shape in layout.shapes:
            _paint_shape(painter, shape, colors)
        for box in layout.texts:
            _paint_text(painter, box, colors)
    finally:
        painter.end()
    return image


def _paint_tile(painter: QPainter, tile: Tile, colors: dict[str, QColor]) -> None:
    painter.setPen(QPen(colors["danger" if tile.failed else "border"], 1))
    painter.setBrush(colors["card"])
    painter.drawRoundedRect(QRect(tile.x, tile.y, tile.width, tile.height), 10, 10)
    x, y, width, height = tile.image
    box = QRect(x + 1, y + 1, width - 2, height - 2)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colors["shot_bg"])
    painter.drawRect(box)
    shot = QImage.fromData(tile.png) if tile.png else QImage()
    if not shot.isNull():
        scaled = shot.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        painter.drawImage(box.x() + (box.width() - scaled.width()) // 2,
                          box.y() + (box.height() - scaled.height()) // 2, scaled)
    elif tile.note:
        painter.setPen(colors["muted"])
        painter.setFont(_font(14, False))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, tile.note)


def _paint_shape(painter: QPainter, shape: Shape, colors: dict[str, QColor]) -> None:
    painter.setOpacity(shape.opacity)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colors[shape.fill])
    box = QRect(shape.x, shape.y, shape.width, shape.height)
    if shape.radius:
        painter.drawRoundedRect(box, shape.radius, shape.radius)
    else:
        painter.drawRect(box)
    painter.setOpacity(1.0)


_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft, "right": Qt.AlignmentFlag.AlignRight,
          "center": Qt.AlignmentFlag.AlignHCenter}


def _font(pixels: int, bold: bool) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _paint_text(painter: QPainter, box: TextBox, colors: dict[str, QColor]) -> None:
    font = _font(box.size, box.bold)
    painter.setFont(font)
    painter.setPen(colors.get(box.color, colors["fg"]))
    text = QFontMetrics(font).elidedText(box.text, Qt.TextElideMode.ElideRight, box.width)
    painter.drawText(QRect(box.x, box.y, box.width, box.height),
                     int(_ALIGN[box.align] | Qt.AlignmentFlag.AlignVCenter), text)
