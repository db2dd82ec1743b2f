"""The arena's remembered settings: the "arena" section of settings.json.

`blind_seed` makes the blind order of a run's prompt the same every time it is shown
(studio.core.arena.shuffle_slate) and different from anyone else's studio: it is drawn once,
at random, and kept. The other sections of the file are left as they are.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from studio.ui.workspace.ui_state import fill_fields, read_section, write_section

SECTION = "arena"


@dataclass(slots=True)
class ArenaSettings:
    blind_seed: int = 0  # 0: not drawn yet
    blind: bool = False  # blind mode was on at the last close
    count: int = 20  # battles a queue plans
    judged: str = "answers"
    judge_model: str = ""


def load_settings(path: Path) -> ArenaSettings:
    settings = fill_fields(ArenaSettings(), read_section(path, SECTION))
    if not settings.blind_seed:
        settings.blind_seed = secrets.randbelow(2**31 - 1) + 1
        save_settings(path, settings)
    return settings


def save_settings(path: Path, settings: ArenaSettings) -> None:
    write_section(path, SECTION, asdict(settings))
