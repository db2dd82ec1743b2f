"""A leaderboard report of LMArena battles with a known answer, served from loopback and
opened in a real browser engine: the table and its numbers, every interval bar where the
common axis puts it, the win-rate matrix as a heat map, position bias, the theme switch,
printing, and nothing the report does refused by its own policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio.report.board_data import BoardQuery
from studio.report.board_export import BoardSource, write_leaderboard_report
from studio.report.export import ReportOptions
from studio.store import Store
from tests.report.conftest import Browser, ReportServer
from tests.support.board_votes import ORDER, first_side_wins, two_model_gap, write_battles

ROWS = ("Array.from(document.querySelectorAll('#board tbody tr[data-model]')).map(r => "
        "Array.from(r.cells).filter(c => !c.classList.contains('interval'))"
        ".map(c => c.textContent.trim()))")
# Where things are drawn: each row's ticks, bar and mark, and the axis labels, in pixels.
GEOMETRY = """Array.from(document.querySelectorAll('#board tbody tr[data-model]')).map(r => {
  const box = e => e.getBoundingClientRect();
  const bar = box(r.querySelector('.bar')), mark = box(r.querySelector('.mark'));
  return {model: r.dataset.model, ticks: Array.from(r.querySelectorAll('.tick')).map(t =>
    box(t).left), left: bar.left, right: bar.right, mark: (mark.left + mark.right) / 2};
})"""
LABELS = ("Array.from(document.querySelectorAll('.axis span')).map(s => {const b = "
          "s.getBoundingClientRect(); return [Number(s.textContent), (b.left + b.right) / 2];})")


def _served(store: Store, tmp_path: Path, server: ReportServer, name: str = "board.html",
            **options: Any) -> tuple[BoardSource, str]:
    store.import_battles(write_battles(tmp_path / "known.jsonl"))
    source = BoardSource.load(store, BoardQuery())
    write_leaderboard_report(source, server.root / name, None,
                             options=ReportOptions(**options))
    return source, server.url(name)


def test_the_table_shows_the_known_counts_and_the_fitted_ratings(
        qapp: Any, store: Store, tmp_path: Path, report_server: ReportServer,
        browser: Browser) -> None:
    source, url = _served(store, tmp_path, report_server)
    browser.open(url)
    board = {r.model: r for r in source.data.board.models}
    expected = []
    for model in ORDER:
        r = board[model]
        best, worst = r.rank_range
        ties = f"{r.ties} ({r.both_bad} both bad)" if r.both_bad else str(r.ties)
        expected.append([str(best) if best == worst else f"{best}–{worst}", model,
                         f"{r.rating:.0f}", f"{r.ci_low:.0f}–{r.ci_high:.0f}", str(r.battles),
                         str(r.wins), str(r.losses), ties])
    assert browser.js(ROWS) == expected
    counts = [row[4:] for row in expected]
    assert counts == [["44", "30", "10", "4 (2 both bad)"], ["76", "34", "38", "4 (2 both bad)"],
                      ["32", "8", "24", "0"], ["12", "9", "3", "0"], ["12", "3", "9", "0"]]
    # delta and epsilon met only each other: their ratings have a closed form.
    gap = two_model_gap(9, 3)
    assert [expected[3][2], expected[4][2]] == [f"{1000 + gap:.0f}", f"{1000 - gap:.0f}"]
    assert browser.js("Array.from(document.querySelectorAll('.group-head')).map(h => "
                      "h.textContent)") == ["Group 1 of 2", "Group 2 of 2"]
    refused = [m for m in browser.page.messages if "Content Security Policy" in m]
    assert refused == []


def test_every_interval_is_drawn_where_the_common_axis_puts_it(
        qapp: Any, store: Store, tmp_path: Path, report_server: ReportServer,
        browser: Browser) -> None:
    source, url = _served(store, tmp_path, report_server)
    browser.open(url)
    labels = browser.js(LABELS)
    (low_value, low_x), (high_value, high_x) = labels[0], labels[-1]

    def x(value: float) -> float:
        return low_x + (value - low_value) * (high_x - low_x) / (high_value - low_value)

    board = {r.model: r for r in source.data.board.models}
    rows = browser.js(GEOMETRY)
    assert [r["model"] for r in rows] == ORDER
    for row in rows:
        # Both groups' rows have their ticks under the one set of axis labels.
        assert row["ticks"] == pytest.approx([centre for _, centre in labels], abs=1.0)
        fitted = board[row["model"]]
        assert row["left"] == pytest.approx(x(fitted.ci_low), abs=1.0)
        assert row["right"] == pytest.approx(x(fitted.ci_high), abs=1.0)
        assert row["mark"] == pytest.approx(x(fitted.rating), abs=1.0)
    # A better-rated model's mark is to the right: the order on screen is the board's.
    marks = [r["mark"] for r in rows]
    assert marks[0] > marks[1] > marks[2] and marks[3] > marks[4]


def test_the_win_rate_matrix_is_a_heat_map_with_the_counts(
        qapp: Any, store: Store, tmp_path: Path, report_server: ReportServer,
        browser: Browser) -> None:
    _, url = _served(store, tmp_path, report_server, theme="light")
    browser.open(url)
    cells = ("Array.from(document.querySelectorAll('#matrix-{} tbody tr')).map(r => "
             "[r.cells[0].textContent].concat(Array.from(r.cells).slice(1).map(c => "
             "[c.querySelector('b') ? c.querySelector('b').textContent + ' ' + "
             "c.querySelector('small').textContent : '', getComputedStyle(c).backgroundColor,"
             " c.title])))")
    first = browser.js(cells.format(1))
    assert [row[0] for row in first] == ["alpha", "beta", "gamma"]
    shown = [[cell[0] for cell in row[1:]] for row in first]
    assert shown == [["", "75 % 30–10", ""], ["25 % 10–30", "", "75 % 24–8"],
                     ["", "25 % 8–24", ""]]
    # Winning cells in the light theme's blue, losing ones in its red, by how lopsided.
    assert first[0][2][1] == "rgba(9, 105, 218, 0.42)"
    assert first[1][1][1] == "rgba(207, 34, 46, 0.42)"
    assert first[0][2][2].startswith("alpha against beta: won 30, lost 10, 4 tied "
                                     "(44 battles); 75 % of the battles with a winner")
    assert first[0][3][2] == "alpha and gamma never met"
    second = browser.js(cells.format(2))
    assert [[cell[0] for cell in row[1:]] for row in second] == [["", "75 % 9–3"],
                                                                 ["25 % 3–9", ""]]
    heads = browser.js("Array.from(document.querySelectorAll('#matrix-1 thead th')).map("
                       "h => h.textContent)")
    assert heads == ["alpha", "beta", "gamma"]
    # The reader's dark theme recolours the heat map without any script.
    browser.js("document.querySelector('label[for=theme-dark]').click()")
    browser.qtbot.waitUntil(lambda: browser.js(
        "getComputedStyle(document.querySelector('#matrix-1 .cell.win')).backgroundColor")
        == "rgba(68, 147, 248, 0.42)", timeout=5000)
    assert browser.js("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"


def test_position_bias_and_the_filters_are_shown(
        qapp: Any, store: Store, tmp_path: Path, report_server: ReportServer,
        browser: Browser) -> None:
    _, url = _served(store, tmp_path, report_server)
    browser.open(url)
    first, decisive = first_side_wins()
    text = browser.js("document.querySelector('#position-bias p').textContent")
    assert text.startswith(f"The answer shown first won {100 * first / decisive:.0f} % of "
                           f"{decisive} battles with a winner")
    meter = browser.js("(() => { const m = document.querySelector('.meter')"
                       ".getBoundingClientRect(), d = document.querySelector('.meter .mark')"
                       ".getBoundingClientRect(); return [m.left, m.width, "
                       "(d.left + d.right) / 2]; })()")
    left, width, mark = meter
    assert mark == pytest.approx(left + width * first / decisive, abs=1.0)
    facts = browser.js("Array.from(document.querySelectorAll('#filters div')).map(d => "
                       "[d.querySelector('dt').textContent, d.querySelector('dd').textContent])")
    assert dict(facts)["Votes"] == "yours" and dict(facts)["Collection"] == "all"
    assert "2 groups of models never met each other" in browser.js("document.body.innerText")
    # Nothing to switch between for a leaderboard: no layout control.
    assert browser.js("document.querySelectorAll('input[name=layout]').length") == 0


def test_printed_it_is_on_white_with_its_bars_and_heat_map_in_colour(
        qapp: Any, store: Store, tmp_path: Path, report_server: ReportServer,
        browser: Browser) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImage
    from PySide6.QtPdf import QPdfDocument

    _, url = _served(store, tmp_path, report_server, theme="dark")
    browser.open(url)
    assert browser.js("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
    pdf = tmp_path / "printed.pdf"
    with browser.qtbot.waitSignal(browser.page.pdfPrintingFinished, timeout=30_000) as done:
        browser.page.printToPdf(str(pdf))
    assert done.args[1] is True
    document = QPdfDocument()
    document.load(str(pdf))
    try:
        assert document.pageCount() >= 1
        size = document.pagePointSize(0)
        image = document.render(0, QSize(2 * int(size.width()), 2 * int(size.height())))
    finally:
        document.close()
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(rgb.constBits(), np.uint8).reshape(
        rgb.height(), rgb.bytesPerLine())[:, :3 * rgb.width()].reshape(-1, 3).astype(int)
    red, green, blue = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    # The light palette whatever the reader chose on screen: a white page …
    assert tuple(pixels[0]) == (255, 255, 255)
    assert not np.any((red == 13) & (green == 17) & (blue == 23))
    # … with the bars' marks (the light accent blue) and the heat map's losing cells (its
    # red, 42 % over white) in colour.
    assert np.any((blue > 200) & (red < 60))
    assert np.any((red > 220) & (red - blue > 50) & (green < 180))
