"""Keep secrets out of logs, error messages and anything else that is written or shown."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "[redacted]"

# Header and query forms in which provider keys travel; the value part is masked. Azure's
# `api-key` header matters most: its keys are bare hex with no prefix to recognise.
# Between a header's name and its value: "name: v", name=v, {'name': 'v'}, and the
# (b'name', b'v') pairs in which httpx and httpcore hold headers.
_SEP = r"(?:['\"]?\s*[:=]\s*['\"]?|['\"]\s*,\s*b?['\"])"
_PATTERNS = [
    re.compile(rf"(?i)(authorization{_SEP}(?:bearer\s+)?)([^\s,;'\"]+)"),
    re.compile(rf"(?i)((?:x-api-key|x-goog-api-key|api[-_]key){_SEP})([^\s,;'\"&]+)"),
    re.compile(r"(?i)([?&]key=)([^&\s'\"]+)"),
    # Key-shaped tokens: sk-…, sk-ant-…, AIza…, long hex/base64 runs after a known prefix.
    re.compile(r"()(\bsk-[A-Za-z0-9_\-]{8,}|\bAIza[0-9A-Za-z_\-]{20,})"),
]

_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a key that is in use so it is masked wherever it might show up."""
    if value and len(value) >= 6:
        _known_secrets.add(value)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in (*_known_secrets, *secrets):
        if secret and secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Attach to handlers: formats the record once and masks keys in the result."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
