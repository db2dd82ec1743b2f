"""Where configuration, data and cache live: PROMPT_STUDIO_HOME, else the platform's dirs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

HOME_ENV = "PROMPT_STUDIO_HOME"
_APP_DIR_NAME = "prompt-studio"


@dataclass(frozen=True, slots=True)
class StudioPaths:
    config: Path
    data: Path
    cache: Path

    @property
    def database(self) -> Path:
        return self.data / "studio.sqlite3"

    @property
    def providers_file(self) -> Path:
        return self.config / "providers.json"

    @property
    def prices_override(self) -> Path:
        return self.config / "prices.json"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def log_dir(self) -> Path:
        return self.cache / "logs"

    @property
    def web_storage(self) -> Path:
        return self.cache / "webengine"

    def ensure(self) -> StudioPaths:
        for p in (self.config, self.data, self.cache):
            p.mkdir(parents=True, exist_ok=True)
        return self


def studio_paths(env: dict[str, str] | None = None) -> StudioPaths:
    env = dict(os.environ) if env is None else env
    home = env.get(HOME_ENV)
    if home:
        root = Path(home).expanduser()
        return StudioPaths(root / "config", root / "data", root / "cache")
    return StudioPaths(
        Path(platformdirs.user_config_dir(_APP_DIR_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(_APP_DIR_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(_APP_DIR_NAME, appauthor=False)),
    )
