"""`{{variables}}` in prompts: found, checked and filled the same way everywhere."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Names as promptfoo and most template tools write them: {{name}}, {{ name }}, {{user.city}}.
VARIABLE_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
VARIABLE_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")


def find_variables(text: str) -> list[str]:
    """Variable names in order of first appearance, each once."""
    seen: dict[str, None] = {}
    for match in VARIABLE_RE.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def fill_variables(text: str, values: Mapping[str, str]) -> str:
    """Replace every known variable; unknown ones stay as written."""
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return VARIABLE_RE.sub(sub, text)
