"""Pieces the CLI commands share: paths, registry, key store, JSON printing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from studio.core.attachments import Attachment
    from studio.core.catalog import ProviderRegistry
    from studio.core.paths import StudioPaths
    from studio.core.secrets import KeyStore

# The command modules import this one to build the parser: what it uses is imported in the
# functions, when a command runs.


def paths() -> StudioPaths:
    from studio.core.paths import studio_paths

    return studio_paths()


def registry() -> ProviderRegistry:
    from studio.cli import UsageError
    from studio.core.catalog import CatalogError, ProviderRegistry

    try:
        return ProviderRegistry(paths().providers_file)
    except CatalogError as exc:
        raise UsageError(str(exc)) from None


def key_store() -> KeyStore:
    from studio.core.secrets import KeyStore

    return KeyStore()


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()


def read_text_input(name: str) -> str:
    """A prompt file (or standard input for "-") exactly as written: line endings kept,
    only a leading byte-order mark dropped. ValueError carries the message for the user."""
    where = "standard input" if name == "-" else f"prompt file {name}"
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except FileNotFoundError:
        raise ValueError(f"prompt file not found: {name}") from None
    except OSError as exc:
        raise ValueError(f"cannot read {where}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where} is not UTF-8 text (byte {exc.start} cannot be "
                         "decoded; is it a binary file?)") from None


def load_attachments(files: list[str] | None) -> tuple[Attachment, ...]:
    """The files given with -a, checked before anything is sent; ValueError carries the
    message for the user (naming the file)."""
    from studio.core.attachments import AttachmentError, load_attachment

    try:
        return tuple(load_attachment(name) for name in files or ())
    except AttachmentError as exc:
        raise ValueError(str(exc)) from None


def parse_date(text: str | None, option: str) -> float | None:
    """A --since/--until value (ISO date or date-time, local time) as UNIX seconds; ValueError
    carries the message for the user."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise ValueError(f"{option} {text!r}: expected a date like 2025-06-30 or "
                         "2025-06-30T14:00") from None


async def redraw_while(waiter: asyncio.Future[Any], draw: Callable[[], None] | None,
                       every_s: float) -> None:
    """Call `draw` every `every_s` seconds until `waiter` is done (at once, without draw)."""
    import asyncio

    while draw is not None and not waiter.done():
        draw()
        await asyncio.wait([waiter], timeout=every_s)
