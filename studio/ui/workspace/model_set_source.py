"""Which model sets the window uses: the database's when there is one, else the JSON file.

The library's re-runs read model sets from the database, so the window must use the same
sets. Before the database held them, the window kept them in model_sets.json: the first
time a window opens with a database, that file's sets and its last-used set are copied in,
in one transaction. The file itself is left untouched, as a backup; a marker file next to it
says the copy was made, so a set deleted later does not come back at the next start.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from studio.core.model_sets import (
    JsonModelSetStore,
    ModelSetEntry,
    ModelSetError,
    ModelSetStore,
    model_sets_file,
)
from studio.core.paths import StudioPaths
from studio.store import Store, StoreError, StoreModelSets

log = logging.getLogger(__name__)

IMPORTED_MARKER = "model_sets.json.imported"
RENAMED_SUFFIX = " (from model_sets.json)"
MAX_NAME = 80  # what validate_set_name allows


class DatabaseModelSets:
    """`ModelSetStore` over the database, with the JSON store's error type: the model
    picker and the window report `ModelSetError`s; a failed read is logged and looks
    empty rather than stopping the window."""

    def __init__(self, store: Store) -> None:
        self._sets: StoreModelSets = store.model_set_store()

    def names(self) -> list[str]:
        try:
            return self._sets.names()
        except StoreError as exc:
            log.warning("cannot read the model sets: %s", exc)
            return []

    def get(self, name: str) -> tuple[ModelSetEntry, ...] | None:
        try:
            return self._sets.get(name)
        except StoreError as exc:
            log.warning("cannot read the model set %r: %s", name, exc)
            return None

    def save(self, name: str, entries: tuple[ModelSetEntry, ...]) -> None:
        try:
            self._sets.save(name, entries)
        except StoreError as exc:
            raise ModelSetError(str(exc)) from exc

    def delete(self, name: str) -> None:
        try:
            self._sets.delete(name)
        except StoreError as exc:
            raise ModelSetError(str(exc)) from exc

    def last(self) -> tuple[ModelSetEntry, ...]:
        try:
            return self._sets.last()
        except StoreError as exc:
            log.warning("cannot read the last model set: %s", exc)
            return ()

    def set_last(self, entries: tuple[ModelSetEntry, ...]) -> None:
        try:
            self._sets.set_last(entries)
        except StoreError as exc:
            raise ModelSetError(str(exc)) from exc


def import_marker(config_dir: Path) -> Path:
    return config_dir / IMPORTED_MARKER


def import_json_sets(json_file: Path, store: Store, marker: Path) -> list[str] | None:
    """Copy the sets of `json_file` into `store` unless `marker` says it was done.

    Returns the names the sets got in the store ([] when the file held none), or None when
    nothing was done (no file, already copied, or the file or the database failed; then the
    next start tries again). A set whose name the store already uses for other models is
    kept under a new name, so nothing is lost.
    """
    if marker.exists() or not json_file.exists():
        return None
    try:
        source = JsonModelSetStore(json_file)
    except ModelSetError as exc:
        log.warning("model sets not imported: %s", exc)
        return None
    imported: list[str] = []
    try:
        with store.transaction():
            for name in source.names():
                entries = source.get(name)
                if not entries:
                    continue
                target = _free_name(store, name, entries)
                if store.find_model_set(target) is None:
                    store.save_model_set(target, entries)
                imported.append(target)
            sets = store.model_set_store()
            if source.last() and not sets.last():
                sets.set_last(source.last())
    except StoreError as exc:
        log.warning("model sets not imported from %s: %s", json_file, exc)
        return None
    try:
        marker.write_text(f"The model sets of {json_file.name} were copied into "
                          f"{store.path} on {time.strftime('%Y-%m-%d %H:%M:%S')}.\n"
                          f"{json_file.name} is kept as a backup and no longer read.\n",
                          encoding="utf-8")
    except OSError as exc:
        log.warning("cannot write %s: %s", marker, exc)
    return imported


def _free_name(store: Store, name: str, entries: tuple[ModelSetEntry, ...]) -> str:
    """`name`, unless the store has another set by that name: then a name for the copy
    (which may already hold the same models, from an earlier, interrupted import)."""
    candidate = name
    number = 1
    while True:
        found = store.find_model_set(candidate)
        if found is None or found.items == entries:
            return candidate
        number += 1
        suffix = RENAMED_SUFFIX if number == 2 else f" (from model_sets.json, {number - 1})"
        candidate = name[:MAX_NAME - len(suffix)] + suffix


def window_model_sets(paths: StudioPaths, store: Store | None) -> ModelSetStore:
    """The database's sets (after importing the JSON file's once), or the JSON file's
    when there is no database."""
    json_file = model_sets_file(paths.config)
    if store is None:
        return JsonModelSetStore(json_file)
    import_json_sets(json_file, store, import_marker(paths.config))
    return DatabaseModelSets(store)
