"""The shell every HTTP provider shares: its endpoint config and key, and paged listings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from studio.core.catalog import ProviderConfig
from studio.core.events import Event
from studio.core.providers._wire import get_json, one_by_one
from studio.core.providers.base import ModelInfo
from studio.core.request import ChatRequest

if TYPE_CHECKING:
    import httpx

# A server that keeps handing out "next page" tokens must not keep us listing forever.
MAX_LISTING_PAGES = 20


class HttpProvider(ABC):
    def __init__(self, config: ProviderConfig, api_key: str | None) -> None:
        self.config = config
        self._api_key = api_key

    @property
    def base_url(self) -> str:
        return self.config.base_url.rstrip("/")

    def headers(self) -> dict[str, str]:
        """The endpoint's own headers plus a bearer token when there is a key (the
        OpenAI-compatible convention; Anthropic and Gemini send the key their own way)."""
        headers = dict(self.config.headers)
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    @abstractmethod
    def stream_batches(self, client: httpx.AsyncClient, request: ChatRequest
                       ) -> AsyncGenerator[list[Event], None]:
        """The events of `stream`, one list per network read (what the engine consumes)."""

    def stream(self, client: httpx.AsyncClient, request: ChatRequest
               ) -> AsyncGenerator[Event, None]:
        return one_by_one(self.stream_batches(client, request))

    @abstractmethod
    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]: ...

    async def _pages(self, client: httpx.AsyncClient, url: str, params: dict[str, str] | None,
                     next_params: Callable[[dict[str, Any]], dict[str, str] | None]
                     ) -> AsyncIterator[dict[str, Any]]:
        """Each JSON page of a listing; `next_params` reads the next page's query or None."""
        for _ in range(MAX_LISTING_PAGES):
            data = await get_json(client, url, headers=self.headers(), params=params,
                                  secret=self._api_key)
            if not isinstance(data, dict):
                return
            yield data
            params = next_params(data)
            if params is None:
                return
