"""Checks on what a user typed, done before anything is sent."""

from __future__ import annotations

# Larger than any model's context window in practice; beyond this the text is surely
# a mistake (a pasted binary, a wrong file) rather than a prompt.
MAX_PROMPT_CHARS = 4_000_000


class InputError(ValueError):
    """The message names what is wrong and how to fix it."""


def check_prompt(text: str, *, what: str = "prompt", allow_empty: bool = False) -> None:
    if not allow_empty and not text.strip():
        raise InputError(f"the {what} is empty")
    if "\x00" in text:
        raise InputError(f"the {what} contains NUL characters (is it a binary file?)")
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(f"the {what} is {len(text):,} characters long; "
                         f"the limit is {MAX_PROMPT_CHARS:,}")
