"""PySide6 widgets: thin adapters over the engine in `studio.core` and the store.

Importing this package pins Python's singletons first (see `_pin_singletons`), so every
module under `studio.ui` is safe from the interpreter abort described there.
"""

from __future__ import annotations

import sys


def _pin_singletons() -> None:
    """Give None/True/False a practically infinite reference count on CPython < 3.12.

    PySide6 6.12 wheels return None, True and False from wrapped C++ methods without taking
    a reference, as is correct only for the immortal singletons of Python 3.12+. On 3.11
    every `label.setText(...)` therefore drops one reference to None, and after a few
    thousand calls the interpreter aborts with "none_dealloc: deallocating None".
    Python 3.12 made these objects immortal for the same reason; this does the same here.
    """
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    import ctypes

    for singleton in (None, True, False, Ellipsis, NotImplemented):
        # ob_refcnt is the first field of every CPython object; id() is its address.
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


_pin_singletons()
