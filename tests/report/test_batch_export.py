"""A batch written with Qt's imaging — the contact sheet painted and checked pixel by pixel,
the thumbnails, the screenshots a report takes and why the others have none — and exported
from the app's "Export report…" dialog, which the grid window opens for a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from PySide6.QtGui import QColor, QImage

from studio.report.batch_export import (
    FORMAT_NAMES,
    MAX_TAKEN,
    NOT_TAKEN,
    BatchSource,
    write_batch_report,
)
from studio.report.batch_sheet import batch_sheet_layout
from studio.report.batch_view import batch_document
from studio.report.export import ReportFormat, ReportOptions, Shot
from studio.report.model import BatchSection, Picture, ThemeChoice
from studio.report.sheet import SHEET_COLORS
from studio.store import Store
from studio.ui.report.exports import NO_BATCH, NO_HISTORY
from studio.ui.report.imaging import QtImaging
from tests.report.conftest import HAS_DISPLAY, report_exports, rgb
from tests.support.report_batches import big_batch, rich_batch
from tests.support.report_runs import solid_png


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_contact_sheet_is_the_grid_of_thumbnails(
        qapp: Any, store: Store, tmp_path: Path, theme: ThemeChoice) -> None:
    source = BatchSource.load(store, rich_batch(store).batch_id)
    out = tmp_path / "sheet.png"
    result = write_batch_report(source, out, QtImaging(), options=ReportOptions(theme=theme))
    assert result.files == (out,)
    image = QImage(str(out))
    # The layout of the same document, with the thumbnail at the tile's size.
    red = Picture("image/png", solid_png(240, 150, (255, 0, 0)), 240, 150)
    doc = batch_document(source.batch, pictures={k: red for k in source.stored})
    section = doc.sections[0]
    assert isinstance(section, BatchSection)
    layout = batch_sheet_layout(doc, section, theme)
    assert (image.width(), image.height()) == (layout.width, layout.height)
    colours = {k: QColor(v).getRgb()[:3] for k, v in SHEET_COLORS[theme].items()}
    assert rgb(image, 3, 3) == colours["bg"]
    first, *others = layout.tiles
    x, y, width, height = first.image
    # The kept screenshot fills the first tile's picture box; the others are empty boxes.
    assert rgb(image, x + width // 2, y + height // 2) == (255, 0, 0)
    for tile in others:
        x, y, width, height = tile.image
        assert rgb(image, x + 10, y + 10) == colours["shot_bg"]
    # The failed cell's tile has a border of the danger colour (anti-aliased), the others
    # the border's.
    for tile in layout.tiles:
        red, green, blue = rgb(image, tile.x + tile.width // 2, tile.y)
        assert (red > green + 40 and red > blue + 40) is tile.failed, (tile, red, green, blue)
    assert sum(t.failed for t in layout.tiles) == 1


def test_screenshots_beyond_those_a_report_takes_say_why_they_are_missing(
        qapp: Any, store: Store, tmp_path: Path) -> None:
    source = BatchSource.load(store, big_batch(store, prompts=5, models=8))
    missing = source.missing()
    assert len(missing) == MAX_TAKEN < len(source.pages) == 40
    green = solid_png(1280, 800, (0, 200, 0))
    taken = {p.key: Shot(green) for p in missing[:-1]}
    taken[missing[-1].key] = Shot(None, "The page stopped responding.", stuck=True)
    result = write_batch_report(source, tmp_path / "b.html", QtImaging(), taken=taken)
    assert result.summary().endswith("; 40 pages, 23 taken now, 17 without a screenshot")
    html = (tmp_path / "b.html").read_text()
    assert html.count('<img src="data:image/jpeg;base64,') == 23
    assert html.count(f'title="{escape(NOT_TAKEN)}"') == 16
    assert html.count('title="The page stopped responding."') == 1
    # Without a display, the pages to take say that instead.
    result = write_batch_report(source, tmp_path / "c.html", QtImaging(),
                                no_screenshot="No display.")
    html = (tmp_path / "c.html").read_text()
    assert html.count('title="No display."') == 40



def test_the_export_dialog_takes_a_batch(qtbot: Any, store: Store, tmp_path: Path) -> None:
    batch_id = rich_batch(store).batch_id
    window, exports = report_exports(store)
    qtbot.addWidget(window)
    messages: list[str] = []
    exports.message.connect(messages.append)
    dialog = exports.export_batch(batch_id)
    assert dialog is not None and dialog.isVisible()
    names = [dialog.format_combo.itemText(i) for i in range(dialog.format_combo.count())]
    assert names == [FORMAT_NAMES[f] for f in ReportFormat]
    # A batch can be blind; it is a matrix, so it has no layouts to choose.
    assert dialog.blind_box.isVisibleTo(dialog)
    assert not dialog.layout_combo.isVisibleTo(dialog)
    assert dialog.path().name == "shapes-and-buildings.html"
    # Under a display the three missing screenshots are taken for each export.
    shots = 4 if HAS_DISPLAY else 1
    for name, beside in (("b.html", ""), ("b.md", f" and {shots} screenshot"
                                          f"{'s' if shots > 1 else ''} beside it"),
                         ("b.png", "")):
        dialog.path_edit.setText(str(tmp_path / name))
        dialog.blind_box.setChecked(name == "b.html")
        dialog.export_button.click()
        qtbot.waitUntil(lambda: dialog.saved_result is not None
                        or "Not saved" in dialog.status.text(), timeout=60_000)
        assert dialog.saved_result is not None, dialog.status.text()
        assert dialog.status.text() == (f"Saved to {tmp_path / name}{beside} "
                                        f"({dialog.saved_result.summary()}).")
        assert dialog.saved_result.pages == 4
    html = (tmp_path / "b.html").read_text()
    assert "Reveal the models" in html and "claude" not in html
    assert "| openai:gpt-5 (T 0.2) |" in (tmp_path / "b.md").read_text()
    assert messages[-1] == f"Report saved to {tmp_path / 'b.png'}"
    dialog.close()


def test_without_a_batch_the_status_bar_says_why(qtbot: Any, store: Store) -> None:
    window, exports = report_exports(store)
    qtbot.addWidget(window)
    messages: list[str] = []
    exports.message.connect(messages.append)
    assert exports.export_batch(None) is None
    assert exports.export_batch(42) is None
    _, without = report_exports(None)
    without.message.connect(messages.append)
    assert without.export_batch(1) is None
    assert messages == [NO_BATCH, "The batch could not be read: no batch with id 42",
                        NO_HISTORY]
