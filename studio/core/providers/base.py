"""The interface every wire protocol implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from studio.core.catalog import ProviderConfig
from studio.core.events import Event
from studio.core.request import ChatRequest

if TYPE_CHECKING:
    import httpx  # only for annotations: importing httpx is slow, and the GUI starts first


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    display_name: str | None = None
    context_window: int | None = None


class Provider(Protocol):
    config: ProviderConfig

    def stream(self, client: httpx.AsyncClient, request: ChatRequest) -> AsyncIterator[Event]:
        """Yield TextDelta/ReasoningDelta/Usage events and end with Finished.

        HTTP and protocol failures are raised as `ProviderError`; transport errors
        (httpx.TransportError) propagate as they are and are classified by the runner.
        The response is always closed, also when the consumer stops early.
        """
        ...

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        ...
