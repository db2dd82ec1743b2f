"""An in-memory keyring backend for tests that must not touch the OS keyring."""

from __future__ import annotations

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict; pass an instance explicitly (e.g. `KeyStore(backend=...)`)."""

    priority = 1  # usable, as far as KeyStore can tell

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.secrets[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


# keyring registers every backend class it sees and picks the highest priority one when
# asked for "the" keyring. Taking this class out of that registry keeps a test that imports
# it from turning keyring's automatic choice into a silent in-memory store.
getattr(keyring.backend.KeyringBackend, "_classes", set()).discard(MemoryKeyring)
