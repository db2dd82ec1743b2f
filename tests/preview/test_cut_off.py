"""A page the answer stopped in the middle of, in the real preview: the studio closes it, so
the script runs and its syntax error reaches the console, and the preview says "Page cut off"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.core.extract import extract_html
from tests.preview.conftest import load, run_js

ANSWER = (Path(__file__).resolve().parents[1] / "fixtures" / "answers"
          / "breakout_cut_in_script.md").read_text(encoding="utf-8")


def test_a_cut_off_script_runs_and_its_syntax_error_reaches_the_console(
        qtbot: Any, make_view: Any) -> None:
    html = extract_html(ANSWER, finished=True)
    assert html is not None
    view = make_view()
    load(qtbot, view, html)
    assert not view.cut_off_badge.isHidden()
    assert view.cut_off_badge.text() == "Page cut off"
    qtbot.waitUntil(lambda: view.error_count() >= 1, timeout=10_000)
    errors = [e for e in view.console().entries() if e.level == "error"]
    assert any("SyntaxError" in e.message for e in errors), [e.message for e in errors]
    view.set_console_visible(True)
    assert "SyntaxError" in view.console_panel.text()
    qtbot.waitUntil(lambda: view.toolbar.console_action.text().startswith("Console ("),
                    timeout=5000)
    # the markup before the cut is there
    assert run_js(qtbot, view, "document.getElementById('score').textContent") == "0"


def test_while_streaming_the_half_page_shows_without_the_label(
        qtbot: Any, make_view: Any) -> None:
    streaming = extract_html(ANSWER)
    assert streaming is not None
    view = make_view()
    load(qtbot, view, streaming)
    assert view.cut_off_badge.isHidden()
    # An unterminated script never runs, so nothing in it can fail yet.
    assert run_js(qtbot, view, "typeof update") == "undefined"
    assert view.error_count() == 0

    finished = extract_html(ANSWER, finished=True)
    assert finished is not None
    load(qtbot, view, finished)
    assert not view.cut_off_badge.isHidden()
    qtbot.waitUntil(lambda: view.error_count() >= 1, timeout=10_000)

    complete = extract_html(ANSWER + "\n  }\n}\n</script></body></html>\n```", finished=True)
    assert complete is not None
    load(qtbot, view, complete)
    assert view.cut_off_badge.isHidden()
