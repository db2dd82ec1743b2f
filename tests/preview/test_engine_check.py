"""Chromium's sandbox decision, and what a preview does when the web engine cannot run.

The processes that really run as root or without a working engine are in
test_engine_startup_cli.py and tests/gui/integration/test_integration_web_engine.py; here
the decision and the checks are tested directly, and a preview is shown an engine failure
through the same call a renderer that cannot start makes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.ui.preview.engine_check import (
    PROCESS_ENV,
    RESOURCES_ENV,
    EngineStatus,
    engine_status,
    helper_candidates,
    static_problem,
)
from studio.ui.preview.engine_setup import (
    SANDBOX_OFF_BY_USER,
    SANDBOX_OFF_FOR_ROOT,
    SANDBOX_ON,
    chromium_sandbox,
    engine_flags,
    sandbox_choice,
)
from studio.ui.preview.view import UNAVAILABLE
from tests.preview.conftest import load, run_js


def test_sandbox_is_switched_off_only_for_root_and_only_when_the_user_has_not_decided() -> None:
    assert sandbox_choice({}, 1000) == SANDBOX_ON
    assert sandbox_choice({"QTWEBENGINE_CHROMIUM_FLAGS": "--js-flags=x"}, 1000) == SANDBOX_ON
    assert sandbox_choice({}, None) == SANDBOX_ON
    assert sandbox_choice({}, 0) == SANDBOX_OFF_FOR_ROOT
    # Qt reads the variable as set whatever its value; so do we.
    for env in ({"QTWEBENGINE_DISABLE_SANDBOX": "1"}, {"QTWEBENGINE_DISABLE_SANDBOX": ""},
                {"QTWEBENGINE_CHROMIUM_FLAGS": "--foo --no-sandbox"}):
        assert sandbox_choice(env, 0) == SANDBOX_OFF_BY_USER
        assert sandbox_choice(env, 1000) == SANDBOX_OFF_BY_USER
    # A flag that merely contains the words is not the flag.
    assert sandbox_choice({"QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox-x"}, 0) == (
        SANDBOX_OFF_FOR_ROOT)


def test_the_no_sandbox_flag_is_added_once_and_only_when_asked() -> None:
    assert "--no-sandbox" not in engine_flags("").split()
    flags = engine_flags("--user-flag", no_sandbox=True)
    assert flags.split().count("--no-sandbox") == 1 and "--user-flag" in flags.split()
    again = engine_flags(flags, no_sandbox=True)
    assert again.split().count("--no-sandbox") == 1


def test_this_test_process_decided_as_its_environment_says() -> None:
    # tests/run.sh sets QTWEBENGINE_DISABLE_SANDBOX for the suite (it runs as root).
    if "QTWEBENGINE_DISABLE_SANDBOX" in os.environ:
        assert chromium_sandbox() == SANDBOX_OFF_BY_USER
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    assert ("--no-sandbox" in flags) == (chromium_sandbox() == SANDBOX_OFF_FOR_ROOT)


def test_the_real_engine_here_has_no_problem() -> None:
    assert static_problem() is None


def test_a_helper_path_pointing_nowhere_is_found_before_any_view(tmp_path: Path) -> None:
    nowhere = str(tmp_path / "no" / "QtWebEngineProcess")
    env = {**os.environ, PROCESS_ENV: nowhere}
    assert helper_candidates(env) == [nowhere]
    problem = static_problem(env)
    assert problem is not None
    assert nowhere in problem.reason and PROCESS_ENV in problem.fix
    assert problem.message.endswith(".") and "Unset QTWEBENGINEPROCESS_PATH" in problem.message


def test_a_helper_that_is_not_executable_is_found(tmp_path: Path) -> None:
    helper = tmp_path / "QtWebEngineProcess"
    helper.write_text("not a program", encoding="utf-8")
    helper.chmod(stat.S_IRUSR | stat.S_IWUSR)
    problem = static_problem({**os.environ, PROCESS_ENV: str(helper)})
    assert problem is not None
    assert "not an executable file" in problem.reason and "chmod +x" in problem.fix


def test_the_default_helper_search_is_the_one_qt_makes() -> None:
    env = {k: v for k, v in os.environ.items() if k != PROCESS_ENV}
    candidates = helper_candidates(env)
    assert len(candidates) == 3 and all(c.endswith("QtWebEngineProcess") for c in candidates)
    assert any(os.access(c, os.X_OK) for c in candidates)


def test_a_helper_that_does_not_run_is_found_by_running_it_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper = tmp_path / "QtWebEngineProcess"
    seen_env = tmp_path / "env.txt"
    helper.write_text(f"#!/bin/sh\nenv > {seen_env}\necho 'libnss3.so: cannot open' >&2\n"
                      "exit 3\n", encoding="utf-8")
    helper.chmod(stat.S_IRWXU)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-reach-the-helper")
    problem = static_problem({**os.environ, PROCESS_ENV: str(helper)})
    assert problem is not None
    assert problem.reason == (f"QtWebEngine's helper program {helper} does not run "
                              "(exit code 3: libnss3.so: cannot open)")
    assert PROCESS_ENV in problem.fix
    # It ran with what it needs to load, and no key.
    ran_with = seen_env.read_text(encoding="utf-8")
    assert "PATH=" in ran_with and "sk-must-not" not in ran_with


def test_the_check_can_run_ahead_on_its_own_thread() -> None:
    status = EngineStatus()
    status.start_check()
    assert status.problem() is None
    status.start_check()  # already checked: nothing more runs
    assert status.problem() is None


def test_missing_resources_are_found(tmp_path: Path) -> None:
    problem = static_problem({**os.environ, RESOURCES_ENV: str(tmp_path)})
    assert problem is not None
    assert "qtwebengine_resources.pak" in problem.reason and RESOURCES_ENV in problem.fix


def test_a_start_failure_is_kept_until_a_retry_finds_the_engine_working() -> None:
    status = EngineStatus()
    changes: list[int] = []
    status.changed.connect(lambda: changes.append(1))
    assert status.problem() is None
    status.note_start_failure("code 1002")
    problem = status.problem()
    assert problem is not None and "could not start its page process (code 1002)" in problem.reason
    assert changes == [1]
    status.note_start_failure("code 1002")  # the same again: nothing new to say
    assert changes == [1]
    status.retry()
    assert status.problem() is None and changes == [1, 1]


@pytest.fixture
def failed_engine() -> Iterator[EngineStatus]:
    """The process-wide status told that a renderer could not start; checked again after."""
    status = engine_status()
    status.note_start_failure("code 1002")
    try:
        yield status
    finally:
        status.retry()
        assert status.problem() is None


def test_a_preview_shows_why_instead_of_a_web_view(
        qtbot: Any, make_view: Any, failed_engine: EngineStatus, tmp_path: Path) -> None:
    view = make_view()
    states: list[str] = []
    view.stateChanged.connect(states.append)
    view.set_document("<p id=v>page</p>", final=True)
    assert view.web_view() is None and view.page() is None  # no view was created
    assert view.state() == UNAVAILABLE and states[-1] == UNAVAILABLE
    message = view.unavailable_message()
    assert "could not start its page process" in message and "QtWebEngineProcess" in message
    assert view.engine_notice is not None and view.engine_notice.isVisible()
    # The page itself is kept: it can still be saved or opened outside.
    saved = view.save_html(tmp_path / "kept.html")
    assert saved is not None and "page" in saved.read_text(encoding="utf-8")
    shots: list[bytes] = []
    view.grab_png(shots.append)
    qtbot.waitUntil(lambda: bool(shots), timeout=5000)
    assert shots == [b""]
    # "Try again" checks again; the engine works here, so the page runs.
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        view.engine_notice.retry_button.click()
    assert failed_engine.problem() is None
    assert view.unavailable_message() == ""
    assert run_js(qtbot, view, "document.getElementById('v').textContent") == "page"


def test_a_running_preview_gives_way_to_the_notice(
        qtbot: Any, make_view: Any) -> None:
    view = make_view()
    load(qtbot, view, "<p>running</p>")
    assert view.web_view() is not None
    status = engine_status()
    status.note_start_failure("code 1002")
    try:
        assert view.web_view() is None and view.state() == UNAVAILABLE
        assert "could not start" in view.unavailable_message()
        assert not view.banner.message()  # one message, not a crash banner as well
    finally:
        status.retry()
    qtbot.waitUntil(lambda: view.state() == "ready", timeout=20_000)
    assert view.web_view() is not None
