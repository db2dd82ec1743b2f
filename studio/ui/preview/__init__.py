"""Sandboxed live previews of generated pages (QtWebEngine is loaded only when needed).

Call `register_preview_scheme()` before the first preview (and `prepare_web_engine()` before
the QApplication, which it does itself when called first); then use PreviewView
(one page with its controls) or PreviewGrid (all models' pages side by side).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.ui.preview.grid import PreviewGrid
    from studio.ui.preview.scheme import register_preview_scheme
    from studio.ui.preview.view import PreviewView

__all__ = ["PreviewGrid", "PreviewView", "register_preview_scheme"]

_WHERE = {
    "PreviewGrid": "studio.ui.preview.grid",
    "PreviewView": "studio.ui.preview.view",
    "register_preview_scheme": "studio.ui.preview.scheme",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module), name)
