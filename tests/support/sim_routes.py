"""The simulator's routes: which protocol and model a request is for, which key it
presented, and the requests a real provider would refuse rather than stream to.

    POST /v1/chat/completions                          OpenAI-compatible
    POST /v1/messages                                  Anthropic
    POST /v1beta/models/{model}:streamGenerateContent  Gemini, needs alt=sse
    POST /api/chat                                     Ollama NDJSON
    POST /openai/deployments/{deployment}/chat/completions?api-version=V   Azure OpenAI
    POST /openai/v1/chat/completions                   Azure OpenAI v1 (model in the body)
    GET  /v1/models (OpenAI shape, or Anthropic's when anthropic-version/x-api-key is sent),
    GET  /v1beta/models, GET /api/tags, GET /openai/models?api-version=V,
    GET  /openai/v1/models                             model listings
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LISTING_KEY = "@listing:"

_GEMINI_PREFIX = "/v1beta/models/"
_GEMINI_SUFFIX = ":streamGenerateContent"
_AZURE_PREFIX = "/openai/deployments/"
_AZURE_SUFFIX = "/chat/completions"


@dataclass(slots=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    protocol: str | None = None
    model: str | None = None
    json: Any = field(default=None)
    # The span during which the simulator answered it (time.monotonic()). A reply ends just
    # before its last bytes are written — the chunked terminator, the whole of a
    # non-streamed reply, a reset or a close — so a client can never have finished with a
    # stream before the simulator counts it as ended.
    started: float = 0.0
    ended: float | None = None

    @property
    def presented_key(self) -> str | None:
        """The API key as this request carried it, in whichever header the protocol uses."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return (self.headers.get("x-api-key") or self.headers.get("x-goog-api-key")
                or self.headers.get("api-key") or self.query.get("key"))

    def key_for(self, protocol: str) -> str | None:
        """The key as the protocol accepts it: Azure takes only its `api-key` header."""
        if protocol == "azure":
            return self.headers.get("api-key")
        return self.presented_key


def route(request: SeenRequest) -> tuple[str | None, str]:
    """(protocol, model) of a request; the model of a listing is LISTING_KEY + protocol."""
    path = request.path
    body = request.json if isinstance(request.json, dict) else {}
    if request.method == "POST":
        if path.startswith(_GEMINI_PREFIX) and path.endswith(_GEMINI_SUFFIX):
            return "gemini", path[len(_GEMINI_PREFIX):-len(_GEMINI_SUFFIX)]
        if path.startswith(_AZURE_PREFIX) and path.endswith(_AZURE_SUFFIX):
            deployment = path[len(_AZURE_PREFIX):-len(_AZURE_SUFFIX)]
            return ("azure", deployment) if deployment and "/" not in deployment else (None, "")
        protocol = {"/v1/chat/completions": "openai", "/v1/messages": "anthropic",
                    "/api/chat": "ollama", "/openai/v1/chat/completions": "azure"}.get(path)
        return protocol, str(body.get("model", "")) if protocol else ""
    if request.method == "GET":
        if path == "/v1/models":
            anthropic = "anthropic-version" in request.headers or "x-api-key" in request.headers
            protocol: str | None = "anthropic" if anthropic else "openai"
        else:
            protocol = {"/v1beta/models": "gemini", "/api/tags": "ollama",
                        "/openai/models": "azure", "/openai/v1/models": "azure"}.get(path)
        return protocol, LISTING_KEY + protocol if protocol else ""
    return None, ""


def misuse(protocol: str, request: SeenRequest) -> tuple[int, str] | None:
    """(status, message) for a request a real provider would not stream an answer to."""
    if protocol == "azure" and not request.path.startswith("/openai/v1/") and (
            "api-version" not in request.query):
        return 404, "Resource not found"  # what Azure answers a request without a version
    if request.method != "POST":
        return None
    body = request.json if isinstance(request.json, dict) else {}
    if request.json is None:
        return 400, "the request body is not JSON"
    if protocol == "gemini" and request.query.get("alt") != "sse":
        return 400, "the simulator streams Gemini only as server-sent events: add ?alt=sse"
    if protocol in ("openai", "anthropic", "azure") and body.get("stream") is not True:
        return 400, "the simulator only answers streamed requests: set \"stream\": true"
    if protocol == "ollama" and body.get("stream") is False:
        return 400, "the simulator only answers streamed requests: leave \"stream\" unset"
    return None
