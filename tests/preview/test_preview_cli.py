"""`prompt-studio preview`, run as a real subprocess under the test's X server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from studio.cli.preview_cmd import display_problem, parse_size
from tests.preview.conftest import needs_display

REPO = Path(__file__).resolve().parents[2]
TWO_COLOURS = """<!doctype html><style>html,body{margin:0;height:100%}
.l{position:fixed;left:0;top:0;width:50%;height:100%;background:rgb(255,0,0)}
.r{position:fixed;right:0;top:0;width:50%;height:100%;background:rgb(0,0,255)}</style>
<div class=l></div><div class=r></div>"""


def _cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "preview", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env if env is not None else dict(os.environ),
    )


def _rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


@needs_display
def test_html_file_to_png(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(TWO_COLOURS, encoding="utf-8")
    out = tmp_path / "out.png"
    result = _cli(str(page), "--screenshot", str(out), "--size", "320x240", "--wait", "0.2")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (320, 240)
    assert _rgb(image, 80, 120) == (255, 0, 0)
    assert _rgb(image, 240, 120) == (0, 0, 255)
    assert f"wrote {out}" in result.stderr
    # Nothing else: not Chromium's own log, nor QtWebEngine's notes on a machine without
    # Vulkan (this one), which say nothing is wrong. What is said of the sandbox stays (the
    # tests' environment switches Chromium's off, QtWebEngine says so).
    said = ("prompt-studio: running as root", "Sandboxing disabled by user.", "wrote ")
    noise = [line for line in result.stderr.splitlines() if not line.startswith(said)]
    assert noise == [], result.stderr


@needs_display
def test_markdown_answer_is_extracted_first(tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(f"Here is the page:\n\n```html\n{TWO_COLOURS}\n```\n\nEnjoy.\n", "utf-8")
    out = tmp_path / "answer.png"
    result = _cli(str(answer), "--screenshot", str(out), "--size", "200x100", "--wait", "0")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert _rgb(image, 150, 50) == (0, 0, 255)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = _cli(str(tmp_path / "nope.html"), "--screenshot", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "nope.html: no such file" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_answer_without_a_page_is_a_clear_error(tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text("Sorry, I cannot write code today. Here is a haiku instead.", "utf-8")
    result = _cli(str(answer), "--screenshot", str(tmp_path / "x.png"))
    assert result.returncode == 1
    assert f"{answer} holds no HTML page" in result.stderr


def test_no_display_is_a_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = _cli(str(page), "--screenshot", str(tmp_path / "x.png"), env=env)
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check applies to X11/Wayland systems")
    assert result.returncode == 1
    assert "no display" in result.stderr and "xvfb-run" in result.stderr


def test_bad_size_is_a_usage_error(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    result = _cli(str(page), "--size", "huge")
    assert result.returncode == 2
    assert "WIDTHxHEIGHT" in result.stderr


@needs_display
def test_a_hanging_page_does_not_hang_the_command(tmp_path: Path) -> None:
    page = tmp_path / "hang.html"
    page.write_text("<body style='background:#0f0'><script>for (;;) {}</script>", "utf-8")
    out = tmp_path / "hang.png"
    started = time.monotonic()
    result = _cli(
        str(page), "--screenshot", str(out), "--wait", "0.5", "--timeout", "4", timeout=60
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr
    assert out.exists()
    assert elapsed < 30


def test_size_and_display_rules() -> None:
    assert parse_size("1280x800") == (1280, 800)
    assert parse_size(" 390 X 844 ") == (390, 844)
    assert parse_size("10x10") is None
    assert parse_size("99999x10") is None
    assert parse_size("wide") is None
    linux = "linux"
    assert display_problem({}, linux) is not None
    assert display_problem({"DISPLAY": ":99"}, linux) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, linux) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, linux) is None
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, linux) is not None
    assert display_problem({}, "win32") is None


@needs_display
def test_the_page_worker_ends_once_no_one_reads_its_answers() -> None:
    """An app killed mid-batch leaves its page worker with pages still asked for: the
    worker ends at its next answer rather than run them for no one (it used to keep the
    page it was on running, animating, for good)."""
    page = ("<!doctype html><canvas></canvas>"
            "<script>(function f() { requestAnimationFrame(f); })();</script>")
    asked = "".join(json.dumps({"id": n, "html": page, "wait_s": 0.3}) + "\n"
                    for n in range(20))
    proc = subprocess.Popen([sys.executable, "-m", "studio", "preview", "-", "--serve-pages"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=REPO, env=dict(os.environ))
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(asked.encode())
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["id"] == 0
        proc.stdout.close()  # the reader is gone; its requests stay open
        assert proc.wait(timeout=60) is not None
    finally:
        proc.stdin.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
