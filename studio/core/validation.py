"""Checks on what a user typed, done before anything is sent."""

from __future__ import annotations

import re

# Larger than any model's context window in practice; beyond this the text is surely
# a mistake (a pasted binary, a wrong file) rather than a prompt.
MAX_PROMPT_CHARS = 4_000_000


# Lone surrogates are what undecodable bytes become (os.fsdecode of argv, surrogateescape):
# they are not characters, and no request body can carry them.
_NOT_TEXT = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """The message names what is wrong and how to fix it."""


def check_prompt(text: str, *, what: str = "prompt", allow_empty: bool = False) -> None:
    if not allow_empty and not text.strip():
        raise InputError(f"the {what} is empty")
    if "\x00" in text:
        raise InputError(f"the {what} contains NUL characters (is it a binary file?)")
    if _NOT_TEXT.search(text):
        raise InputError(f"the {what} is not valid UTF-8 text (it holds bytes that are not "
                         "characters)")
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(f"the {what} is {len(text):,} characters long; "
                         f"the limit is {MAX_PROMPT_CHARS:,}")


def check_model_id(model: str) -> None:
    """A model id goes into a JSON body or a URL path as it is: it must be plain text."""
    if _NOT_TEXT.search(model) or any(not c.isprintable() for c in model):
        raise InputError(f"model id {model!r} contains control characters or bytes that are "
                         "not UTF-8 text")
