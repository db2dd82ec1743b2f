"""Named model sets ("my four coders") and the last set used, behind a small interface.

The JSON file is a stand-in until the SQLite store holds model sets; callers depend only on
the `ModelSetStore` protocol so the backing store can be swapped without touching them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from studio.core.catalog import CatalogError, ModelRef, parse_model_ref
from studio.core.request import GenerationSettings

_VERSION = 1


class ModelSetError(ValueError):
    """A bad set name or an unreadable sets file; the message is for the user."""


@dataclass(frozen=True, slots=True)
class ModelSetEntry:
    ref: ModelRef
    settings: GenerationSettings = field(default_factory=GenerationSettings)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"model": str(self.ref)}
        settings = self.settings.to_dict()
        if settings:
            data["settings"] = settings
        return data

    @classmethod
    def from_json(cls, data: object) -> ModelSetEntry:
        # A bare "provider:model" string is accepted too: it is what people write by hand.
        if isinstance(data, str):
            return cls(parse_model_ref(data))
        if not isinstance(data, dict) or not isinstance(data.get("model"), str):
            raise ModelSetError(f"bad model set entry {data!r}")
        raw_settings = data.get("settings") or {}
        if not isinstance(raw_settings, dict):
            raise ModelSetError(f"bad settings in model set entry {data!r}")
        try:
            settings = GenerationSettings.from_dict(raw_settings)
        except TypeError as exc:
            raise ModelSetError(f"bad settings in model set entry {data!r}") from exc
        return cls(parse_model_ref(data["model"]), settings)


def entries_from_refs(refs: list[str] | tuple[str, ...]) -> tuple[ModelSetEntry, ...]:
    return tuple(ModelSetEntry(parse_model_ref(r)) for r in refs)


def validate_set_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ModelSetError("a model set needs a name")
    if len(cleaned) > 80:
        raise ModelSetError("model set names are limited to 80 characters")
    return cleaned


class ModelSetStore(Protocol):
    def names(self) -> list[str]: ...

    def get(self, name: str) -> tuple[ModelSetEntry, ...] | None: ...

    def save(self, name: str, entries: tuple[ModelSetEntry, ...]) -> None: ...

    def delete(self, name: str) -> None: ...

    def last(self) -> tuple[ModelSetEntry, ...]: ...

    def set_last(self, entries: tuple[ModelSetEntry, ...]) -> None: ...


class JsonModelSetStore:
    """Model sets in one JSON file (StudioPaths.config / "model_sets.json")."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._sets: dict[str, tuple[ModelSetEntry, ...]] = {}
        self._last: tuple[ModelSetEntry, ...] = ()
        self._load()

    @property
    def path(self) -> Path:
        return self._path

    def _load(self) -> None:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise ModelSetError(f"cannot read {self._path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ModelSetError(f"cannot read {self._path}: not a JSON object")
        try:
            raw_sets = data.get("sets") or {}
            for name, raw in raw_sets.items():
                self._sets[str(name)] = self._parse_entries(raw)
            self._last = self._parse_entries(data.get("last") or [])
        except (CatalogError, AttributeError, TypeError) as exc:
            raise ModelSetError(f"cannot read {self._path}: {exc}") from exc

    @staticmethod
    def _parse_entries(raw: object) -> tuple[ModelSetEntry, ...]:
        if not isinstance(raw, list):
            raise ModelSetError(f"expected a list of models, got {raw!r}")
        return tuple(ModelSetEntry.from_json(item) for item in raw)

    def _write(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": _VERSION,
            "sets": {name: [e.to_json() for e in entries]
                     for name, entries in sorted(self._sets.items())},
            "last": [e.to_json() for e in self._last],
        }
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        os.replace(tmp, self._path)

    def names(self) -> list[str]:
        return sorted(self._sets, key=str.casefold)

    def get(self, name: str) -> tuple[ModelSetEntry, ...] | None:
        return self._sets.get(name.strip())

    def save(self, name: str, entries: tuple[ModelSetEntry, ...]) -> None:
        cleaned = validate_set_name(name)
        if not entries:
            raise ModelSetError("a model set needs at least one model")
        self._sets[cleaned] = tuple(entries)
        self._write()

    def delete(self, name: str) -> None:
        if self._sets.pop(name.strip(), None) is not None:
            self._write()

    def last(self) -> tuple[ModelSetEntry, ...]:
        return self._last

    def set_last(self, entries: tuple[ModelSetEntry, ...]) -> None:
        self._last = tuple(entries)
        self._write()


def model_sets_file(config_dir: Path) -> Path:
    return config_dir / "model_sets.json"
