"""What a preview may load: pure decisions, no Qt, so they can be tested on their own."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.core.hosts import is_local_host

SCHEME = "studio-preview"
INDEX_PATH = "/index.html"

# Schemes that never leave the renderer: inline images, fonts and workers built from blobs.
_IN_RENDERER_SCHEMES = frozenset({"data", "blob"})


def request_allowed(scheme: str, host: str, *, network: bool) -> bool:
    """Whether a sub-request from a preview page may go ahead.

    Requests for the preview scheme itself are allowed here; the scheme handler then
    checks that a page only ever receives its own document.
    """
    scheme = scheme.lower()
    if scheme == SCHEME or scheme in _IN_RENDERER_SCHEMES:
        return True
    if not network or scheme != "https":
        return False
    return not is_local_host(host)


def new_token() -> str:
    """An unguessable host name: each preview gets its own origin."""
    return "p-" + secrets.token_hex(12)


@dataclass(eq=False)
class PreviewEntry:
    """The state the scheme handler and the request interceptor share for one preview."""

    token: str
    document: bytes = b""
    network: bool = False
    blocked: int = 0
    on_blocked: Callable[[str, str], None] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"{SCHEME}://{self.token}{INDEX_PATH}"

    def note_blocked(self, url: str, reason: str) -> None:
        self.blocked += 1
        if self.on_blocked is not None:
            self.on_blocked(url, reason)


class PreviewRegistry:
    """Token → entry. Qt calls the scheme handler and the interceptor on the GUI thread."""

    def __init__(self) -> None:
        self._entries: dict[str, PreviewEntry] = {}

    def create(self, *, network: bool = False) -> PreviewEntry:
        token = new_token()
        while token in self._entries:
            token = new_token()
        entry = PreviewEntry(token=token, network=network)
        self._entries[token] = entry
        return entry

    def get(self, token: str) -> PreviewEntry | None:
        return self._entries.get(token.lower())

    def discard(self, token: str) -> None:
        entry = self._entries.pop(token, None)
        if entry is not None:
            entry.on_blocked = None
            entry.document = b""

    def __len__(self) -> int:
        return len(self._entries)


REGISTRY = PreviewRegistry()
