"""Server-sent events, parsed one network read at a time.

The interpretation is the one of the HTML standard's event-stream section and matches
httpx-sse's `SSEDecoder` event for event: lines end at CRLF, LF or CR (a CR at the end of
one read waits for the next, which may start with its LF); a blank line dispatches the
event being built unless nothing at all was set; `event`, `data`, `id` and `retry` fields;
comments and other fields are ignored; an event not followed by a blank line when the
stream ends is dropped.

Why not httpx-sse itself: it hands each line through an async generator and builds an
object per event, which costs about as much as the JSON decoding of a fast stream. Here a
whole read is split into lines at once and the events of that read come back as one list
of `(event, data)` pairs.
"""

from __future__ import annotations

DEFAULT_EVENT = "message"


class SSEParser:
    __slots__ = ("_cr", "_data", "_event", "_has_id", "_partial", "_retry")

    def __init__(self) -> None:
        self._partial: list[str] = []  # the start of a line not yet ended
        self._cr = False  # the previous read ended with CR
        self._event = ""
        self._data: list[str] = []
        self._has_id = False  # a last event id persists across events (and dispatches)
        self._retry = False

    def feed(self, text: str) -> list[tuple[str, str]]:
        """The events completed by this piece of the stream, in order."""
        if self._cr:
            text = "\r" + text
            self._cr = False
        if text.endswith("\r"):
            self._cr = True
            text = text[:-1]
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in text:
            if text:
                self._partial.append(text)
            return []
        lines = text.split("\n")
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = "".join(self._partial)
            self._partial = []
        last = lines.pop()
        if last:
            self._partial.append(last)
        return self._lines(lines)

    def finish(self) -> list[tuple[str, str]]:
        """At the end of the stream: a final CR still ends its line."""
        if not self._partial and not self._cr:
            return []
        line = "".join(self._partial)
        self._partial = []
        self._cr = False
        return self._lines([line])

    def _lines(self, lines: list[str]) -> list[tuple[str, str]]:
        # Runs for every line of every stream: the state lives in locals for the loop, and
        # a `data: ` line (nearly all of them) costs one comparison and one slice.
        out: list[tuple[str, str]] = []
        data = self._data
        event = self._event
        pending = self._has_id or self._retry  # something besides data makes an event
        for line in lines:
            if not line:
                if data or event or pending:
                    out.append((event or DEFAULT_EVENT,
                                data[0] if len(data) == 1 else "\n".join(data)))
                    data = []
                    event = ""
                    self._retry = False
                    pending = self._has_id
            elif line[:6] == "data: ":
                data.append(line[6:])
            elif line[:5] == "data:":
                data.append(line[5:])
            elif line[0] != ":":
                self._data, self._event = data, event
                self._field(line)
                data, event = self._data, self._event
                pending = self._has_id or self._retry
        self._data = data
        self._event = event
        return out

    def _field(self, line: str) -> None:
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":  # "data" without a colon: an empty data line
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._has_id = bool(value)
        elif name == "retry":
            try:
                int(value)
            except ValueError:
                return
            self._retry = True
