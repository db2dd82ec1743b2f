"""Model lists fetched from providers' /models endpoints, cached on disk with a timestamp.

Pure Python (no Qt): the providers dialog and the model picker share it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.catalog import ProviderConfig
from studio.core.events import ProviderError
from studio.core.failure_text import provider_detail
from studio.core.providers import make_provider
from studio.core.providers.base import ModelInfo

if TYPE_CHECKING:
    import httpx

DEFAULT_MAX_AGE_S = 24 * 3600
LIST_TIMEOUT_S, LIST_CONNECT_TIMEOUT_S = 20.0, 5.0
LOCAL_EXTRA_HINT = "pip install '.[local]'"
LOCAL_PROVIDER_MODULE = "studio.core.providers.local"


def local_models_available() -> tuple[bool, str]:
    """(available, reason): whether the bundled local model can run here."""
    from studio.core.local_models import local_extra_available

    return local_extra_available()


def model_cache_file(cache_dir: Path) -> Path:
    return cache_dir / "model_lists.json"


@dataclass(frozen=True, slots=True)
class CachedModels:
    models: tuple[ModelInfo, ...]
    fetched_at: float


class ModelListCache:
    """One JSON file: per provider, the fetched models, when, and from which base URL.

    An entry fetched from another base URL (the user edited the endpoint) counts as absent.
    """

    def __init__(self, path: Path, *, max_age_s: float = DEFAULT_MAX_AGE_S,
                 clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._max_age_s = max_age_s
        self._clock = clock
        self._entries: dict[str, dict[str, Any]] = self._read()

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # A cache is disposable: a damaged file just means "fetch again".
            return {}
        providers = data.get("providers") if isinstance(data, dict) else None
        if not isinstance(providers, dict):
            return {}
        return {str(k): v for k, v in providers.items() if isinstance(v, dict)}

    def _write(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": 1, "providers": self._entries}, indent=1),
                       encoding="utf-8")
        os.replace(tmp, self._path)

    def get(self, config: ProviderConfig) -> CachedModels | None:
        entry = self._entries.get(config.name)
        if entry is None or entry.get("base_url") != config.base_url:
            return None
        models: list[ModelInfo] = []
        for item in entry.get("models", ()):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                window = item.get("context_window")
                models.append(ModelInfo(
                    item["id"],
                    item.get("display_name") if isinstance(item.get("display_name"), str)
                    else None,
                    window if isinstance(window, int) else None,
                ))
        fetched_at = entry.get("fetched_at")
        return CachedModels(tuple(models),
                            float(fetched_at) if isinstance(fetched_at, int | float) else 0.0)

    def is_fresh(self, config: ProviderConfig) -> bool:
        cached = self.get(config)
        return cached is not None and self._clock() - cached.fetched_at < self._max_age_s

    def put(self, config: ProviderConfig, models: list[ModelInfo]) -> CachedModels:
        now = self._clock()
        self._entries[config.name] = {
            "base_url": config.base_url,
            "fetched_at": now,
            "models": [
                {k: v for k, v in (("id", m.id), ("display_name", m.display_name),
                                   ("context_window", m.context_window)) if v is not None}
                for m in models
            ],
        }
        self._write()
        return CachedModels(tuple(models), now)

    def forget(self, name: str) -> None:
        if self._entries.pop(name, None) is not None:
            self._write()


@asynccontextmanager
async def client_scope(client: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    """The shared client when there is one, else a short-lived client closed on exit."""
    if client is not None:
        yield client
        return
    import httpx  # kept off the start-up path: the window opens before any list is fetched

    timeout = httpx.Timeout(LIST_TIMEOUT_S, connect=LIST_CONNECT_TIMEOUT_S)
    async with httpx.AsyncClient(timeout=timeout) as own:
        yield own


async def fetch_models(config: ProviderConfig, key: str | None,
                       client: httpx.AsyncClient | None = None) -> list[ModelInfo]:
    """List a provider's models; raises ProviderError, httpx errors or ImportError."""
    provider = make_provider(config, key)
    async with client_scope(client) as http:
        return await provider.list_models(http)


@dataclass(frozen=True, slots=True)
class FetchFailure:
    kind: str          # an ErrorKind value, or "unavailable" when a provider cannot be loaded
    status: int | None
    message: str

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status is not None else ""
        detail = provider_detail(self.message, self.status) or "no details"
        return f"{self.kind}{status}: {detail}"


def describe_failure(exc: BaseException, config: ProviderConfig | None = None) -> FetchFailure:
    import httpx

    if isinstance(exc, ProviderError):
        return FetchFailure(exc.kind.value, exc.status, exc.message)
    if isinstance(exc, httpx.TimeoutException):
        return FetchFailure("timeout", None, str(exc) or "the server did not answer in time")
    if isinstance(exc, httpx.TransportError):
        return FetchFailure("connection", None, str(exc) or type(exc).__name__)
    if isinstance(exc, httpx.HTTPStatusError):
        return FetchFailure("server", exc.response.status_code, str(exc))
    if isinstance(exc, ImportError):
        if config is not None and config.kind == "local":
            return FetchFailure("unavailable", None,
                                f"local models need the optional extra: {LOCAL_EXTRA_HINT}")
        return FetchFailure("unavailable", None, f"cannot load this provider: {exc}")
    return FetchFailure("protocol", None, f"{type(exc).__name__}: {exc}")
