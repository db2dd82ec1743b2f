"""API keys: the OS keyring first, then the provider's usual environment variable.

There is deliberately no plaintext fallback: without a working keyring backend,
storing a key fails with a message that says what to install or start.

`keyring` is imported on the first lookup: importing it probes every platform's backend
(its macOS one runs a compiler search), some 70 ms that the app's start-up need not wait for.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from studio.core.catalog import ProviderConfig

if TYPE_CHECKING:
    import keyring.backend

SERVICE = "prompt-studio"
KeySource = Literal["keyring", "env"]

_NO_BACKEND_HELP = (
    "no usable OS keyring: API keys are only ever stored there. Start a Secret Service "
    "(GNOME Keyring or KWallet; on Debian/Ubuntu: sudo apt-get install gnome-keyring, then "
    "log in to a desktop session) or set the provider's environment variable instead."
)


class KeyringUnavailable(RuntimeError):
    """No keyring backend can store secrets here; the message tells the user what to do."""


def _backend_is_usable(backend: keyring.backend.KeyringBackend) -> bool:
    # keyring picks "fail" or "null" backends when nothing real is available; their
    # priority is <= 0, which is the documented signal of an unusable backend.
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


class KeyStore:
    def __init__(self, env: Mapping[str, str] | None = None,
                 backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._env = os.environ if env is None else env
        self._backend = backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is not None:
            return self._backend
        import keyring

        return keyring.get_keyring()

    def available(self) -> tuple[bool, str]:
        """(usable, human description) of the keyring backend."""
        backend = self.backend
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        if not _backend_is_usable(backend):
            return False, _NO_BACKEND_HELP
        return True, name

    def _keyring_get(self, provider: str) -> str | None:
        import keyring.errors

        backend = self.backend
        if not _backend_is_usable(backend):
            return None
        try:
            value = backend.get_password(SERVICE, provider)
        except keyring.errors.KeyringError:
            return None
        return value or None

    def get(self, config: ProviderConfig) -> str | None:
        value = self._keyring_get(config.name)
        if value:
            return value
        if config.key_env:
            return self._env.get(config.key_env) or None
        return None

    def source(self, config: ProviderConfig) -> KeySource | None:
        if self._keyring_get(config.name):
            return "keyring"
        if config.key_env and self._env.get(config.key_env):
            return "env"
        return None

    def set(self, provider: str, key: str) -> None:
        key = key.strip()
        if not key:
            raise ValueError("the key is empty")
        if any(c.isspace() for c in key) or not key.isprintable():
            raise ValueError("the key contains spaces or control characters; paste it again")
        import keyring.errors

        backend = self.backend
        if not _backend_is_usable(backend):
            raise KeyringUnavailable(_NO_BACKEND_HELP)
        try:
            backend.set_password(SERVICE, provider, key)
        except keyring.errors.KeyringError as exc:
            # The backend's message never contains the secret itself.
            raise KeyringUnavailable(f"the keyring refused to store the key: {exc}") from None

    def delete(self, provider: str) -> bool:
        """Remove the stored key; False when there was none."""
        import keyring.errors

        backend = self.backend
        if not _backend_is_usable(backend):
            raise KeyringUnavailable(_NO_BACKEND_HELP)
        try:
            backend.delete_password(SERVICE, provider)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring refused to delete the key: {exc}") from None
        return True
