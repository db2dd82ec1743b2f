"""`prompt-studio preview` where Chromium cannot start its usual way, as a real subprocess.

The suite itself runs with QTWEBENGINE_DISABLE_SANDBOX set (tests/run.sh, as root); these
tests take it out of the child's environment, or break the engine in the child only.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.preview.conftest import needs_display
from tests.preview.test_preview_cli import TWO_COLOURS, _cli, _rgb

pytestmark = [pytest.mark.slow]

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# What Chromium or Qt print when they end the process themselves: never the only message.
RAW_ENGINE_LINES = ("Running as root without --no-sandbox", "could not find it", "Aborted")


def _engine_env(**changes: str | None) -> dict[str, str]:
    """The suite's environment minus its own sandbox setting, with `changes` applied."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QTWEBENGINE_DISABLE_SANDBOX", "QTWEBENGINE_CHROMIUM_FLAGS")}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _page(tmp_path: Path) -> Path:
    page = tmp_path / "page.html"
    page.write_text(TWO_COLOURS, encoding="utf-8")
    return page


def _studio_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("prompt-studio:")]


@needs_display
@pytest.mark.skipif(not IS_ROOT, reason="the root policy needs a process running as root")
def test_as_root_the_page_renders_with_chromiums_sandbox_off_and_stderr_says_so(
        tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    result = _cli(str(_page(tmp_path)), "--screenshot", str(out), "--size", "320x240",
                  "--wait", "0.2", env=_engine_env())
    assert result.returncode == 0, result.stderr
    lines = _studio_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "root" in lines[0] and "Chromium's sandbox is off" in lines[0]
    assert "studio's own sandbox" in lines[0]
    image = QImage(str(out))
    assert _rgb(image, 80, 120) == (255, 0, 0)
    assert _rgb(image, 240, 120) == (0, 0, 255)


@needs_display
def test_a_sandbox_setting_of_the_users_own_is_left_alone_and_not_announced(
        tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    result = _cli(str(_page(tmp_path)), "--screenshot", str(out), "--size", "320x240",
                  "--wait", "0", env=_engine_env(QTWEBENGINE_DISABLE_SANDBOX="1"))
    assert result.returncode == 0, result.stderr
    assert _studio_lines(result.stderr) == [], result.stderr
    assert _rgb(QImage(str(out)), 240, 120) == (0, 0, 255)


@needs_display
def test_a_missing_helper_is_a_clear_message_not_an_abort(tmp_path: Path) -> None:
    nowhere = tmp_path / "gone" / "QtWebEngineProcess"
    out = tmp_path / "out.png"
    result = _cli(str(_page(tmp_path)), "--screenshot", str(out),
                  env=_engine_env(QTWEBENGINEPROCESS_PATH=str(nowhere)))
    assert result.returncode == 1, result.stderr  # not 134 (SIGABRT)
    lines = _studio_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert str(nowhere) in lines[0] and "QTWEBENGINEPROCESS_PATH" in lines[0]
    assert not any(raw in result.stderr for raw in RAW_ENGINE_LINES), result.stderr
    assert not out.exists()


@needs_display
def test_a_helper_that_cannot_run_is_a_clear_message(tmp_path: Path) -> None:
    # Given to Chromium, such a helper sometimes fails the first page, and sometimes makes
    # it abort the whole process ("Cannot communicate with zygote"): it is run once first.
    helper = tmp_path / "QtWebEngineProcess"
    helper.write_text("#!/bin/sh\necho 'error while loading shared libraries' >&2\nexit 127\n",
                      encoding="utf-8")
    helper.chmod(stat.S_IRWXU)
    out = tmp_path / "out.png"
    result = _cli(str(_page(tmp_path)), "--screenshot", str(out),
                  env=_engine_env(QTWEBENGINEPROCESS_PATH=str(helper)))
    assert result.returncode == 1, result.stderr
    lines = _studio_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert f"{helper} does not run (exit code 127: error while loading" in lines[0]
    assert "QTWEBENGINEPROCESS_PATH" in lines[0]
    assert not any(raw in result.stderr for raw in RAW_ENGINE_LINES), result.stderr
    assert not out.exists()


@needs_display
def test_a_qt_without_qtwebengine_is_a_clear_message(tmp_path: Path) -> None:
    # A PySide6 as installed without its web engine: the same package minus those modules.
    import PySide6

    real = Path(PySide6.__file__).parent
    shadow = tmp_path / "site" / "PySide6"
    shadow.mkdir(parents=True)
    for entry in real.iterdir():
        if not entry.name.startswith("QtWebEngine"):
            (shadow / entry.name).symlink_to(entry)
    repo = Path(__file__).resolve().parents[2]
    env = _engine_env(PYTHONPATH=os.pathsep.join([str(shadow.parent), str(repo)]))
    out = tmp_path / "out.png"
    result = _cli(str(_page(tmp_path)), "--screenshot", str(out), env=env)
    assert result.returncode == 1, result.stderr
    lines = _studio_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "QtWebEngine is not installed" in lines[0] and "pip install" in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_the_checks_run_before_qtwebengine_is_loaded() -> None:
    # The command imports QtWebEngine only after the checks passed.
    code = ("import sys; from studio.ui.preview import engine_check, engine_notices; "
            "print(sorted(m for m in sys.modules if 'QtWebEngine' in m))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
