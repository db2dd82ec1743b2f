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
from typing import Any

log = logging.getLogger(__name__)

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
        state = cls()
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            default = getattr(state, f.name)
            if f.name == "variables":
                if isinstance(value, dict):
                    state.variables = {str(k): str(v) for k, v in value.items()}
            elif isinstance(value, type(default)):
                setattr(state, f.name, value)
        return state


def _read_all(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def read_section(path: Path, name: str) -> dict[str, Any]:
    """One section of the settings file ({} when it is missing or unreadable)."""
    section = _read_all(path).get(name)
    return section if isinstance(section, dict) else {}


def write_section(path: Path, name: str, values: dict[str, Any]) -> None:
    """Replace one section of the settings file, keeping the others."""
    data = _read_all(path)
    data[name] = values
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{name}.tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot save the %s settings to %s: %s", name, path, exc)


def load_state(path: Path) -> WorkspaceState:
    return WorkspaceState.from_dict(read_section(path, SECTION))


def save_state(path: Path, state: WorkspaceState) -> None:
    write_section(path, SECTION, asdict(state))
