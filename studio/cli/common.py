"""Pieces the CLI commands share: paths, registry, key store, JSON printing."""

from __future__ import annotations

import json
import sys
from typing import Any

from studio.core.catalog import CatalogError, ProviderRegistry
from studio.core.paths import StudioPaths, studio_paths
from studio.core.secrets import KeyStore


def paths() -> StudioPaths:
    return studio_paths()


def registry() -> ProviderRegistry:
    from studio.cli import UsageError

    try:
        return ProviderRegistry(paths().providers_file)
    except CatalogError as exc:
        raise UsageError(str(exc)) from None


def key_store() -> KeyStore:
    return KeyStore()


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()
