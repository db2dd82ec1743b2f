"""The arena's remembered settings: the "arena" section of settings.json.

`blind_seed` makes the blind order of a run's prompt the same every time it is shown
(studio.core.arena.shuffle_slate) and different from anyone else's studio: it is drawn once,
at random, and kept. The other sections of the file are left as they are.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SECTION = "arena"


@dataclass(slots=True)
class ArenaSettings:
    blind_seed: int = 0  # 0: not drawn yet
    blind: bool = False  # blind mode was on at the last close
    count: int = 20  # battles a queue plans
    judged: str = "answers"
    judge_model: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArenaSettings:
        settings = cls()
        for f in fields(cls):
            value = data.get(f.name)
            if type(value) is type(getattr(settings, f.name)):
                setattr(settings, f.name, value)
        return settings


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def load_settings(path: Path) -> ArenaSettings:
    section = _read(path).get(SECTION)
    settings = ArenaSettings.from_dict(section) if isinstance(section, dict) else ArenaSettings()
    if not settings.blind_seed:
        settings.blind_seed = secrets.randbelow(2**31 - 1) + 1
        save_settings(path, settings)
    return settings


def save_settings(path: Path, settings: ArenaSettings) -> None:
    data = _read(path)
    data[SECTION] = asdict(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".arena.tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot save the arena settings to %s: %s", path, exc)
