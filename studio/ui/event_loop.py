"""The asyncio event loop on top of Qt's: qasync's, plus the async-generator hooks it lacks.

asyncio's own loops install `sys.set_asyncgen_hooks` while they run, so an async generator
that is dropped without being closed (httpx leaves a few of its internal byte iterators to
this) is closed later by a task on the loop. qasync does not, and such a generator is then
closed synchronously by the garbage collector, outside any task: its cleanup (httpcore's
anyio locks) fails and Python prints "async generator ignored GeneratorExit". Installing
the same hooks as `asyncio.BaseEventLoop.run_forever` restores the normal behaviour, and
`shutdown_asyncgens()` can then close the leftovers at exit.
"""

from __future__ import annotations

import sys
from typing import Any

import qasync


class StudioEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    def run_forever(self) -> Any:
        old_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(firstiter=self._asyncgen_firstiter_hook,
                               finalizer=self._asyncgen_finalizer_hook)
        try:
            return super().run_forever()
        finally:
            sys.set_asyncgen_hooks(*old_hooks)
