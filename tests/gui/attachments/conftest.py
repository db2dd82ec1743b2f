"""Fixtures of the attachment tests: the workspace's simulator, engine and main window."""

from __future__ import annotations

from tests.gui.workspace.conftest import engine, keys, registry, sim, window

__all__ = ["engine", "keys", "registry", "sim", "window"]
