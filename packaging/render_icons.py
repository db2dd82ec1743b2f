"""Render the app icon into the freedesktop hicolor theme layout under resources/icons/hicolor.

    python packaging/render_icons.py           write the PNGs and the scalable SVG
    python packaging/render_icons.py --check   exit 1 if they are missing or out of date

Launchers and panels look the icon up by the application id in the hicolor theme; most of
them prefer a PNG of the exact size they draw, so every usual size is rendered ahead of time
with Qt's own SVG renderer (the same one the app uses for its window icon).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parent.parent
ICONS = REPO / "resources" / "icons"
HICOLOR = ICONS / "hicolor"
APP_ID = "io.github.promptstudio.PromptStudio"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# The first of these that exists is the drawing; the others are fallbacks for older trees.
SOURCES = ("app.svg", "prompt-studio.svg", f"{APP_ID}.svg")
# Anti-aliasing may differ by one step between Qt builds; --check allows that much per channel.
CHANNEL_TOLERANCE = 8


def source_svg() -> Path:
    for name in SOURCES:
        path = ICONS / name
        if path.is_file():
            return path
    raise SystemExit(f"no app icon found in {ICONS} (looked for {', '.join(SOURCES)})")


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def svg_path() -> Path:
    return HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"


def _ensure_gui() -> QGuiApplication:
    # QSvgRenderer and QPainter on a QImage need a QGuiApplication (fonts, pixel formats);
    # the offscreen platform keeps this runnable without a display.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    assert isinstance(app, QGuiApplication)
    return app


def render(svg: bytes, size: int) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise SystemExit("the app icon is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def _same_image(a: QImage, b: QImage) -> bool:
    if a.size() != b.size():
        return False
    a = a.convertToFormat(QImage.Format.Format_ARGB32)
    b = b.convertToFormat(QImage.Format.Format_ARGB32)
    bytes_a, bytes_b = bytes(a.constBits()), bytes(b.constBits())
    if bytes_a == bytes_b:
        return True
    return all(abs(x - y) <= CHANNEL_TOLERANCE for x, y in zip(bytes_a, bytes_b, strict=True))


def stale_outputs(svg: bytes) -> list[Path]:
    """The outputs that are missing or differ from a fresh render of `svg`."""
    stale = []
    if not svg_path().is_file() or svg_path().read_bytes() != svg:
        stale.append(svg_path())
    for size in SIZES:
        path = png_path(size)
        stored = QImage(str(path))
        if stored.isNull() or not _same_image(stored, render(svg, size)):
            stale.append(path)
    return stale


def write_outputs(svg: bytes) -> list[Path]:
    written = []
    svg_path().parent.mkdir(parents=True, exist_ok=True)
    svg_path().write_bytes(svg)
    written.append(svg_path())
    for size in SIZES:
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not render(svg, size).save(str(path), b"PNG"):
            raise SystemExit(f"cannot write {path}")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true",
                        help="only report whether the rendered icons are up to date")
    args = parser.parse_args(argv)
    _app = _ensure_gui()
    svg = source_svg().read_bytes()
    if args.check:
        stale = stale_outputs(svg)
        for path in stale:
            print(f"out of date: {path.relative_to(REPO)}", file=sys.stderr)
        if stale:
            print("run: python packaging/render_icons.py", file=sys.stderr)
            return 1
        print(f"hicolor icons match {source_svg().relative_to(REPO)}")
        return 0
    for path in write_outputs(svg):
        print(path.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
