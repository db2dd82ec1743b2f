"""The first, offline comparison: local models only, ready to run with one click.

On a machine with no key, the studio can still do its main job with the bundled model
(at two temperatures, so the two panes differ) and whatever model servers run locally.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from studio.core.catalog import CatalogError, ModelRef, ProviderRegistry
from studio.core.local_models import BUNDLED_MODEL, bundled_model_path
from studio.core.request import GenerationSettings
from studio.core.runner import ModelTarget

if TYPE_CHECKING:
    from studio.core.local_servers import DetectedServer

FIRST_RUN_PROMPT = (
    "Write a small, complete HTML page (one file, inline CSS) that greets the visitor "
    "with a heading, a short paragraph and a button that changes the page's background "
    "colour when clicked. Answer with the HTML in one ```html code block.")
FIRST_RUN_TEMPERATURES = (0.2, 0.9)
MODELS_PER_SERVER = 1  # a server may list dozens; the first one shows it works


def local_extra_installed() -> bool:
    """llama-cpp-python and the bundled model are on disk (without importing llama.cpp,
    which takes a noticeable part of a second)."""
    try:
        found = importlib.util.find_spec("llama_cpp") is not None
    except (ImportError, ValueError):
        return False
    return found and bundled_model_path() is not None


def bundled_targets(registry: ProviderRegistry,
                    temperatures: Sequence[float] = FIRST_RUN_TEMPERATURES) -> list[ModelTarget]:
    try:
        config = registry.get("local")
    except CatalogError:
        return []
    ref = ModelRef("local", BUNDLED_MODEL)
    return [ModelTarget(ref, config, GenerationSettings(temperature=t)) for t in temperatures]


def server_targets(registry: ProviderRegistry, servers: Sequence[DetectedServer],
                   per_server: int = MODELS_PER_SERVER) -> list[ModelTarget]:
    """Models of the detected servers, under their built-in provider names. A server found
    at another address than its preset's is used where it was found."""
    targets: list[ModelTarget] = []
    for server in servers:
        try:
            config = registry.get(server.provider)
        except CatalogError:
            continue
        # A provider set to Ollama's native protocol talks to its root, not to /v1.
        found = (server.native_url if config.kind == "ollama" and server.native_url
                 else server.base_url)
        if config.base_url.rstrip("/") != found.rstrip("/"):
            config = replace(config, base_url=found)
        targets.extend(ModelTarget(ModelRef(server.provider, model), config)
                       for model in server.models[:per_server])
    return targets
