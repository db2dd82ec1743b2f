"""Short texts every report format writes the same way."""

from __future__ import annotations

import re
import time


def stars(rating: int) -> str:
    """"★★★☆☆" for 3."""
    rating = max(0, min(5, rating))
    return "★" * rating + "☆" * (5 - rating)


def when(stamp: float) -> str:
    """A moment in the exporting machine's local time, to the minute."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def table_cell(text: str) -> str:
    """Text made safe for one cell of a Markdown table: one line, pipes escaped."""
    return re.sub(r"\s+", " ", text).replace("|", "\\|").strip() or "–"
