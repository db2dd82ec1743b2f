"""The window's remembered state, kept in the "workspace" section of settings.json.

Other parts of the app may keep their own sections in the same file, so it is read,
merged and written back whole rather than overwritten.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

SECTION = "workspace"


@dataclass(slots=True)
class WorkspaceState:
    geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""  # base64 of QMainWindow.saveState()
    splitter: str = ""  # base64 of the answers/prompt splitter state
    layout: str = "columns"
    sync_scroll: bool = False
    zoom: int = 0
    system_prompt: str = ""
    system_visible: bool = False
    variables: dict[str, str] | None = None  # last values of {{variables}}
    # The comparison on screen at the last close, reopened at the next start as it was.
    last_run: int = 0  # its run in the history (0: none)
    last_head: int = 0  # the last prompt of the branch shown (0: the run's own head)
    prompt: str = ""  # what the prompt editor held
    prompt_is_draft: bool = False  # … written and not sent yet

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkspaceState:
        state = fill_fields(cls(), data)
        value = data.get("variables")
        if isinstance(value, dict):
            state.variables = {str(k): str(v) for k, v in value.items()}
        return state


def fill_fields(state: T, data: dict[str, Any]) -> T:
    """`state` (a dataclass of defaults) with each field `data` gives a value of the
    default's type; anything else in `data` is ignored."""
    for f in fields(state):  # type: ignore[arg-type]
        value, default = data.get(f.name), getattr(state, f.name)
        # (True is an int to isinstance: an int field takes no bool.)
        if isinstance(value, type(default)) and (isinstance(default, bool)
                                                 or not isinstance(value, bool)):
            setattr(state, f.name, value)
    return state


def read_section(path: Path, section: str) -> dict[str, Any]:
    """One section of the settings file ({} when it or the file is missing or broken)."""
    data = _read_all(path).get(section)
    return data if isinstance(data, dict) else {}


def write_section(path: Path, section: str, values: dict[str, Any]) -> None:
    """Replace one section of the settings file, keeping the others as they are."""
    data = _read_all(path)
    data[section] = values
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{section}.tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot save the %s settings to %s: %s", section, path, exc)


def _read_all(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def load_state(path: Path) -> WorkspaceState:
    return WorkspaceState.from_dict(read_section(path, SECTION))


def save_state(path: Path, state: WorkspaceState) -> None:
    write_section(path, SECTION, asdict(state))
