"""A bounded console log per preview: a page that spams the console cannot eat memory."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

INFO = "info"
WARNING = "warning"
ERROR = "error"

DEFAULT_CAPACITY = 2000
DEFAULT_MAX_MESSAGE_CHARS = 8000


@dataclass(frozen=True, slots=True)
class ConsoleEntry:
    seq: int
    level: str
    message: str
    line: int = 0
    source: str = ""
    # "console" (the page's own output and uncaught errors), "dialog" (a suppressed
    # alert/confirm/prompt) or "sandbox" (something the sandbox refused).
    kind: str = "console"

    def format(self) -> str:
        where = f" (line {self.line})" if self.line > 0 else ""
        return f"[{self.level}] {self.message}{where}"


class ConsoleLog:
    """Keeps the last `capacity` entries and counts everything, including what it dropped."""

    def __init__(
        self, capacity: int = DEFAULT_CAPACITY, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    ) -> None:
        if capacity < 1 or max_message_chars < 16:
            raise ValueError("console capacity and message size must be positive")
        self._entries: deque[ConsoleEntry] = deque(maxlen=capacity)
        self._max_chars = max_message_chars
        self._seq = 0
        self._errors = 0
        self._truncated = 0
        self._clear_mark = 0

    @property
    def capacity(self) -> int:
        maxlen = self._entries.maxlen
        assert maxlen is not None
        return maxlen

    def add(
        self, level: str, message: str, line: int = 0, source: str = "", kind: str = "console"
    ) -> ConsoleEntry:
        if len(message) > self._max_chars:
            cut = len(message) - self._max_chars
            message = f"{message[: self._max_chars]}… [{cut} more characters]"
            self._truncated += 1
        if len(source) > 500:
            source = source[:500] + "…"
        self._seq += 1
        if level == ERROR:
            self._errors += 1
        entry = ConsoleEntry(self._seq, level, message, max(0, int(line)), source, kind)
        self._entries.append(entry)
        return entry

    def clear(self) -> None:
        self._entries.clear()
        self._errors = 0
        self._truncated = 0
        # Sequence numbers keep growing so a reader can tell old entries from new ones.
        self._clear_mark = self._seq

    def entries(self) -> list[ConsoleEntry]:
        return list(self._entries)

    def since(self, seq: int) -> list[ConsoleEntry]:
        """Entries newer than `seq` that are still kept, oldest first."""
        if not self._entries or self._entries[-1].seq <= seq:
            return []
        out: list[ConsoleEntry] = []
        for entry in reversed(self._entries):
            if entry.seq <= seq:
                break
            out.append(entry)
        out.reverse()
        return out

    @property
    def last_seq(self) -> int:
        return self._seq

    @property
    def total(self) -> int:
        """Entries added since the last clear, kept or dropped."""
        return self._seq - self._clear_mark

    @property
    def dropped(self) -> int:
        """Entries added since the last clear that no longer fit."""
        return self.total - len(self._entries)

    @property
    def error_count(self) -> int:
        return self._errors

    @property
    def truncated(self) -> int:
        return self._truncated

    def __len__(self) -> int:
        return len(self._entries)
