"""Find model servers running on this machine (Ollama, LM Studio, llama.cpp's server).

Each is probed once, all at the same time, with a short timeout: a port with nothing
behind it is refused at once, and a start-up screen must not wait for a stuck one.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Literal

import httpx

ProbeKind = Literal["ollama", "openai"]
PROBE_TIMEOUT_S = 0.5


@dataclass(frozen=True, slots=True)
class ServerProbe:
    provider: str  # the built-in provider name its models are offered under
    label: str
    kind: ProbeKind  # "ollama": GET /api/tags; "openai": GET /v1/models
    host: str = "127.0.0.1"
    port: int = 0

    @property
    def root(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def list_url(self) -> str:
        return f"{self.root}/api/tags" if self.kind == "ollama" else f"{self.root}/v1/models"


@dataclass(frozen=True, slots=True)
class DetectedServer:
    provider: str
    label: str
    kind: ProbeKind
    base_url: str  # the OpenAI-compatible surface, as in the built-in presets
    models: tuple[str, ...]

    @property
    def native_url(self) -> str | None:
        """Ollama's own API root (for the native NDJSON provider), else None."""
        return self.base_url.removesuffix("/v1") if self.kind == "ollama" else None


DEFAULT_PROBES: tuple[ServerProbe, ...] = (
    ServerProbe("ollama", "Ollama", "ollama", port=11434),
    ServerProbe("lmstudio", "LM Studio", "openai", port=1234),
    ServerProbe("llamacpp", "llama.cpp server", "openai", port=8080),
)


def probes_at(host: str = "127.0.0.1", ports: dict[str, int] | None = None
              ) -> tuple[ServerProbe, ...]:
    """The default probes on another host, or with some ports moved (by provider name)."""
    ports = ports or {}
    return tuple(
        ServerProbe(p.provider, p.label, p.kind, host, ports.get(p.provider, p.port))
        for p in DEFAULT_PROBES)


def _model_ids(kind: ProbeKind, data: Any) -> tuple[str, ...] | None:
    """Model ids from a listing, or None when the answer is not that server's listing."""
    if not isinstance(data, dict):
        return None
    items = data.get("models" if kind == "ollama" else "data")
    keys: tuple[str, ...] = ("name", "model") if kind == "ollama" else ("id",)
    if not isinstance(items, list):
        return None
    ids: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for key in keys:
            value = item.get(key)
            if isinstance(value, str) and value:
                ids.append(value)
                break
    return tuple(ids)


async def probe_server(client: httpx.AsyncClient, probe: ServerProbe,
                       wait_s: float = PROBE_TIMEOUT_S) -> DetectedServer | None:
    try:
        async with asyncio.timeout(wait_s):
            response = await client.get(probe.list_url, timeout=httpx.Timeout(wait_s),
                                        headers={"Accept": "application/json"})
    except (httpx.HTTPError, TimeoutError, OSError):
        return None
    if response.status_code != 200:
        return None
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    ids = _model_ids(probe.kind, data)
    if ids is None:
        return None
    return DetectedServer(probe.provider, probe.label, probe.kind, f"{probe.root}/v1", ids)


async def detect_local_servers(client: httpx.AsyncClient,
                               probes: tuple[ServerProbe, ...] = DEFAULT_PROBES,
                               wait_s: float = PROBE_TIMEOUT_S) -> list[DetectedServer]:
    """The servers that answered within `wait_s` seconds, in the order of `probes`."""
    results = await asyncio.gather(*(probe_server(client, p, wait_s) for p in probes))
    return [r for r in results if r is not None]
