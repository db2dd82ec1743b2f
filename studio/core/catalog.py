"""Provider presets, user-added endpoints and model references ("provider:model")."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from studio.core import constants
from studio.core.resources import read_text

ProviderKind = Literal["openai", "anthropic", "gemini", "ollama", "azure", "local"]
PROVIDER_KINDS = cast("tuple[ProviderKind, ...]", constants.PROVIDER_KINDS)

AZURE_DEFAULT_API_VERSION = constants.AZURE_DEFAULT_API_VERSION
AZURE_KEY_ENV = "AZURE_OPENAI_API_KEY"
_API_VERSION = re.compile(r"v1|preview|\d{4}-\d{2}-\d{2}(-preview)?")


class CatalogError(ValueError):
    """A bad provider name, kind, URL or model reference; the message is for the user."""


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    name: str
    kind: ProviderKind
    base_url: str
    label: str = ""
    key_env: str | None = None
    needs_key: bool = True
    local: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    builtin: bool = False
    api_version: str = ""  # Azure only; empty: AZURE_DEFAULT_API_VERSION
    # Which models take images, as glob patterns over model ids: the first list is checked
    # first; a model in neither is tried (and a refusal read as "no images").
    image_models: tuple[str, ...] = ()
    text_only_models: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return self.label or self.name

    def to_user_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "base_url": self.base_url}
        if self.label:
            data["label"] = self.label
        if self.key_env:
            data["key_env"] = self.key_env
        if not self.needs_key:
            data["needs_key"] = False
        if self.local:
            data["local"] = True
        if self.headers:
            data["headers"] = dict(self.headers)
        if self.models:
            data["models"] = list(self.models)
        if self.api_version:
            data["api_version"] = self.api_version
        if self.image_models:
            data["image_models"] = list(self.image_models)
        if self.text_only_models:
            data["text_only_models"] = list(self.text_only_models)
        return data


def _config_from(name: str, data: dict[str, Any], *, builtin: bool) -> ProviderConfig:
    kind = data.get("kind")
    if kind not in PROVIDER_KINDS:
        raise CatalogError(f"provider {name!r}: unknown kind {kind!r} "
                           f"(expected one of {', '.join(PROVIDER_KINDS)})")
    base_url = str(data.get("base_url", ""))
    if kind != "local":
        validate_base_url(base_url)
    headers = data.get("headers") or {}
    api_version = str(data.get("api_version") or "")
    if api_version:
        if kind != "azure":
            raise CatalogError(f"provider {name!r}: an API version is only for Azure OpenAI")
        validate_api_version(api_version)
    key_env = data.get("key_env")
    if kind == "azure" and not key_env:
        key_env = AZURE_KEY_ENV
    return ProviderConfig(
        name=name,
        kind=cast(ProviderKind, kind),
        base_url=base_url.rstrip("/"),
        label=str(data.get("label", "")),
        key_env=key_env,
        needs_key=bool(data.get("needs_key", kind not in ("local",))),
        local=bool(data.get("local", False)),
        headers={str(k): str(v) for k, v in headers.items()},
        models=tuple(str(m) for m in data.get("models", ())),
        builtin=builtin,
        api_version=api_version,
        image_models=tuple(str(m) for m in data.get("image_models", ())),
        text_only_models=tuple(str(m) for m in data.get("text_only_models", ())),
    )


def validate_api_version(text: str) -> None:
    if not _API_VERSION.fullmatch(text):
        raise CatalogError(f"invalid Azure API version {text!r}: use a dated version such as "
                           f"{AZURE_DEFAULT_API_VERSION} or 2025-04-01-preview, or v1")


def validate_base_url(url: str) -> None:
    if any(c.isspace() or not c.isprintable() for c in url):
        raise CatalogError(f"invalid base URL {url!r}: it contains spaces or control characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number from 0 to 65535 raises here
    except ValueError as exc:
        raise CatalogError(f"invalid base URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CatalogError(f"invalid base URL {url!r}: expected http:// or https:// with a host")
    if parts.username is not None or parts.password is not None:
        # Not echoed: the URL holds a secret. providers.json is plain text, keys are not.
        raise CatalogError("invalid base URL: it holds a user name or password; put the key "
                           "in the OS keyring instead (prompt-studio keys set NAME)")
    if parts.query or parts.fragment:
        raise CatalogError(f"invalid base URL {url!r}: request paths are added to its end, so "
                           "it cannot have a ?query or #fragment")


def validate_name(name: str) -> None:
    if not name or ":" in name or any(c.isspace() for c in name) or len(name) > 64:
        raise CatalogError(f"invalid provider name {name!r}: use letters, digits, '-' or '_'")


def builtin_providers() -> dict[str, ProviderConfig]:
    raw = tomllib.loads(read_text("presets.toml"))["providers"]
    configs = {name: _config_from(name, data, builtin=True) for name, data in raw.items()}
    configs["local"] = ProviderConfig(
        name="local", kind="local", base_url="", label="Bundled local model",
        needs_key=False, local=True, models=("smollm2-135m",), builtin=True,
    )
    return configs


class ProviderRegistry:
    """Built-in presets merged with the user's providers.json (the user's entry wins)."""

    def __init__(self, user_file: Path) -> None:
        self._user_file = user_file
        self._user: dict[str, dict[str, Any]] = self._read_user()
        self._builtins = builtin_providers()

    def _read_user(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self._user_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CatalogError(f"cannot read {self._user_file}: {exc}") from exc
        providers = data.get("providers", {}) if isinstance(data, dict) else {}
        return {str(k): v for k, v in providers.items() if isinstance(v, dict)}

    def _write_user(self) -> None:
        self._user_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._user_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": 1, "providers": self._user}, indent=2),
                       encoding="utf-8")
        os.replace(tmp, self._user_file)

    def all(self) -> dict[str, ProviderConfig]:
        merged = dict(self._builtins)
        for name, data in self._user.items():
            base = merged.get(name)
            if base is not None:
                merged[name] = replace(
                    _config_from(name, {**base.to_user_dict(), **data}, builtin=False),
                    builtin=True)
            else:
                merged[name] = _config_from(name, data, builtin=False)
        return merged

    def get(self, name: str) -> ProviderConfig:
        try:
            return self.all()[name]
        except KeyError:
            known = ", ".join(sorted(self.all()))
            raise CatalogError(f"unknown provider {name!r} (known: {known})") from None

    def add(self, name: str, kind: str, base_url: str, *, label: str = "",
            key_env: str | None = None, needs_key: bool | None = None,
            models: list[str] | None = None, api_version: str | None = None
            ) -> ProviderConfig:
        validate_name(name)
        data: dict[str, Any] = {"kind": kind, "base_url": base_url}
        if label:
            data["label"] = label
        if key_env:
            data["key_env"] = key_env
        if needs_key is not None:
            data["needs_key"] = needs_key
        if models:
            data["models"] = models
        if api_version:
            data["api_version"] = api_version
        config = _config_from(name, data, builtin=False)  # validates before anything is written
        self._user[name] = data
        self._write_user()
        return config

    def remove(self, name: str) -> None:
        if name not in self._user:
            raise CatalogError(f"provider {name!r} is not a user-added provider")
        del self._user[name]
        self._write_user()


@dataclass(frozen=True, slots=True)
class ModelRef:
    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def parse_model_ref(text: str) -> ModelRef:
    """"openrouter:qwen/qwen3-max" → (openrouter, qwen/qwen3-max); model ids may hold ':'."""
    provider, sep, model = text.strip().partition(":")
    if not sep or not provider or not model:
        raise CatalogError(f"model {text!r} must be written PROVIDER:MODEL, e.g. openai:gpt-4o")
    return ModelRef(provider, model)
