"""The batch window's PageRunner: each finished answer's page run once in the preview sandbox.

The batch runner asks for a page when a cell's checks need it (console errors, a judge
that looks at the screenshot) and for its thumbnail. The pages run in the same sandbox as
the previews — its profile, scheme, policies, network switch and hang watchdog — one at a
time, in the page worker the command line uses (`prompt-studio preview - --serve-pages`,
studio/ui/preview/page_worker.py), each bounded by a deadline so a page that hangs or
crashes never holds up the ones after it.

Why a worker process and not the window's own: a web view made, loaded, composited and
grabbed in this process does all of that on the window's event loop, one page after
another for hundreds of cells. Measured here (Xvfb, software rendering, the machine
shared), picturing canvas pages one after another stalled the window's event loop by
67 ms at the 99th percentile and 134 ms at worst in process, against 17 ms and 34 ms
with the worker. The worker costs one QtWebEngine process while a batch runs (it is
stopped when the batch is idle) and a second or two to start; it runs at a lower priority
than the window.
The worker gets no API key: variables holding keys are left out of its environment.
"""

from __future__ import annotations

from studio.cli.page_runner import WorkerPageRunner
from studio.core.catalog import ProviderRegistry
from studio.core.checks import PageReport

# Pages for thumbnails and checks are background work: on a busy machine the window comes
# first (a page rendered in software can keep a whole core busy).
WORKER_NICENESS = 10


class WindowPageRunner(WorkerPageRunner):
    """`studio.core.checks.PageRunner` for the window; `pages_run` counts the pages run."""

    def __init__(self, registry: ProviderRegistry, *, network: bool = False) -> None:
        keys = {c.key_env for c in registry.all().values() if c.key_env}
        super().__init__(network=network, key_variables=keys, niceness=WORKER_NICENESS)
        self.pages_run = 0
        self._closed = False

    def unavailable(self) -> str | None:
        if self._closed:
            return "the window was closed"
        return super().unavailable()

    async def run_page(self, html: str) -> PageReport:
        report = await super().run_page(html)
        self.pages_run += 1
        return report

    async def close(self) -> None:
        """Run no more pages (at shutdown); the worker ends."""
        self._closed = True
        await self.aclose()
