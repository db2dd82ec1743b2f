"""API keys: the OS keyring first, then the provider's usual environment variable.

There is deliberately no plaintext fallback: without a working keyring backend,
storing a key fails with a message that says what to install or start.

`keyring` is imported on the first lookup, and its backend is chosen by
`studio.core.keyring_choice` (keyring's configuration, else the platform's own backend)
rather than by keyring's discovery, which probes every platform's backend.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from studio.core.catalog import ProviderConfig
from studio.core.keyring_choice import BackendChoice, default_backend, usable

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


class KeyStore:
    def __init__(self, env: Mapping[str, str] | None = None,
                 backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._env = os.environ if env is None else env
        self._backend = backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend | None:
        """The backend keys go to; None when there is no usable one."""
        return self._choice().backend

    def _choice(self) -> BackendChoice:
        if self._backend is not None:
            return BackendChoice(self._backend if usable(self._backend) else None)
        return default_backend()

    def _unavailable_message(self) -> str:
        problem = self._choice().problem
        return f"{_NO_BACKEND_HELP} ({problem})" if problem else _NO_BACKEND_HELP

    def available(self) -> tuple[bool, str]:
        """(usable, human description) of the keyring backend."""
        backend = self.backend
        if backend is None:
            return False, self._unavailable_message()
        return True, f"{type(backend).__module__}.{type(backend).__name__}"

    def _keyring_get(self, provider: str) -> str | None:
        backend = self.backend
        if backend is None:
            return None
        import keyring.errors

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
        backend = self.backend
        if backend is None:
            raise KeyringUnavailable(self._unavailable_message())
        import keyring.errors

        try:
            backend.set_password(SERVICE, provider, key)
        except keyring.errors.KeyringError as exc:
            # The backend's message never contains the secret itself.
            raise KeyringUnavailable(f"the keyring refused to store the key: {exc}") from None

    def delete(self, provider: str) -> bool:
        """Remove the stored key; False when there was none."""
        backend = self.backend
        if backend is None:
            raise KeyringUnavailable(self._unavailable_message())
        import keyring.errors

        try:
            backend.delete_password(SERVICE, provider)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring refused to delete the key: {exc}") from None
        return True
