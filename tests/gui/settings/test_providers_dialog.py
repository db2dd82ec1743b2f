# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.paths import StudioPaths
from studio.core.secrets import SERVICE, KeyStore
from studio.ui.settings.model_lists import ModelListCache, model_cache_file
from studio.ui.settings.providers_dialog import ProvidersDialog
from tests.gui.settings.settings_support import OFFSCREEN_SIZE_HINTS, SlowModelList
from tests.gui.workspace.workspace_support import wait_until
from tests.support.memory_keyring import MemoryKeyring
from tests.support.scenarios import Hold
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def files_containing(root: Path, needle: str) -> list[Path]:
    data = needle.encode()
    return [p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def row_status(dialog: ProvidersDialog, name: str) -> str:
    for i in range(dialog.provider_list.topLevelItemCount()):
        item = dialog.provider_list.topLevelItem(i)
        assert item is not None
        if item.data(0, Qt.ItemDataRole.UserRole) == name:
            return item.text(2)
    raise AssertionError(f"{name} is not listed")


def make_dialog(qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore,
                cache: ModelListCache) -> ProvidersDialog:
    dialog = ProvidersDialog(registry, keys, cache)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_every_provider_is_listed_with_where_its_key_comes_from(
        qtbot: QtBot, registry: ProviderRegistry, model_cache: ModelListCache,
        memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(SERVICE, "anthropic", "sk-ant-stored-123456")
    keys = KeyStore(env={"OPENAI_API_KEY": "sk-from-env-123456"}, backend=memory_keyring)
    dialog = make_dialog(qtbot, registry, keys, model_cache)

    assert dialog.provider_list.topLevelItemCount() == len(registry.all())
    assert row_status(dialog, "anthropic") == "in keyring"
    assert row_status(dialog, "openai") == "from environment variable OPENAI_API_KEY"
    assert row_status(dialog, "gemini") == "missing"
    assert row_status(dialog, "ollama") == "no key needed"
    assert not dialog.keyring_banner.isVisibleTo(dialog)

    assert dialog.select_provider("openai")
    assert dialog.status_label.text() == "from environment variable OPENAI_API_KEY"
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    # An environment key is not the dialog's to delete; only keyring keys are.
    assert not dialog.delete_key_button.isEnabled()


@pytest.mark.keyring
@pytest.mark.usefixtures("secret_service")
def test_a_key_round_trips_through_the_real_secret_service(
        qtbot: QtBot, registry: ProviderRegistry, model_cache: ModelListCache,
        studio_home: Path) -> None:
    # A provider of its own, so a developer's real keys are never touched by this test.
    name = f"kr-{uuid.uuid4().hex[:12]}"
    registry.add(name, "openai", "https://llm.example.com/v1")
    secret = f"sk-roundtrip-{uuid.uuid4().hex}"
    dialog = make_dialog(qtbot, registry, KeyStore(env={}), model_cache)
    assert dialog.select_provider(name)
    assert dialog.status_label.text() == "missing"
    try:
        qtbot.keyClicks(dialog.key_edit, secret)
        qtbot.mouseClick(dialog.save_key_button, Qt.MouseButton.LeftButton)

        assert keyring.get_password(SERVICE, name) == secret
        assert dialog.key_edit.text() == ""
        assert dialog.status_label.text() == "in keyring"
        assert row_status(dialog, name) == "in keyring"
        assert dialog.result_label.tone == "ok"
        assert files_containing(studio_home, secret) == []

        assert dialog.delete_key_button.isEnabled()
        qtbot.mouseClick(dialog.delete_key_button, Qt.MouseButton.LeftButton)
        assert keyring.get_password(SERVICE, name) is None
        assert dialog.status_label.text() == "missing"
        assert row_status(dialog, name) == "missing"
    finally:
        if keyring.get_password(SERVICE, name) is not None:
            keyring.delete_password(SERVICE, name)


@pytest.mark.parametrize("backend_type", [keyring.backends.fail.Keyring,
                                          keyring.backends.null.Keyring])
def test_without_a_usable_keyring_the_dialog_says_so_and_stores_nothing(
        qtbot: QtBot, registry: ProviderRegistry, model_cache: ModelListCache,
        studio_home: Path, backend_type: type[keyring.backend.KeyringBackend]) -> None:
    keys = KeyStore(env={}, backend=backend_type())
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    assert dialog.keyring_banner.isVisibleTo(dialog)
    assert "gnome-keyring" in dialog.keyring_banner.text()

    secret = f"sk-nowhere-{uuid.uuid4().hex}"
    assert dialog.select_provider("deepseek")
    qtbot.keyClicks(dialog.key_edit, secret)
    qtbot.mouseClick(dialog.save_key_button, Qt.MouseButton.LeftButton)

    assert dialog.key_edit.text() == ""
    assert dialog.result_label.tone == "error"
    assert dialog.result_label.text().startswith("Key not saved: no usable OS keyring")
    assert dialog.status_label.text() == "missing"
    assert files_containing(studio_home, secret) == []
    assert secret not in dialog.result_label.text()


def test_enter_in_the_key_field_saves_it_once(
        qtbot: QtBot, registry: ProviderRegistry, model_cache: ModelListCache,
        memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore(env={}, backend=memory_keyring)
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    assert dialog.select_provider("qwen")
    with qtbot.waitSignal(dialog.providersChanged):
        qtbot.keyClicks(dialog.key_edit, "sk-qwen-0123456789")
        qtbot.keyClick(dialog.key_edit, Qt.Key.Key_Return)
    assert memory_keyring.secrets == {(SERVICE, "qwen"): "sk-qwen-0123456789"}
    assert dialog.key_edit.text() == ""
    assert dialog.isVisible()
    assert dialog.pages.currentWidget() is dialog.details
    assert row_status(dialog, "qwen") == "in keyring"
    # The same key serves qwen only; qwen-cn has its own entry.
    assert row_status(dialog, "qwen-cn") == "missing"


def test_a_custom_endpoint_is_validated_before_anything_is_saved(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        paths: StudioPaths) -> None:
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    qtbot.mouseClick(dialog.add_endpoint_button, Qt.MouseButton.LeftButton)
    form = dialog.endpoint_form
    assert dialog.pages.currentWidget() is form

    for name, url, expected in [
        ("my-vllm", "ftp://10.0.0.5/v1", "invalid base URL"),
        ("my-vllm", "localhost:8000", "invalid base URL"),
        ("my vllm", "http://127.0.0.1:8000/v1", "invalid provider name"),
        ("openai", "http://127.0.0.1:8000/v1", "already exists"),
    ]:
        form.name_edit.setText(name)
        form.url_edit.setText(url)
        qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
        assert form.error_label.isVisibleTo(dialog)
        assert expected in form.error_label.text()
        assert not paths.providers_file.exists()
        assert "my-vllm" not in registry.all()

    form.name_edit.setText("my-vllm")
    form.url_edit.setText("http://127.0.0.1:8000/v1")
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("openai"))
    with qtbot.waitSignal(dialog.providersChanged):
        qtbot.keyClick(form.url_edit, Qt.Key.Key_Return)

    saved = ProviderRegistry(paths.providers_file).get("my-vllm")
    assert (saved.kind, saved.base_url, saved.builtin) == (
        "openai", "http://127.0.0.1:8000/v1", False)
    assert dialog.current_name() == "my-vllm"
    assert dialog.pages.currentWidget() is dialog.details
    assert dialog.remove_button.isVisibleTo(dialog)

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "my-vllm" not in ProviderRegistry(paths.providers_file).all()


def test_test_connection_reports_the_model_count(
        qtbot: QtBot, loop: qasync.QEventLoop, registry: ProviderRegistry, keys: KeyStore,
        model_cache: ModelListCache, sim: Simulator, good_key: str,
        server_models: tuple[str, ...]) -> None:
    registry.add("sim", "openai", sim.url("openai"))
    keys.set("sim", good_key)
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    assert dialog.select_provider("sim")

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not dialog.test_button.isEnabled()  # the request runs in the background
    loop.run_until_complete(dialog.wait_idle())

    assert dialog.result_label.text() == f"Connected: {len(server_models)} models available."
    assert dialog.result_label.tone == "ok"
    assert dialog.test_button.isEnabled()
    assert [(r.method, r.path, r.presented_key) for r in sim.requests] == [
        ("GET", "/v1/models", good_key)]


def test_a_rejected_key_shows_the_auth_failure_and_the_providers_message(
        qtbot: QtBot, loop: qasync.QEventLoop, registry: ProviderRegistry, keys: KeyStore,
        model_cache: ModelListCache, sim: Simulator) -> None:
    registry.add("sim", "openai", sim.url("openai"))
    wrong = "sk-wrong-key-0000000000"
    keys.set("sim", wrong)
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    assert dialog.select_provider("sim")

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    loop.run_until_complete(dialog.wait_idle())

    text = dialog.result_label.text()
    assert dialog.result_label.tone == "error"
    assert text.startswith("Connection failed: auth (HTTP 401): ")
    assert "API key" in text  # the provider's own words follow the kind
    assert wrong not in text
    assert model_cache.get(registry.get("sim")) is None

    keys.delete("sim")
    dialog.reload("sim")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    loop.run_until_complete(dialog.wait_idle())
    assert dialog.result_label.text().startswith(
        "Connection failed (no API key is set): auth (HTTP 401)")


def test_fetch_models_lists_and_caches_them(
        qtbot: QtBot, loop: qasync.QEventLoop, registry: ProviderRegistry, keys: KeyStore,
        model_cache: ModelListCache, sim: Simulator, good_key: str,
        server_models: tuple[str, ...], paths: StudioPaths) -> None:
    registry.add("sim", "openai", sim.url("openai"))
    keys.set("sim", good_key)
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    assert dialog.select_provider("sim")

    before = time.time()
    qtbot.mouseClick(dialog.fetch_button, Qt.MouseButton.LeftButton)
    loop.run_until_complete(dialog.wait_idle())

    shown = [dialog.models_list.item(i).text() for i in range(dialog.models_list.count())]
    assert shown == list(server_models)
    assert dialog.result_label.text() == f"Fetched {len(server_models)} models."
    cached = ModelListCache(model_cache_file(paths.cache)).get(registry.get("sim"))
    assert cached is not None
    assert [m.id for m in cached.models] == list(server_models)
    assert before <= cached.fetched_at <= time.time()


def test_closing_the_dialog_cancels_a_pending_connection_test(
        qtbot: QtBot, loop: qasync.QEventLoop, registry: ProviderRegistry, keys: KeyStore,
        model_cache: ModelListCache, sim: Simulator, good_key: str,
        server_models: tuple[str, ...]) -> None:
    hold = Hold()  # the server never answers unless released: only a cancel ends the test
    sim.script_listing("openai", SlowModelList(server_models, hold=hold))
    registry.add("sim", "openai", sim.url("openai"))
    keys.set("sim", good_key)
    dialog = make_dialog(qtbot, registry, keys, model_cache)
    assert dialog.select_provider("sim")
    try:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        wait_until(loop, hold.reached.is_set, timeout=20, what="the listing request")
        dialog.reject()
        loop.run_until_complete(asyncio.wait_for(dialog.wait_idle(), 20))
        assert loop.run_until_complete(sim.await_idle())  # its connection was closed
    finally:
        hold.release()
    assert dialog.result_label.tone == "info"  # still "Connecting…": no result arrived
