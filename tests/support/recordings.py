"""The real provider exchanges in tests/fixtures/provider-recordings, loaded once."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

RECORDINGS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "provider-recordings"

# Headers that describe the recorded HTTP framing, not the answer: the simulator frames
# its replies itself.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding",
                      "keep-alive"})


@dataclass(frozen=True, slots=True)
class Interaction:
    method: str
    uri: str
    request_body: object
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return ""


@dataclass(frozen=True, slots=True)
class Recording:
    name: str
    source: str
    interactions: tuple[Interaction, ...]


def recording_names() -> list[str]:
    return sorted(p.stem for p in RECORDINGS_DIR.glob("*.json"))


@functools.cache
def load_recording(name: str) -> Recording:
    path = RECORDINGS_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(recording_names())
        raise KeyError(f"no recording {name!r} (known: {known})")
    data = json.loads(path.read_text(encoding="utf-8"))
    interactions = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        headers = tuple((str(k), str(v)) for k, v in response["headers"].items()
                        if str(k).lower() not in _FRAMING)
        interactions.append(Interaction(
            method=request["method"], uri=request["uri"], request_body=request.get("body"),
            status=int(response["status"]), headers=headers,
            body=str(response["body"]).encode("utf-8")))
    return Recording(name, str(data.get("source", "")), tuple(interactions))
