# mypy: disable-error-code="no-untyped-call"
"""Keys never leak from the GUI: a scripted session with distinctive keys in the real Secret
Service, then a search of every file the app wrote and every text the window shows.

The session: a key typed into the Providers dialog's masked field, a comparison that the
simulator accepts only with that key, a wrong key typed in its place, a run rejected with
the protocol's 401, a run whose 401 body echoes the wrong key back (as real providers do),
a saved preview page (and screenshot, on a real display), the command lines and
environments of the app's child processes, a preview whose renderer is killed, and an
export with runs.
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.core.runner import ModelState
from studio.core.secrets import SERVICE, KeyStore
from studio.store.store import Store
from studio.ui.main_window import MainWindow
from studio.ui.settings.providers_dialog import ProvidersDialog
from studio.ui.workspace.window_history import SendOrigin
from tests.gui.workspace.workspace_support import (
    ENGINE_NOISE,
    OFFSCREEN_SIZE_HINTS,
    in_loop,
    target,
    wait_until,
)
from tests.support.processes import descendants
from tests.support.scenarios import Status, Synthetic
from tests.support.simulator import Simulator

pytestmark = [
    pytest.mark.gui, pytest.mark.keyring, pytest.mark.timeout(120),
    pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, *ENGINE_NOISE),
    pytest.mark.skipif(os.environ.get("PROMPT_STUDIO_TEST_KEYRING") != "1",
                       reason="needs the real Secret Service: run through tests/run.sh "
                              "(PROMPT_STUDIO_TEST_KEYRING=1)"),
    pytest.mark.usefixtures("secret_service"),
]

GOOD_KEY = "sk-GUILEAK-" + uuid.uuid4().hex
WRONG_KEY = "sk-GUIWRONG-" + uuid.uuid4().hex
ANSWER = ("Leak-free answer.\n\n```html\n<!doctype html>\n<html><body><h1>Page</h1>"
          "</body></html>\n```\n")


@pytest.fixture
def keys() -> KeyStore:
    return KeyStore(env={})  # the default backend: the Secret Service


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(require_key=GOOD_KEY) as simulator:
        yield simulator
        assert simulator.errors == []


@pytest.fixture
def provider(registry: ProviderRegistry) -> Iterator[str]:
    """A provider of its own, so a developer's real keys are never touched."""
    name = f"leak-{uuid.uuid4().hex[:12]}"
    yield name
    if keyring.get_password(SERVICE, name) is not None:
        keyring.delete_password(SERVICE, name)


def _type_key(qtbot: QtBot, dialog: ProvidersDialog, name: str, key: str) -> None:
    assert dialog.select_provider(name)
    assert dialog.key_edit.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.key_edit, key)
    qtbot.mouseClick(dialog.save_key_button, Qt.MouseButton.LeftButton)
    assert dialog.key_edit.text() == ""
    assert keyring.get_password(SERVICE, name) == key


def _run(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
         provider: str, model: str, origin: SendOrigin) -> ModelState:
    comparison = in_loop(loop, lambda: window.send(
        origin.template, [target(registry, provider, model)], origin=origin))
    wait_until(loop, lambda: comparison.settled, timeout=15, what=model)
    loop.run_until_complete(comparison.wait())
    (pane,) = window.pane_area.panes()
    return pane.state


