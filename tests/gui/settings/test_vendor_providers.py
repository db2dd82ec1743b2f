# mypy: disable-error-code="no-untyped-call"
"""The vendor presets and Azure OpenAI in the settings dialog and the model picker."""

from __future__ import annotations

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.model_sets import JsonModelSetStore
from studio.core.paths import StudioPaths
from studio.core.secrets import KeyStore
from studio.ui.model_picker import ModelPicker
from studio.ui.settings.model_lists import ModelListCache
from tests.gui.settings.settings_support import OFFSCREEN_SIZE_HINTS
from tests.gui.settings.test_providers_dialog import make_dialog
from tests.support.memory_keyring import MemoryKeyring
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

VENDORS = {"mistral": "MISTRAL_API_KEY", "groq": "GROQ_API_KEY", "xai": "XAI_API_KEY",
           "zai": "ZAI_API_KEY", "together": "TOGETHER_API_KEY",
           "fireworks": "FIREWORKS_API_KEY", "cerebras": "CEREBRAS_API_KEY",
           "huggingface": "HF_TOKEN"}


def test_vendor_presets_are_in_the_picker_and_the_settings(
        qtbot: QtBot, registry: ProviderRegistry, memory_keyring: MemoryKeyring,
        model_cache: ModelListCache, model_sets: JsonModelSetStore) -> None:
    keys = KeyStore(env={"GROQ_API_KEY": "gsk_from_env_0123456789"}, backend=memory_keyring)
    picker = ModelPicker(registry, keys, model_cache, model_sets, auto_fetch=False)
    qtbot.addWidget(picker)
    shown = set(picker.visible_refs())
    for name in VENDORS:
        models = registry.get(name).models
        assert models and {f"{name}:{m}" for m in models} <= shown, name
    picker.search_edit.setText("grok")
    assert set(picker.visible_refs()) == {f"xai:{m}" for m in registry.get("xai").models}
    assert "no key" in picker.tree.note("mistral")
    assert "no key" not in picker.tree.note("groq")

    dialog = make_dialog(qtbot, registry, keys, model_cache)
    rows = {}
    for i in range(dialog.provider_list.topLevelItemCount()):
        item = dialog.provider_list.topLevelItem(i)
        assert item is not None
        rows[item.data(0, Qt.ItemDataRole.UserRole)] = (item.text(0), item.text(2))
    assert rows["groq"] == ("Groq", "from environment variable GROQ_API_KEY")
    assert rows["huggingface"] == ("Hugging Face (router)", "missing")
    assert set(VENDORS) <= set(rows)
    assert dialog.select_provider("together")
    assert dialog.url_label.text() == "https://api.together.ai/v1"
    assert not dialog.api_version_label.isVisibleTo(dialog)


def test_an_azure_endpoint_is_added_tested_and_offered_by_its_deployments(
        qtbot: QtBot, loop: qasync.QEventLoop, registry: ProviderRegistry, keys: KeyStore,
        model_cache: ModelListCache, model_sets: JsonModelSetStore, paths: StudioPaths,
        sim: Simulator, good_key: str) -> None:
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    dialog.show_add_endpoint()
    form = dialog.endpoint_form
    assert not form.api_version_edit.isVisibleTo(form)
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("azure"))
    assert form.api_version_edit.isVisibleTo(form)
    label = form._form.labelForField(form.models_edit)
    assert isinstance(label, QLabel) and label.text() == "Deployments"
    assert "AZURE_OPENAI_API_KEY" in form.key_env_edit.placeholderText()

    form.name_edit.setText("work")
    form.url_edit.setText(sim.base_url)
    for version, deployments, problem in [
        ("", "", "name at least one deployment"),
        ("latest", "gpt-4o-prod", "invalid Azure API version 'latest'"),
    ]:
        form.api_version_edit.setText(version)
        form.models_edit.setText(deployments)
        qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
        assert problem in form.error_label.text()
        assert not paths.providers_file.exists()

    form.api_version_edit.setText("2024-10-21")
    form.models_edit.setText("gpt-4o-prod, o4-mini-eu")
    with qtbot.waitSignal(dialog.providersChanged):
        qtbot.keyClick(form.models_edit, Qt.Key.Key_Return)
    saved = ProviderRegistry(paths.providers_file).get("work")
    assert (saved.kind, saved.api_version, saved.models, saved.key_env) == (
        "azure", "2024-10-21", ("gpt-4o-prod", "o4-mini-eu"), "AZURE_OPENAI_API_KEY")
    assert dialog.current_name() == "work"
    assert dialog.api_version_label.isVisibleTo(dialog)
    assert dialog.api_version_label.text() == "2024-10-21"

    keys.set("work", good_key)
    dialog.reload("work")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    loop.run_until_complete(dialog.wait_idle())
    assert dialog.result_label.text() == "Connected: 2 models available."
    assert [(r.method, r.path, r.query, r.headers.get("api-key")) for r in sim.requests] == [
        ("GET", "/openai/models", {"api-version": "2024-10-21"}, good_key)]
    assert "authorization" not in sim.requests[0].headers

    picker = ModelPicker(registry, keys, model_cache, model_sets, auto_fetch=False)
    qtbot.addWidget(picker)
    picker.search_edit.setText("work:")
    assert set(picker.visible_refs()) == {"work:gpt-4o-prod", "work:o4-mini-eu"}
