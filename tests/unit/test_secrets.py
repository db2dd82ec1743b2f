from __future__ import annotations

import keyring.backends.fail
import pytest

from studio.core.catalog import builtin_providers
from studio.core.secrets import SERVICE, KeyringUnavailable, KeyStore
from tests.support.memory_keyring import MemoryKeyring


def test_keyring_first_then_environment() -> None:
    openai = builtin_providers()["openai"]
    backend = MemoryKeyring()
    store = KeyStore(env={"OPENAI_API_KEY": "from-env"}, backend=backend)
    assert store.get(openai) == "from-env" and store.source(openai) == "env"
    store.set("openai", "  from-keyring\n")
    assert backend.get_password(SERVICE, "openai") == "from-keyring"
    assert store.get(openai) == "from-keyring" and store.source(openai) == "keyring"
    assert store.delete("openai") is True
    assert store.delete("openai") is False
    assert store.source(openai) == "env"


def test_without_a_keyring_nothing_is_stored_and_the_message_says_what_to_do() -> None:
    store = KeyStore(env={}, backend=keyring.backends.fail.Keyring())
    usable, _ = store.available()
    assert not usable
    with pytest.raises(KeyringUnavailable, match="gnome-keyring"):
        store.set("openai", "sk-test-123456")
    assert store.get(builtin_providers()["openai"]) is None


@pytest.mark.parametrize("bad", ["", "   ", "two words", "tab\tinside"])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="key"):
        KeyStore(env={}, backend=MemoryKeyring()).set("openai", bad)
