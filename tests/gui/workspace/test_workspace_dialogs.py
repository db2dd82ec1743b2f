"""The main window opens the model picker, the welcome screen, settings and About."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QDialog

from studio.core.catalog import ModelRef, ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, ModelSetEntry, model_sets_file
from studio.core.paths import StudioPaths
from studio.core.runner import Engine
from studio.ui.main_window import MainWindow
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, close_window, in_loop

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def open_dialogs(kind: str) -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible() and type(w).__name__ == kind]


def test_models_button_opens_the_picker_and_its_choice_fills_the_model_bar(
        loop: qasync.QEventLoop, window: MainWindow, paths: StudioPaths) -> None:
    in_loop(loop, window.model_bar.pick_button.click)
    [picker] = open_dialogs("ModelPicker")
    from studio.ui.model_picker import ModelPicker

    assert isinstance(picker, ModelPicker)
    picker.set_selection([ModelSetEntry(ModelRef("sim-openai", "gpt-x")),
                          ModelSetEntry(ModelRef("sim-gemini", "gem-y"))])
    in_loop(loop, picker.accept)
    assert [str(t.ref) for t in window.model_bar.targets()] == [
        "sim-openai:gpt-x", "sim-gemini:gem-y"]
    assert [chip.button.text() for chip in window.model_bar.chips()] == [
        "sim-openai:gpt-x", "sim-gemini:gem-y"]
    # The set is remembered for the next start.
    last = JsonModelSetStore(model_sets_file(paths.config)).last()
    assert [str(e.ref) for e in last] == ["sim-openai:gpt-x", "sim-gemini:gem-y"]
    # Removing a chip updates the remembered set too.
    window.model_bar.chips()[0].remove.click()
    last = JsonModelSetStore(model_sets_file(paths.config)).last()
    assert [str(e.ref) for e in last] == ["sim-gemini:gem-y"]


@pytest.fixture
def first_start(loop: qasync.QEventLoop, engine: Engine,
                tmp_path: Path) -> Iterator[MainWindow]:
    fresh = StudioPaths(tmp_path / "c", tmp_path / "d", tmp_path / "k").ensure()
    win = MainWindow(engine, paths=fresh, registry=ProviderRegistry(fresh.providers_file))
    win.show()
    yield win
    close_window(loop, win)


def test_a_first_start_without_keys_shows_the_welcome_screen(
        loop: qasync.QEventLoop, first_start: MainWindow) -> None:
    from studio.ui.settings.welcome import WelcomeWidget

    welcome = first_start.stack.currentWidget()
    assert isinstance(welcome, WelcomeWidget)
    in_loop(loop, welcome.add_key_button.click)
    [dialog] = open_dialogs("ProvidersDialog")
    dialog.close()
    # Sending anything (here: starting a new comparison) leads to the workspace.
    first_start.actions_.new.trigger()
    assert first_start.stack.currentWidget() is first_start.splitter


def test_about_opens_without_blocking(window: MainWindow) -> None:
    window.actions_.about.trigger()
    [about] = open_dialogs("AboutDialog")
    assert about.isVisible()
    about.close()
