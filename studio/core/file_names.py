"""File names proposed for what the user saves: readable, safe on every file system."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.core.runner import ModelTarget

_UNSAFE = re.compile(r"[^\w.\-]+")
MAX_STEM = 80
TITLE_PART = 40  # of a prompt's title, so the model's name still fits


def file_stem(*parts: str, fallback: str = "page") -> str:
    """The parts (a prompt's title, a model, its settings) joined into one file name stem:
    letters, digits, dots and dashes only, at most MAX_STEM characters."""
    words = [_UNSAFE.sub("-", part).strip("-.") for part in parts]
    stem = "-".join(w for w in words if w)
    stem = re.sub(r"-{2,}", "-", stem)[:MAX_STEM].strip("-.")
    return stem or fallback


def answer_file_stem(title: str, target: ModelTarget) -> str:
    """For what one slot's answer wrote: "<prompt title>-<model>[-<settings>]"."""
    summary = target.settings.summary()
    return file_stem(title[:TITLE_PART], target.ref.model,
                     "" if summary == "defaults" else summary)