def _widget_texts() -> list[str]:
    texts: list[str] = []
    for widget in QApplication.allWidgets():
        texts += [widget.windowTitle(), widget.toolTip(), widget.accessibleName(),
                  widget.statusTip(), widget.whatsThis()]
        if isinstance(widget, QLineEdit):
            texts += [widget.text(), widget.placeholderText()]
        elif isinstance(widget, QTextEdit):
            texts += [widget.toPlainText(), widget.toHtml()]
        elif isinstance(widget, QPlainTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
    return texts


def _processes_containing(pids: list[int], *needles: str) -> list[str]:
    found = []
    for pid in pids:
        for part in ("cmdline", "environ"):
            try:
                data = (Path("/proc") / str(pid) / part).read_bytes()
            except OSError:
                continue
            found += [f"{pid}/{part}: {n}" for n in needles if n.encode() in data]
    return found


def _files_containing(root: Path, *needles: str) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        for needle in needles:
            for encoded in (needle.encode("utf-8"), needle.encode("utf-16-le")):
                if encoded in data:
                    found.append(f"{path}: {needle}")
    return found


def test_keys_appear_in_no_file_and_no_widget(
        qtbot: QtBot, loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
        sim: Simulator, provider: str, paths: StudioPaths, tmp_path: Path,
        studio_home: Path) -> None:
    registry.add(provider, "openai", sim.url("openai"), label="Leak test", needs_key=True)
    sim.script("good-model", Synthetic([ANSWER]))
    sim.script("echo-model", Status(401, message=f"Incorrect API key provided: {WRONG_KEY}. "
                                    "You can find your API key in your account settings."))

    # The runs belong to a saved prompt, so the collection's export carries them.
    with Store.open(paths) as store:
        collection = store.add_collection("Leak test")
        prompt = store.add_prompt(collection.id, "Greeting", "Hello")
    origin = SendOrigin("Hello", {}, "Greeting", int(collection.id), int(prompt.id))

    dialog = window.open_providers()
    assert isinstance(dialog, ProvidersDialog)
    _type_key(qtbot, dialog, provider, GOOD_KEY)

    assert _run(loop, window, registry, provider, "good-model", origin) is ModelState.DONE
    (pane,) = window.pane_area.panes()
    assert pane.view.answer_text() == ANSWER
    assert [r.presented_key for r in sim.requests_for("good-model")] == [GOOD_KEY]

    # A wrong key: the simulator's own 401, then a 401 whose body quotes the key.
    _type_key(qtbot, dialog, provider, WRONG_KEY)
    assert _run(loop, window, registry, provider, "good-model", origin) is ModelState.FAILED
    (pane,) = window.pane_area.panes()
    assert "HTTP 401" in pane.error_label.text()
    assert sim.requests_for("good-model")[-1].presented_key == WRONG_KEY
    sim.require_key = None  # the scripted 401 quotes the key it got
    assert _run(loop, window, registry, provider, "echo-model", origin) is ModelState.FAILED
    (pane,) = window.pane_area.panes()
    assert "Incorrect API key provided" in pane.error_label.text()
    assert [r.presented_key for r in sim.requests_for("echo-model")] == [WRONG_KEY]

    # The good key again; its answer's page saved as HTML (and as a screenshot on a real
    # display).
    sim.require_key = GOOD_KEY
    _type_key(qtbot, dialog, provider, GOOD_KEY)
    assert _run(loop, window, registry, provider, "good-model", origin) is ModelState.DONE
    (pane,) = window.pane_area.panes()
    in_loop(loop, pane.preview_button.click)
    preview = pane.preview
    assert preview is not None
    saved = preview.save_html(tmp_path / "page.html")
    assert saved is not None and "<h1>Page</h1>" in saved.read_text(encoding="utf-8")
    if os.environ.get("DISPLAY"):
        shots: list[bytes] = []
        preview.save_screenshot(tmp_path / "page.png", shots.append)
        wait_until(loop, lambda: bool(shots), timeout=20, what="a screenshot")
        assert shots[0].startswith(b"\x89PNG")
        window.grab().save(str(tmp_path / "window.png"))

    # The app's child processes (QtWebEngine's browser helpers and renderers) never see a
    # key in their command line or environment.
    children = descendants(os.getpid())[1:]
    assert children, "the preview started no QtWebEngine process"
    assert _processes_containing(children, GOOD_KEY, WRONG_KEY) == []

    # A preview whose renderer dies: the pane says so, and nothing of it echoes a key.
    page = preview.page()
    assert page is not None
    renderer = page.renderProcessPid()
    assert renderer > 0
    os.kill(renderer, signal.SIGKILL)
    wait_until(loop, lambda: preview.state() == "crashed", timeout=20, what="a crashed preview")

    leaked = [t for t in _widget_texts() if GOOD_KEY in t or WRONG_KEY in t]
    assert leaked == []
    assert dialog.key_edit.text() == ""

    dialog.close()
    window.close()
    loop.run_until_complete(window.shutdown())

    with Store.open(paths) as store:
        document = store.export([collection.id], with_runs=True)
    assert len(document["runs"]) == 4
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(document), encoding="utf-8")
    assert "Leak-free answer." in exported.read_text(encoding="utf-8")
    assert "Incorrect API key provided" in exported.read_text(encoding="utf-8")

    # Everything under PROMPT_STUDIO_HOME (config, data with the SQLite WAL, cache with the
    # QtWebEngine storage), the export, the saved page and screenshots.
    assert studio_home.is_relative_to(tmp_path)
    assert _files_containing(tmp_path, GOOD_KEY, WRONG_KEY) == []
