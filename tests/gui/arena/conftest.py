"""Fixtures of the arena tests: the workspace's loop, simulator, engine and main window."""

from __future__ import annotations

from tests.gui.workspace.conftest import engine, keys, registry, sim, window

__all__ = ["engine", "keys", "registry", "sim", "window"]
