"""A failed answer in words a person can act on: what happened, in one sentence with the
provider's own words, and what to do next.

The engine keeps the provider's message as it came (`Failed.message`, which the command
line's JSON reports unchanged); that message often starts with "HTTP 401:" or ends with
"(HTTP 200)" already. Everything shown to a person is composed here, once, so the status is
said once and every kind of failure ends with a next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from studio.core.attachments import refuses_images
from studio.core.events import ErrorKind

# Where the next step is: the providers and keys dialog, running the model again, or none.
Action = Literal["providers", "retry"] | None

_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            408: "Request Timeout", 413: "Payload Too Large", 422: "Unprocessable Entity",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout", 529: "Site Overloaded"}


# Failures that pass: what happened (after the provider's name) and when to try again.
_SIMPLE: dict[ErrorKind, tuple[str, str]] = {
    ErrorKind.RATE_LIMIT: ("is limiting requests",
                           "Wait a minute and retry, or send to fewer of its models at once."),
    ErrorKind.OVERLOADED: ("is overloaded", "Retry in a moment."),
    ErrorKind.SERVER: ("had an internal error",
                       "Retry; if it keeps failing, the provider has a problem."),
    ErrorKind.TIMEOUT: ("did not answer in time",
                        "Retry; if it keeps happening, the server is busy or unreachable."),
}


def provider_detail(message: str, status: int | None) -> str:
    """The provider's words without the HTTP status they repeat ("HTTP 401: bad key" →
    "bad key"); empty when they said nothing beyond the status."""
    text = message.strip()
    if status is None:
        return text
    prefix = re.compile(rf"^HTTP {status}\b(\s*\([^)]*\))?\s*:?\s*")
    while (shorter := prefix.sub("", text, count=1)) != text:  # "HTTP 500: HTTP 500"
        text = shorter
    text = re.sub(rf"\s*\(HTTP {status}\)\s*$", "", text)
    if text.rstrip(".").casefold() == _REASONS.get(status, "").casefold():
        text = ""
    return text.strip()


@dataclass(frozen=True, slots=True)
class FailureText:
    summary: str  # what happened, with the provider's words and the status once
    next_step: str  # what to do about it ("" when there is nothing to do)
    action: Action = None

    def __str__(self) -> str:
        return f"{self.summary} {self.next_step}".strip()


def _sentence(lead: str, detail: str, status: int | None) -> str:
    said = f": {detail}" if detail else ""
    code = f" (HTTP {status})" if status is not None else ""
    text = f"{lead}{said}{code}"
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def explain(kind: ErrorKind, status: int | None, message: str, *, provider: str,
            local: bool = False) -> FailureText:
    """`provider`: its name as the user knows it; `local`: it runs on this machine (a
    server that is not running is the likely cause of a connection failure)."""
    detail = provider_detail(message, status)
    if kind is ErrorKind.AUTH:
        lead = (f"{provider} refused the request" if status == 403
                else f"{provider} did not accept the API key")
        return FailureText(_sentence(lead, detail, status),
                           "Check the key in Providers and keys.", "providers")
    simple = _SIMPLE.get(kind)
    if simple is not None:
        lead, step = simple
        return FailureText(_sentence(f"{provider} {lead}", detail, status), step, "retry")
    if kind is ErrorKind.CONNECTION:
        if local:
            step = "Start the server on this machine, or correct its address in Providers " \
                   "and keys."
        else:
            step = "Check the network, and the base URL in Providers and keys."
        return FailureText(_sentence(f"Could not reach {provider}", detail, status), step,
                           "providers")
    if kind is ErrorKind.PROTOCOL:
        if "html page" in message.casefold() or "expected " in message:
            return FailureText(
                _sentence(f"{provider} did not answer like an API", detail, status),
                "Check its base URL in Providers and keys: it must point at the API, not at "
                "a web page or a proxy's login.", "providers")
        return FailureText(_sentence(f"The answer from {provider} could not be read", detail,
                                     status),
                           "Retry; if it keeps happening, check the base URL in Providers "
                           "and keys.", "retry")
    if kind is ErrorKind.CANCELLED:
        return FailureText(_sentence("Stopped", detail, status), "", "retry")
    # A bad request: the request itself (model, settings, length, images) was refused.
    if refuses_images(message):
        # The message names the model; refused before sending, it also says what to do.
        step = "" if status is None else "Remove the images, or ask a model that takes them."
        return FailureText(_sentence(detail, "", status), step)
    if status is None and message.startswith("not sent:"):
        return FailureText(_sentence("Not sent", message.removeprefix("not sent:").strip(),
                                     None), "")
    if status == 404:
        return FailureText(
            _sentence(f"{provider} does not know this model or address", detail, status),
            "Check the model id, and the base URL in Providers and keys.", "providers")
    if status is None:  # refused before any request (a missing extra, a bad URL)
        if "pip install" in message:  # the message is the next step
            return FailureText(_sentence(f"{provider} cannot run here", detail, None), "")
        return FailureText(_sentence(f"{provider} cannot be asked", detail, None),
                           "Check its settings in Providers and keys.", "providers")
    return FailureText(_sentence(f"{provider} rejected the request", detail, status),
                       "Check this model's settings (max tokens, reasoning, system prompt) "
                       "and the prompt's length.")
