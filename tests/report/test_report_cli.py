"""`prompt-studio report`, run as a real subprocess: every format, with and without a
display, blind, keys from the environment masked, a hanging page passed by, bad input."""

from __future__ import annotations

import re
import struct
import time
import zipfile
from pathlib import Path

from studio.store import Store
from tests.e2e.cli import Result, cli
from tests.report.conftest import needs_display
from tests.support.report_runs import KEY, rich_run, run_of_pages

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}


def _report(home: Path, *args: str, display: bool = False, env: dict[str, str] | None = None,
            timeout: float = 120) -> Result:
    return cli("report", *args, home=home, env={**({} if display else NO_DISPLAY), **(env or {})},
               timeout=timeout)


@needs_display
def test_missing_screenshots_are_taken_under_a_display(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    run_id = rich_run(store).run_id
    out = tmp_path / "canvas.html"
    result = _report(studio_home, str(run_id), "-o", str(out), display=True)
    assert result.code == 0, result.err
    assert result.err.strip().endswith(
        " KB; 3 pages, 1 screenshot from the history, 2 taken now)")
    assert f"wrote {out} (" in result.err
    html = out.read_text()
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', html)) == 3


def test_without_a_display_the_report_is_written_and_says_what_is_missing(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    run_id = rich_run(store).run_id
    out = tmp_path / "canvas.html"
    result = _report(studio_home, str(run_id), "-o", str(out))
    assert result.code == 0, result.err
    assert "1 screenshot from the history, 2 without a screenshot" in result.err
    assert "warning: 2 page screenshots were not in the history and could not be taken " \
        "without a display" in result.err
    html = out.read_text()
    assert html.count("No screenshot: there was no display when the report was written") == 2
    assert html.count('<img src="data:image/jpeg') == 1


def test_markdown_zip_and_sheet_from_the_command_line(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    run_id = str(rich_run(store).run_id)
    md, archive, sheet = tmp_path / "r.md", tmp_path / "r.zip", tmp_path / "r.png"
    for out in (md, archive, sheet):
        result = _report(studio_home, run_id, "-o", str(out))
        assert result.code == 0, result.err
    assert md.read_text().startswith("# Canvas shapes\n")
    assert (tmp_path / "r-screenshots" / "page-1-1.png").is_file()
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == ["r.md", "screenshots/page-1-1.png"]
    data = sheet.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert width == 2 * 28 + 3 * 400 + 2 * 18 and height > 500


def test_blind_reports_and_keys_from_the_environment(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    env_key = "zz-openai-env-key-0a1b2c3d4e"  # no known key shape: masked because it is ours
    run_id = run_of_pages(store, {"one": f"<p>{env_key}</p>", "two": "<p>two</p>"})
    out = tmp_path / "blind.html"
    result = _report(studio_home, str(run_id), "-o", str(out), "--blind",
                     env={"OPENAI_API_KEY": env_key})
    assert result.code == 0, result.err
    html = out.read_text()
    assert env_key not in html and KEY not in html
    assert "lab:one" not in html and "lab:two" not in html
    assert "Reveal the models" in html


@needs_display
def test_a_hanging_page_never_holds_the_report_up(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    run_id = run_of_pages(store, {"stuck": "<!doctype html><script>while (true) {}</script>",
                                  "fine": "<p style='background:red'>fine</p>"})
    out = tmp_path / "stuck.html"
    started = time.monotonic()
    result = _report(studio_home, str(run_id), "-o", str(out), display=True, timeout=90)
    assert result.code == 0, result.err
    assert time.monotonic() - started < 60
    assert "1 taken now, 1 without a screenshot" in result.err
    html = out.read_text()
    assert "The page stopped responding" in html
    # The reader starts it by hand: it is held back, the other one runs.
    assert html.count(" data-srcdoc=") == 1 and html.count(" srcdoc=") == 1


def test_bad_arguments_say_what_is_wrong(studio_home: Path, store: Store,
                                         tmp_path: Path) -> None:
    run_id = str(rich_run(store).run_id)
    result = _report(studio_home, run_id, "-o", str(tmp_path / "r.pdf"))
    assert result.code == 2
    assert "must end in .html, .md, .zip or .png" in result.err
    result = _report(studio_home, run_id, "-o", str(tmp_path / "nowhere" / "r.html"))
    assert result.code == 2 and "is not a folder" in result.err
    result = _report(studio_home, "999", "-o", str(tmp_path / "r.html"))
    assert result.code == 1 and "no run '999'" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["studio-home"]
