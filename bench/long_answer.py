"""Long answers: 1 MB answers streamed in 10,000 chunks into a pane.

In a fresh process (Qt offscreen, no event loop of asyncio: the timing is synchronous), a
real `AnswerPane` is shown at the size of one of four columns. The answer (the benchmark
workload: paragraphs, lists, headings, fenced code) is cut into 10,000 equal chunks, cut
anywhere, also inside lines and fences. They are delivered 10 at a time, as the per-frame
coalescer hands them over when about 600 chunks a second arrive; after each delivery Qt
processes its events, so layout and painting are in the measured cost. The figure is the
cost per chunk over the last 10 % of the answer against the first 10 %: rendering that
redoes work in proportion to what is already shown makes the ratio grow with the answer.
Baseline: the same chunks appended as plain text to a `QPlainTextEdit` of the same size.

Then the finished answer is scrolled from top to bottom in 200 steps, each painted; the
time per step says whether it scrolls smoothly (one frame is 16 ms).

Two more answers of the same size are one open block from start to end, what a model stuck
in a loop, minified code or a long JSON line sends: `paragraph` (words and spaces without
a line break) and `code-line` (one line of minified JavaScript without spaces, in a
fence). They are timed the same way, without the QPlainTextEdit baseline (one unbroken
line is its worst case: it lays its only block out again on every insert, minutes for a
megabyte); the cost per chunk must not grow with the block.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from bench.app_driver import emit, run_child
from bench.common import (
    Report,
    count_row,
    info_row,
    limit_row,
    load_note,
    median,
    percentile,
    progress,
    ratio_row,
)
from bench.workload import LONG_LINE_KINDS, long_line_chunks
from bench.workload import chunks as workload_chunks

NAME = "long"
TITLE = "Long answers: 1 MB in 10,000 chunks into one pane (Markdown; one open block)"
SIZE = 1_000_000
CHUNKS = 10_000
PER_DELIVERY = 10
SCROLL_STEPS = 200
PANE_SIZE = (480, 960)


def answer_pieces(size: int, count: int, kind: str = "markdown") -> list[str]:
    if kind == "markdown":
        text = ""
        tokens = 2_000
        while len(text) < size:
            text = "".join(workload_chunks(tokens, seed=99))
            tokens *= 2
    else:
        text = "".join(long_line_chunks(kind, size))
    text = text[:size]
    step = len(text) // count
    return [text[i * step:(i + 1) * step if i < count - 1 else len(text)] for i in range(count)]


def _deliveries(pieces: list[str]) -> list[str]:
    return ["".join(pieces[i:i + PER_DELIVERY]) for i in range(0, len(pieces), PER_DELIVERY)]


def _timed_appends(append: Any, deliveries: list[str], app: Any
                   ) -> tuple[list[float], list[float]]:
    """Seconds per delivery: in all (with Qt's layout and painting), and in `append` only."""
    costs: list[float] = []
    own: list[float] = []
    for text in deliveries:
        started = time.perf_counter()
        append(text)
        appended = time.perf_counter()
        app.processEvents()
        costs.append(time.perf_counter() - started)
        own.append(appended - started)
    return costs, own


def _edges(costs: list[float]) -> tuple[float, float]:
    """Seconds per chunk over the first and the last 10 % of the deliveries."""
    tenth = max(1, len(costs) // 10)
    first = sum(costs[:tenth]) / (tenth * PER_DELIVERY)
    last = sum(costs[-tenth:]) / (tenth * PER_DELIVERY)
    return first, last


def child_main(size: int, count: int, kind: str) -> int:
    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    from studio.core.catalog import ModelRef, ProviderConfig
    from studio.core.runner import ModelTarget
    from studio.ui.preview.scheme import register_preview_scheme
    from studio.ui.workspace.pane import AnswerPane

    register_preview_scheme()
    app = QApplication(sys.argv)
    pieces = answer_pieces(size, count, kind)
    deliveries = _deliveries(pieces)

    plain_costs = [math.nan] * len(deliveries)
    if kind == "markdown":
        # Not for one unbroken line: a QPlainTextEdit lays its only block out again on every
        # insert, a megabyte takes it many minutes.
        plain = QPlainTextEdit()
        plain.resize(*PANE_SIZE)
        plain.show()
        app.processEvents()

        def plain_append(text: str) -> None:
            plain.moveCursor(plain.textCursor().MoveOperation.End)
            plain.insertPlainText(text)

        plain_costs, _ = _timed_appends(plain_append, deliveries, app)
        plain.close()

    config = ProviderConfig("bench", "openai", "http://127.0.0.1:9/v1", needs_key=False)
    pane = AnswerPane(0, ModelTarget(ModelRef("bench", "long"), config))
    pane.resize(*PANE_SIZE)
    pane.show()
    app.processEvents()
    costs, own = _timed_appends(lambda text: pane.append(text, ""), deliveries, app)
    started = time.perf_counter()
    pane.view.finish()
    app.processEvents()
    finish_s = time.perf_counter() - started

    bar = pane.view.verticalScrollBar()
    steps: list[float] = []
    for i in range(SCROLL_STEPS + 1 if kind == "markdown" else 0):
        started = time.perf_counter()
        bar.setValue(bar.maximum() * i // SCROLL_STEPS)
        pane.view.viewport().repaint()
        app.processEvents()
        steps.append(time.perf_counter() - started)

    expected = "".join(pieces)
    first, last = _edges(costs)
    own_first, own_last = _edges(own)
    plain_first, plain_last = _edges(plain_costs)
    emit({"first": first, "last": last, "own_first": own_first, "own_last": own_last,
          "plain_first": plain_first, "plain_last": plain_last,
          "total": sum(costs), "finish": finish_s, "scroll": steps,
          "text_ok": pane.view.answer_text() == expected,
          "shown_chars": pane.view.document().characterCount(), "size": len(expected)})
    pane.close()
    return 0


def _open_block_rows(report: Report, kind: str, results: list[dict[str, Any]]) -> None:
    first = median([r["first"] for r in results]) * 1e6
    last = median([r["last"] for r in results]) * 1e6
    report.rows.append(ratio_row(f"{kind}: cost per chunk, last 10 % / first 10 %", last,
                                 first, "µs", 2.0, "first 10 %"))
    own_first = median([r["own_first"] for r in results]) * 1e6
    own_last = median([r["own_last"] for r in results]) * 1e6
    report.rows.append(info_row(f"{kind}: pane's own code per chunk, last 10 %", own_last,
                                "µs", own_first, "first 10 %"))
    report.rows.append(info_row(f"{kind}: whole answer, all deliveries", median(
        [r["total"] for r in results]), "s"))
    bad = sum(1 for r in results if not r["text_ok"])
    report.rows.append(count_row(f"{kind}: runs whose pane holds the whole answer",
                                 len(results) - bad, len(results)))
    ratios = ", ".join(f"{r['last'] / r['first']:.2f}" for r in results)
    report.notes.append(f"{kind}: per-run ratios {ratios}")


def run(runs: int = 5, quick: bool = False) -> Report:
    size, count = (100_000, 1_000) if quick else (SIZE, CHUNKS)
    report = Report(NAME, TITLE if not quick else f"{TITLE} (quick: {size:,} bytes)")
    report.notes.append(load_note() + " at start")
    results = []
    for i in range(runs):
        progress(f"long answer run {i + 1}/{runs}")
        results.append(run_child("bench.long_answer", [str(size), str(count), "markdown"],
                                 None))
    ratios = [r["last"] / r["first"] for r in results]
    plain_ratios = [r["plain_last"] / r["plain_first"] for r in results]
    first = median([r["first"] for r in results]) * 1e6
    last = median([r["last"] for r in results]) * 1e6
    report.rows.append(info_row("cost per chunk, first 10 %", first, "µs",
                                median([r["plain_first"] for r in results]) * 1e6,
                                "QPlainTextEdit"))
    report.rows.append(info_row("cost per chunk, last 10 %", last, "µs",
                                median([r["plain_last"] for r in results]) * 1e6,
                                "QPlainTextEdit"))
    report.rows.append(ratio_row("cost per chunk, last 10 % / first 10 %", last, first, "µs",
                                 2.0, "first 10 %"))
    report.rows.append(info_row("same ratio, QPlainTextEdit (context)", median(plain_ratios),
                                "×"))
    own_first = median([r["own_first"] for r in results]) * 1e6
    own_last = median([r["own_last"] for r in results]) * 1e6
    report.rows.append(info_row("pane's own code per chunk, last 10 % (no Qt painting)",
                                own_last, "µs", own_first, "first 10 %"))
    report.rows.append(info_row("whole answer, all deliveries", median(
        [r["total"] for r in results]), "s"))
    report.rows.append(info_row("final render (finish)", median(
        [r["finish"] for r in results]) * 1000, "ms"))
    scroll = [s * 1000 for r in results for s in r["scroll"]]
    report.rows.append(limit_row("scrolling the whole answer, p99 per step", percentile(
        scroll, 99), "ms", 16.0))
    report.rows.append(info_row("scrolling, max per step", max(scroll), "ms"))
    bad = [i + 1 for i, r in enumerate(results) if not r["text_ok"]]
    report.rows.append(count_row("runs whose pane holds the whole answer",
                                 len(results) - len(bad), len(results)))
    report.notes.append(f"medians of {runs} fresh processes; {count:,} chunks of "
                        f"{size // count} characters, {PER_DELIVERY} per delivery; "
                        f"per-run ratios {', '.join(f'{r:.2f}' for r in ratios)} "
                        f"(QPlainTextEdit {', '.join(f'{r:.2f}' for r in plain_ratios)})")
    for kind in LONG_LINE_KINDS:
        kind_results = []
        for i in range(runs):
            progress(f"one open block ({kind}) run {i + 1}/{runs}")
            kind_results.append(run_child("bench.long_answer", [str(size), str(count), kind],
                                          None))
        _open_block_rows(report, kind, kind_results)
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    sys.exit(child_main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
