"""Errors the store raises; every message is meant to be shown to the user as it is."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base class: anything the store refuses or cannot do."""


class NotFoundError(StoreError):
    """A collection, prompt, model set, run, turn or response that does not exist."""


class ConflictError(StoreError):
    """A name already taken, a move that would create a cycle, and the like."""


class NewerSchemaError(StoreError):
    """The database was written by a newer Prompt Studio; it is left untouched."""

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            f"{path} was created by a newer version of Prompt Studio (schema version {found}; "
            f"this version understands up to {supported}). Nothing was changed: update Prompt "
            f"Studio, or point PROMPT_STUDIO_HOME at another directory.")
        self.path = path
        self.found = found
        self.supported = supported


class CorruptDatabaseError(StoreError):
    """The file is not a readable SQLite database; a copy was kept, the file left in place."""

    def __init__(self, path: Path, backup: Path | None, detail: str) -> None:
        kept = f" A copy was saved as {backup}." if backup else ""
        super().__init__(
            f"{path} is damaged and cannot be opened ({detail}).{kept} The file itself was "
            f"not changed; move it away to start with an empty database.")
        self.path = path
        self.backup = backup
        self.detail = detail


class ImportFormatError(StoreError):
    """An import file that cannot be imported; `where` names the entry, e.g. prompts[3].title."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem
