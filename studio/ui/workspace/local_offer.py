"""The offline first start: the bundled model at two temperatures, plus local servers.

The offer is on screen at once; model servers on this machine (Ollama, LM Studio,
llama.cpp) are looked for in the background, for half a second at most, and join the
offered models if the user has not changed them meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Protocol

from studio.core.local_start import server_targets
from studio.core.runner import ModelTarget

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from studio.core.catalog import ProviderRegistry
    from studio.core.local_servers import ServerProbe
    from studio.core.runner import Engine
    from studio.ui.workspace.model_bar import ModelBar


class OfferHost(Protocol):
    """What the offer needs from the main window."""

    engine: Engine
    registry: ProviderRegistry
    model_bar: ModelBar

    def statusBar(self) -> QStatusBar: ...

log = logging.getLogger(__name__)


class LocalOffer:
    # Tests point this at a loopback server; None means the usual ports on 127.0.0.1.
    probes: tuple[ServerProbe, ...] | None = None

    def __init__(self, window: OfferHost, targets: list[ModelTarget]) -> None:
        self._window = window
        self.targets = list(targets)
        self.task: asyncio.Task[None] | None = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (a bare widget test): the bundled model alone
        self.task = loop.create_task(self._detect(), name="detect-local-servers")

    async def _detect(self) -> None:
        from studio.core.local_servers import DEFAULT_PROBES, detect_local_servers

        window = self._window
        try:
            servers = await detect_local_servers(window.engine.client,
                                                 self.probes or DEFAULT_PROBES)
        except RuntimeError as exc:  # the engine closed while looking
            log.debug("local server detection stopped: %s", exc)
            return
        found = server_targets(window.registry, servers)
        if not found or window.model_bar.targets() != self.targets:
            return  # nothing found, or the user chose other models meanwhile
        self.targets = [*self.targets, *found]
        window.model_bar.set_targets(self.targets)
        names = ", ".join(s.label for s in servers)
        window.statusBar().showMessage(f"Also found on this machine: {names}", 8000)

    @property
    def done(self) -> bool:
        return self.task is None or self.task.done()

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def wait(self) -> None:
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
