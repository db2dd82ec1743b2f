"""Suite-wide settings: every test gets its own PROMPT_STUDIO_HOME, Qt runs headless."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Chromium refuses to start its sandbox as root (CI runs as root); only tests switch it off.
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Loopback simulators must never be reached through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

REPO = Path(__file__).resolve().parent.parent
RECORDINGS = REPO / "tests" / "fixtures" / "provider-recordings"


@pytest.fixture(autouse=True)
def studio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "studio-home"
    monkeypatch.setenv("PROMPT_STUDIO_HOME", str(home))
    return home
