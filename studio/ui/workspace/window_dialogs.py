"""The main window's dialogs and first start: welcome screen, local models, providers,
model picker and About.

Dialogs open with `open()`/`show()` and report through signals: never a nested `exec()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from studio.core.catalog import ProviderRegistry
from studio.core.runner import ModelTarget
from studio.ui.workspace.local_offer import LocalOffer

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QStackedWidget, QStatusBar

    from studio.core.model_sets import ModelSetStore
    from studio.core.paths import StudioPaths
    from studio.core.runner import Engine
    from studio.ui.settings.model_lists import ModelListCache
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.model_bar import ModelBar
    from studio.ui.workspace.prompt_area import PromptArea
    from studio.ui.workspace.workspace_undo import WorkspaceUndo


class WindowDialogs:
    """Mixed into MainWindow (listed before QMainWindow)."""

    _quit_confirmed = False
    _quit_question: QMessageBox | None = None

    def _as_widget(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    if TYPE_CHECKING:
        engine: Engine
        paths: StudioPaths
        registry: ProviderRegistry
        model_sets: ModelSetStore
        model_bar: ModelBar
        prompt_area: PromptArea
        workspace_undo: WorkspaceUndo
        stack: QStackedWidget
        _welcome: QWidget | None
        _model_cache: ModelListCache | None
        _local_offer: LocalOffer | None
        comparison: Comparison | None
        _retired: list[Comparison]

        def statusBar(self) -> QStatusBar: ...
        def show_workspace(self) -> None: ...
        def new_comparison(self) -> None: ...
        def _keep(self, dialog: QDialog) -> None: ...

    def _needs_welcome(self) -> bool:
        from studio.ui.settings.welcome import needs_welcome

        return needs_welcome(self.registry, self.engine.keys)

    def show_welcome(self) -> None:
        if self._welcome is None:
            # Importing llama-cpp just to grey out a button would slow the first start down;
            # whether it is installed is enough here.
            from studio.core.local_start import local_extra_installed
            from studio.ui.settings.welcome import WelcomeWidget

            welcome = WelcomeWidget(local_available=local_extra_installed())
            welcome.addKeyRequested.connect(self.open_providers)
            welcome.compatibleServerRequested.connect(self._add_compatible_server)
            welcome.localModelsRequested.connect(self._use_local_models)
            self.stack.addWidget(welcome)
            self._welcome = welcome
        self.stack.setCurrentWidget(self._welcome)

    def _use_local_models(self) -> None:
        self.offer_local_comparison()

    def offer_local_comparison(self) -> LocalOffer | None:
        """A ready comparison of local models, prefilled with a prompt: Send runs it."""
        from studio.core.local_start import FIRST_RUN_PROMPT, bundled_targets

        targets = bundled_targets(self.registry)
        if not targets:
            self.statusBar().showMessage("The bundled local model is not configured.", 5000)
            return None
        with self.workspace_undo.change("Comparison of local models"):
            self.new_comparison()
            self.model_bar.set_targets(targets)
            self.prompt_area.set_prompt(FIRST_RUN_PROMPT)
        self.prompt_area.send_button.setFocus()
        self.statusBar().showMessage(
            "A comparison of local models is ready: press Send (Ctrl+Enter) to run it "
            "on this machine.", 10000)
        if self._local_offer is not None:
            self._local_offer.cancel()
        self._local_offer = LocalOffer(self, targets)
        return self._local_offer

    @property
    def model_cache(self) -> ModelListCache:
        if self._model_cache is None:
            from studio.ui.settings.model_lists import ModelListCache, model_cache_file

            self._model_cache = ModelListCache(model_cache_file(self.paths.cache))
        return self._model_cache

    def open_providers(self) -> QDialog:
        from studio.ui.settings.providers_dialog import ProvidersDialog

        dialog = ProvidersDialog(self.registry, self.engine.keys, self.model_cache,
                                 client=self.engine.client, parent=self._as_widget())
        dialog.providersChanged.connect(self._on_providers_changed)
        self._keep(dialog)
        dialog.open()
        return dialog

    def _add_compatible_server(self) -> None:
        dialog = self.open_providers()
        show_form = getattr(dialog, "show_add_endpoint", None)
        if callable(show_form):
            show_form("openai")

    def _on_providers_changed(self) -> None:
        self.registry = ProviderRegistry(self.paths.providers_file)
        if self._welcome is not None and self.stack.currentWidget() is self._welcome \
                and not self._needs_welcome():
            self.show_workspace()

    def open_model_picker(self) -> QDialog:
        from studio.ui.model_picker import ModelPicker

        picker = ModelPicker(self.registry, self.engine.keys, self.model_cache, self.model_sets,
                             client=self.engine.client, initial=self.model_bar.targets(),
                             parent=self._as_widget())
        picker.accepted_targets.connect(self._on_models_picked)
        self._keep(picker)
        picker.open()
        return picker

    def _on_models_picked(self, targets: list[ModelTarget]) -> None:
        self.model_bar.set_targets(targets)
        self.show_workspace()

    def show_about(self) -> QDialog:
        from studio.ui.about import show_about

        return show_about(self._as_widget(), self.paths)

    # -- quitting ----------------------------------------------------------------------

    def _running_answers(self) -> int:
        comparisons = [self.comparison, *self._retired]
        return sum(c.running_count for c in comparisons if c is not None)

    def _quit_allowed(self) -> bool:
        """Whether the window may close now; with answers still streaming, it asks first
        (and closes once told to stop them)."""
        if self._quit_confirmed:
            return True
        running = self._running_answers()
        if not running:
            return True
        if self._quit_question is not None:
            self._quit_question.raise_()
            return False
        answers = "1 answer is" if running == 1 else f"{running} answers are"
        box = QMessageBox(QMessageBox.Icon.Question, "Answers still coming in",
                          f"{answers} still coming in.", QMessageBox.StandardButton.NoButton,
                          self._as_widget())
        box.setObjectName("quitWhileRunning")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setInformativeText("Quit now and they stop where they are: what arrived is kept "
                               "in the history, and the comparison is back on screen at the "
                               "next start. Or keep working and let them finish.")
        quit_button = box.addButton("Stop them and quit", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)

        def answered() -> None:
            self._quit_question = None
            if box.clickedButton() is quit_button:
                self._quit_confirmed = True
                self._as_widget().close()

        box.finished.connect(lambda _result: answered())
        self._quit_question = box
        box.open()
        return False
