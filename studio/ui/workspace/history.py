"""Earlier prompts, walked with Up/Down like a shell history and kept in the config dir."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

HISTORY_FILE = "prompt_history.json"


class PromptHistory:
    """Newest last. Navigation keeps the unsent draft so walking back down restores it."""

    def __init__(self, path: Path | None, limit: int = 500) -> None:
        self._path = path
        self._limit = limit
        self._entries: list[str] = self._load()
        self._cursor: int | None = None  # index into _entries while navigating
        self._draft = ""

    @property
    def entries(self) -> list[str]:
        return list(self._entries)

    @property
    def navigating(self) -> bool:
        return self._cursor is not None

    def _load(self) -> list[str]:
        if self._path is None:
            return []
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            # A damaged history must not stop the app from starting; it is rebuilt on use.
            log.warning("ignoring unreadable prompt history %s: %s", self._path, exc)
            return []
        items = data.get("prompts", []) if isinstance(data, dict) else []
        return [p for p in items if isinstance(p, str)][-self._limit:]

    def _save(self) -> None:
        if self._path is None:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"version": 1, "prompts": self._entries}, indent=1),
                           encoding="utf-8")
            os.replace(tmp, self._path)
        except OSError as exc:
            log.warning("cannot save prompt history %s: %s", self._path, exc)

    def add(self, prompt: str) -> None:
        self.reset_navigation()
        if not prompt.strip():
            return
        if prompt in self._entries:
            self._entries.remove(prompt)
        self._entries.append(prompt)
        del self._entries[:-self._limit]
        self._save()

    def older(self, current: str) -> str | None:
        """The prompt before the one shown, or None at the oldest."""
        if not self._entries:
            return None
        if self._cursor is None:
            self._draft = current
            self._cursor = len(self._entries)
        if self._cursor == 0:
            return None
        self._cursor -= 1
        return self._entries[self._cursor]

    def newer(self) -> str | None:
        """The prompt after the one shown; past the newest, the saved draft."""
        if self._cursor is None:
            return None
        self._cursor += 1
        if self._cursor >= len(self._entries):
            self._cursor = None
            return self._draft
        return self._entries[self._cursor]

    def reset_navigation(self) -> None:
        self._cursor = None
        self._draft = ""
