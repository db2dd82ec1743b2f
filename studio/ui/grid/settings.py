"""What the batch window remembers: limits, judge, the cost that asks first, its geometry.

Kept in the "batches" section of settings.json, beside the workspace's own section.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from studio.core.batch import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from studio.ui.workspace.ui_state import read_section, write_section

SECTION = "batches"
DEFAULT_CONFIRM_USD = 1.0


@dataclass(slots=True)
class GridSettings:
    concurrency: int = DEFAULT_CONCURRENCY
    per_provider: int = 0  # 0: no bound of its own
    judge: str = ""  # "provider:model" for judge checks that name none; "" for none
    # A batch whose estimated cost is above this (US dollars), or partly unknown, is
    # confirmed before anything is sent.
    confirm_above_usd: float = DEFAULT_CONFIRM_USD
    geometry: str = ""  # base64 of the batch window's saveGeometry()
    splitter: str = ""  # base64 of its grid/detail splitter

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GridSettings:
        settings = cls()
        for f in fields(cls):
            value = data.get(f.name)
            default = getattr(settings, f.name)
            if isinstance(default, float) and isinstance(value, int) \
                    and not isinstance(value, bool):
                value = float(value)
            if isinstance(value, type(default)) and not isinstance(value, bool):
                setattr(settings, f.name, value)
        settings.concurrency = min(max(settings.concurrency, 1), MAX_CONCURRENCY)
        settings.per_provider = min(max(settings.per_provider, 0), MAX_CONCURRENCY)
        if not math.isfinite(settings.confirm_above_usd) or settings.confirm_above_usd < 0:
            settings.confirm_above_usd = DEFAULT_CONFIRM_USD
        return settings


def load_grid_settings(path: Path) -> GridSettings:
    return GridSettings.from_dict(read_section(path, SECTION))


def save_grid_settings(path: Path, settings: GridSettings) -> None:
    write_section(path, SECTION, asdict(settings))
