# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from studio.core.catalog import ProviderRegistry
from studio.core.secrets import SERVICE, KeyStore
from studio.ui.settings.welcome import (
    WelcomeWidget,
    local_models_available,
    needs_welcome,
)
from tests.support.memory_keyring import MemoryKeyring

pytestmark = pytest.mark.gui


def test_a_fresh_install_needs_the_welcome_screen(registry: ProviderRegistry,
                                                  keys: KeyStore) -> None:
    assert needs_welcome(registry, keys)


def test_a_stored_key_ends_the_welcome(registry: ProviderRegistry,
                                       memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(SERVICE, "kimi", "sk-kimi-123456789")
    assert not needs_welcome(registry, KeyStore(env={}, backend=memory_keyring))


def test_a_key_in_the_environment_ends_the_welcome(registry: ProviderRegistry,
                                                   memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore(env={"DEEPSEEK_API_KEY": "sk-ds-123456789"}, backend=memory_keyring)
    assert not needs_welcome(registry, keys)


def test_an_own_endpoint_ends_the_welcome(registry: ProviderRegistry, keys: KeyStore) -> None:
    registry.add("vllm", "openai", "http://127.0.0.1:8000/v1", needs_key=False)
    assert not needs_welcome(registry, keys)


def test_the_buttons_lead_to_the_settings(qtbot: QtBot) -> None:
    welcome = WelcomeWidget(local_available=True)
    qtbot.addWidget(welcome)
    for button, signal in [(welcome.add_key_button, welcome.addKeyRequested),
                           (welcome.server_button, welcome.compatibleServerRequested),
                           (welcome.local_button, welcome.localModelsRequested)]:
        assert button.isEnabled()
        with qtbot.waitSignal(signal, timeout=1000):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert welcome.add_key_button.text() == "Add an API key"
    assert welcome.server_button.text() == "Use an OpenAI-compatible server"


def test_without_the_local_extra_the_local_card_says_how_to_get_it(qtbot: QtBot) -> None:
    welcome = WelcomeWidget(local_available=False)
    qtbot.addWidget(welcome)
    assert not welcome.local_button.isEnabled()
    assert not welcome.local_available
    assert "pip install '.[local]'" in welcome.local_card.hint_label.text()
    assert not welcome.local_card.hint_label.isHidden()
    with qtbot.assertNotEmitted(welcome.localModelsRequested):
        qtbot.mouseClick(welcome.local_button, Qt.MouseButton.LeftButton)


def test_the_local_card_follows_whether_the_local_extra_is_installed(qtbot: QtBot) -> None:
    from studio.core.local_models import local_extra_available

    available, _ = local_extra_available()
    assert local_models_available()[0] is available
    welcome = WelcomeWidget()
    qtbot.addWidget(welcome)
    assert welcome.local_available is available
