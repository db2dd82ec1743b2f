"""The engine's HTTP client, made on first use, its slow part prepared ahead in a thread.

What makes the first request slow (50-100 ms) when done on the event loop: httpx imports its
transport library on the first client and anyio its asyncio backend on the first
connection, the providers' modules load on first use, and the client loads the CA
certificates. A second after the engine is made (the GUI's first paint should not compete
with it), that is done in a worker thread; the client itself then takes about a
millisecond. A run that starts sooner makes it all on the spot.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ssl
import threading
from typing import TYPE_CHECKING

from studio.core.retry import Timeouts

if TYPE_CHECKING:
    # httpx (with httpcore and anyio) takes tens of milliseconds to import: the GUI's
    # start-up does not wait for it; the first run does.
    import httpx

# Seconds after the client is asked for (the engine made) before the slow part starts.
CLIENT_WARM_UP_S = 1.0


def prepare_tls() -> ssl.SSLContext:
    """Load what the first request needs and make its TLS context: the one httpx would
    make for `verify=True` (certifi, SSL_CERT_FILE/SSL_CERT_DIR honoured)."""
    import importlib

    import httpcore  # noqa: F401  (imported for its side effect: loaded once, off the loop)
    import httpx

    from studio.core.providers import HTTP_PROVIDER_MODULES

    for module in (*HTTP_PROVIDER_MODULES, "studio.core.extract", "anyio._backends._asyncio"):
        with contextlib.suppress(ImportError):  # only ever a head start
            importlib.import_module(module)
    return httpx.create_ssl_context()


class LazyClient:
    """One httpx.AsyncClient for the running event loop, made when first asked for."""

    def __init__(self, timeouts: Timeouts,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._timeouts = timeouts
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._closed = False
        self._tls: concurrent.futures.Future[ssl.SSLContext] | None = None
        self._warm_up: asyncio.TimerHandle | None = None
        with contextlib.suppress(RuntimeError):  # made outside a loop: no warm-up
            self._warm_up = asyncio.get_running_loop().call_later(
                CLIENT_WARM_UP_S, self._start_warm_up)

    def _start_warm_up(self) -> None:
        self._warm_up = None
        if self._closed or self._client is not None or self._transport is not None:
            return
        future: concurrent.futures.Future[ssl.SSLContext] = concurrent.futures.Future()

        def work() -> None:
            try:
                future.set_result(prepare_tls())
            except BaseException as exc:  # the client is then made the usual way
                future.set_exception(exc)

        self._tls = future
        threading.Thread(target=work, name="engine-warm-up", daemon=True).start()

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            if self._closed:
                raise RuntimeError("the engine is closed")
            import httpx

            tls = self._tls
            verify: ssl.SSLContext | bool = True
            if tls is not None and tls.done() and tls.exception() is None:
                verify = tls.result()
            self._client = httpx.AsyncClient(
                verify=verify,
                timeout=self._timeouts.to_httpx(),
                transport=self._transport,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
            )
        return self._client

    async def aclose(self) -> None:
        self._closed = True
        if self._warm_up is not None:
            self._warm_up.cancel()
            self._warm_up = None
        if self._client is not None:
            await self._client.aclose()
