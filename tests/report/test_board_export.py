"""The leaderboard written in every format (the picture painted with Qt and checked pixel by
pixel), and exported from the app's "Export report…" dialog, which takes any report."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage

from studio.report.board_data import BoardQuery
from studio.report.board_export import FORMAT_NAMES, BoardSource, write_leaderboard_report
from studio.report.board_image import board_layout, columns
from studio.report.board_view import leaderboard_document
from studio.report.export import ReportFormat, ReportOptions
from studio.report.model import LeaderboardSection, ThemeChoice
from studio.report.sheet import SHEET_COLORS
from studio.store import Store
from studio.ui.report.imaging import QtImaging
from tests.report.conftest import report_exports, rgb
from tests.support.board_votes import write_battles


@pytest.fixture
def source(store: Store, tmp_path: Path) -> BoardSource:
    store.import_battles(write_battles(tmp_path / "known.jsonl"))
    return BoardSource.load(store, BoardQuery())



@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_picture_shows_each_interval_on_the_axis(
        qapp: Any, source: BoardSource, tmp_path: Path, theme: ThemeChoice) -> None:
    out = tmp_path / "board.png"
    result = write_leaderboard_report(source, out, QtImaging(),
                                      options=ReportOptions(theme=theme))
    assert result.files == (out,) and result.summary().endswith("; 5 models, 88 battles")
    image = QImage(str(out))
    doc = leaderboard_document(source.data)
    section = doc.sections[0]
    assert isinstance(section, LeaderboardSection)
    layout = board_layout(doc, section, theme)
    assert (image.width(), image.height()) == (layout.width, layout.height)
    colours = SHEET_COLORS[theme]
    accent = QColor(colours["accent"])
    assert rgb(image, 3, 3) == QColor(colours["bg"]).getRgb()[:3]
    cols = columns(section)
    dots = [s for s in layout.shapes if s.width == s.height == 12]
    rows = [r for g in section.groups for r in g.rows]
    for row, dot in zip(rows, dots, strict=True):
        middle = dot.y + 6
        # The rating's dot, in the accent colour, where the axis puts the rating …
        assert rgb(image, cols.x(row.bar.mark), middle) == accent.getRgb()[:3]
        # … on its interval's bar (the accent, half transparent) from end to end …
        for x in (cols.x(row.bar.low) + 5, cols.x(row.bar.high) - 5):
            red, green, blue = rgb(image, x, middle)
            assert blue > red and (red, green, blue) != accent.getRgb()[:3]
        # … and nothing of it beyond the interval.
        outside = cols.x(row.bar.high) + 8
        if outside < cols.axis[0] + cols.axis[1]:
            assert rgb(image, outside, middle) in {
                QColor(colours[k]).getRgb()[:3] for k in ("bg", "card", "border", "muted")}


def test_markdown_and_zip_carry_the_tables_and_the_picture(
        qapp: Any, source: BoardSource, tmp_path: Path) -> None:
    result = write_leaderboard_report(source, tmp_path / "board.md", QtImaging())
    assert [p.relative_to(tmp_path).as_posix() for p in result.files] == [
        "board.md", "board-images/leaderboard.png"]
    text = (tmp_path / "board.md").read_text()
    assert "![The ratings with their 95 % intervals on a common axis]" \
           "(board-images/leaderboard.png)" in text
    assert "| **alpha** | — | 75 % (30–10) | · |" in text
    picture = QImage(str(tmp_path / "board-images/leaderboard.png"))
    assert picture.width() > 1000 and picture.height() > 300
    write_leaderboard_report(source, tmp_path / "board.zip", QtImaging())
    with zipfile.ZipFile(tmp_path / "board.zip") as archive:
        assert archive.namelist() == ["board.md", "images/leaderboard.png"]
        assert "](images/leaderboard.png)" in archive.read("board.md").decode()
        assert archive.read("images/leaderboard.png").startswith(b"\x89PNG\r\n\x1a\n")



def test_the_export_dialog_takes_the_leaderboard(qtbot: Any, source: BoardSource,
                                                 store: Store, tmp_path: Path) -> None:
    window, exports = report_exports(store)
    qtbot.addWidget(window)
    messages: list[str] = []
    exports.message.connect(messages.append)
    dialog = exports.export_leaderboard()
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Export report"
    names = [dialog.format_combo.itemText(i) for i in range(dialog.format_combo.count())]
    assert names == [FORMAT_NAMES[f] for f in ReportFormat]
    # A leaderboard is neither blind nor laid out in columns: those rows are not shown.
    assert not dialog.blind_box.isVisibleTo(dialog)
    assert not dialog.layout_combo.isVisibleTo(dialog)
    assert dialog.theme_combo.isVisibleTo(dialog)
    assert dialog.path().name == "leaderboard.html"
    for name, beside in (("board.html", ""), ("board.md", " and 1 picture beside it"),
                         ("board.png", "")):
        dialog.path_edit.setText(str(tmp_path / name))
        dialog.export_button.click()
        qtbot.waitUntil(lambda: dialog.saved_result is not None
                        or "Not saved" in dialog.status.text(), timeout=30_000)
        assert dialog.saved_result is not None, dialog.status.text()
        assert dialog.status.text() == (f"Saved to {tmp_path / name}{beside} "
                                        f"({dialog.saved_result.summary()}).")
        assert dialog.saved_result.summary().endswith("; 5 models, 88 battles")
    html = (tmp_path / "board.html").read_text()
    assert 'id="matrix-2"' in html and 'data-model="epsilon"' in html
    assert QImage(str(tmp_path / "board.png")).width() > 1000
    assert messages[-1] == f"Report saved to {tmp_path / 'board.png'}"
    dialog.close()


def test_with_no_votes_the_dialog_says_there_is_nothing_to_report(
        qtbot: Any, store: Store, tmp_path: Path) -> None:
    window, exports = report_exports(store)
    qtbot.addWidget(window)
    dialog = exports.export_leaderboard()
    assert dialog is not None
    dialog.path_edit.setText(str(tmp_path / "board.html"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "Not saved" in dialog.status.text(), timeout=10_000)
    assert dialog.status.text().startswith("Not saved: nothing to report: no votes yet")
    assert not (tmp_path / "board.html").exists()
    dialog.close()
    assert exports.export_leaderboard() is not None  # it can be asked again
    _, without = report_exports(None)
    notes: list[str] = []
    without.message.connect(notes.append)
    assert without.export_leaderboard() is None and notes[0].startswith("Reports are made")
