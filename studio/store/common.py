"""Small helpers every store module uses: clock, ids, JSON columns, input checks."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from studio.core.variables import VARIABLE_NAME_RE, find_variables
from studio.store.errors import StoreError

MAX_NAME = 200
MAX_TAG = 64


def now() -> float:
    return time.time()


def new_uuid() -> str:
    return str(uuid.uuid4())


def dumps(value: Any) -> str:
    # Compact and key-sorted so equal values give equal text (used to detect "unchanged").
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def clean_name(name: str, what: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise StoreError(f"a {what} needs a name")
    if len(cleaned) > MAX_NAME:
        raise StoreError(f"{what} names are limited to {MAX_NAME} characters")
    return cleaned


def clean_tags(tags: Any) -> tuple[str, ...]:
    """Trimmed, non-empty, each once (case-insensitively), in the order given."""
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned = " ".join(str(tag).split())
        if not cleaned:
            continue
        if len(cleaned) > MAX_TAG:
            raise StoreError(f"tag {cleaned[:20]!r}… is longer than {MAX_TAG} characters")
        seen.setdefault(cleaned.casefold(), cleaned)
    return tuple(seen.values())


def clean_variables(variables: Mapping[str, Any] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, default in (variables or {}).items():
        if not isinstance(name, str) or not VARIABLE_NAME_RE.fullmatch(name):
            raise StoreError(f"invalid variable name {name!r}: use letters, digits, '_', '.'"
                             " or '-', starting with a letter or '_'")
        result[name] = "" if default is None else str(default)
    return result


variables_in = find_variables
