"""What the simulator answers: scenarios, each turned into a `Reply` for one protocol.

A `Reply` is a status, headers and a list of body steps. Plain `bytes` steps are written
as one HTTP chunk each; the other steps pause, drip, pace, stall, hold (until the test
releases them), reset or close the connection. Every scenario also says what a correct
client ends up with (`text`, `reasoning`), so tests can assert against it without decoding
anything themselves.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tests.support.recordings import load_recording
from tests.support.sim_streams import (
    CONTENT_TYPES,
    DEFAULT_LISTINGS,
    HTML_ERROR_PAGE,
    MIDSTREAM_MESSAGES,
    Rendered,
    error_body,
    error_message,
    listing_body,
    malformed_frame,
    midstream_error,
    render,
)

# --- body steps ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pause:
    seconds: float


@dataclass(frozen=True, slots=True)
class Drip:
    """`data` sent `size` bytes at a time, one HTTP chunk every `interval` seconds."""

    data: bytes
    size: int
    interval: float


@dataclass(frozen=True, slots=True)
class Paced:
    """Frames written on a fixed schedule of `per_second` frames a second."""

    frames: Sequence[bytes]
    per_second: float


@dataclass(frozen=True, slots=True)
class Split:
    """Frames written several to an HTTP chunk (cheap high-volume streams)."""

    frames: Sequence[bytes]
    per_write: int


class Reset:
    """Abort with a TCP RST (SO_LINGER 0): the client sees "connection reset by peer"."""


class Stall:
    """Send nothing more; hold the socket until the client leaves or the simulator stops."""


class Close:
    """Close the socket (FIN) without ending the chunked body: an HTTP-level truncation."""


class Hold:
    """Send nothing more until the test calls `release()`; `reached` is set once the
    simulator got here. What a slow server does, without guessing how slow to be."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.released = threading.Event()

    def release(self) -> None:
        self.released.set()


Step = bytes | Pause | Drip | Paced | Split | Reset | Stall | Close | Hold


@dataclass(slots=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: list[Step] = field(default_factory=list)
    chunked: bool = True  # False: the body is only bytes, sent with Content-Length


class Scenario(Protocol):
    def reply(self, protocol: str, model: str) -> Reply: ...


def _stream_reply(protocol: str, body: list[Step]) -> Reply:
    return Reply(200, [("content-type", CONTENT_TYPES[protocol]), ("cache-control", "no-cache")],
                 body)


DEFAULT_PARTIAL: tuple[str, ...] = ("Partial", " answer", " before the fault.")


# --- healthy answers ----------------------------------------------------------------------


class Replay:
    """A recorded exchange byte-exact, with its recorded status and headers.

    `chunk_size` splits the body into HTTP chunks of that many bytes (arbitrary
    boundaries, also inside UTF-8 sequences and CRLF pairs); `delay` pauses between them.
    """

    def __init__(self, recording: str, interaction: int = 0, chunk_size: int | None = None,
                 delay: float = 0.0) -> None:
        self.recording = recording
        self.interaction = load_recording(recording).interactions[interaction]
        self.chunk_size = chunk_size
        self.delay = delay

    def reply(self, protocol: str, model: str) -> Reply:
        it = self.interaction
        headers = list(it.headers)
        body = it.body
        streamed = "event-stream" in it.content_type or "ndjson" in it.content_type
        if not streamed and self.chunk_size is None:
            return Reply(it.status, headers, [body], chunked=False)
        size = self.chunk_size or len(body) or 1
        steps: list[Step] = []
        for start in range(0, len(body), size):
            if steps and self.delay:
                steps.append(Pause(self.delay))
            steps.append(body[start:start + size])
        return Reply(it.status, headers, steps)


class Synthetic:
    """A protocol-correct stream of the given deltas, ending with usage and end marker.

    `chunks_per_second` paces the deltas (benchmarks of steady streams); `per_write`
    packs several frames into one HTTP chunk (high-volume ingest benchmarks); `hold` stops
    the stream after `hold_after` deltas until the test releases it (an answer that is
    surely still streaming, however slow the machine). Frames are rendered once per
    (protocol, model) and cached; call `prerender` to pay that early.
    """

    def __init__(self, text_chunks: Sequence[str], reasoning_chunks: Sequence[str] = (),
                 usage: tuple[int, int] | None = (12, 34),
                 chunks_per_second: float | None = None, per_write: int = 1, *,
                 hold: Hold | None = None, hold_after: int = 0) -> None:
        self.text_chunks = tuple(text_chunks)
        self.reasoning_chunks = tuple(reasoning_chunks)
        self.usage = usage
        self.chunks_per_second = chunks_per_second
        self.per_write = max(1, per_write)
        self.hold = hold
        self.hold_after = hold_after
        self._cache: dict[tuple[str, str], Rendered] = {}

    @property
    def text(self) -> str:
        return "".join(self.text_chunks)

    @property
    def reasoning(self) -> str:
        return "".join(self.reasoning_chunks)

    def prerender(self, protocol: str, model: str) -> Rendered:
        key = (protocol, model)
        rendered = self._cache.get(key)
        if rendered is None:
            rendered = render(protocol, model, self.text_chunks, self.reasoning_chunks,
                              self.usage)
            self._cache[key] = rendered
        return rendered

    def reply(self, protocol: str, model: str) -> Reply:
        r = self.prerender(protocol, model)
        if self.hold is None:
            middle = self._sent(r.deltas)
        else:
            cut = self.hold_after
            middle = [*self._sent(r.deltas[:cut]), self.hold, *self._sent(r.deltas[cut:])]
        return _stream_reply(protocol, [*r.head, *middle, *r.tail])

    def _sent(self, deltas: list[bytes]) -> list[Step]:
        if not deltas:
            return []
        if self.chunks_per_second:
            return [Paced(deltas, self.chunks_per_second)]
        if self.per_write > 1:
            return [Split(deltas, self.per_write)]
        return list(deltas)


class TinyChunks(Synthetic):
    """`count` one-character text deltas, each in its own HTTP chunk."""

    def __init__(self, count: int = 10_000) -> None:
        letters = "abcdefghijklmnopqrstuvwxyz"
        super().__init__([letters[i % 26] for i in range(count)])


class ModelList:
    """The protocol's model-listing body (GET /v1/models, /v1beta/models, /api/tags)."""

    def __init__(self, ids: Sequence[str] | None = None) -> None:
        self.ids = tuple(ids) if ids is not None else None

    def reply(self, protocol: str, model: str) -> Reply:
        ids = self.ids if self.ids is not None else DEFAULT_LISTINGS[protocol]
        return Reply(200, [("content-type", "application/json")],
                     [listing_body(protocol, ids)], chunked=False)


# --- HTTP errors --------------------------------------------------------------------------


class Status:
    """An HTTP error with the protocol's own JSON error body.

    `retry_after` is sent verbatim; `retry_after_in` sends an HTTP date that many seconds
    after the moment of the reply (whole seconds, as HTTP dates have no fractions).
    """

    def __init__(self, code: int, retry_after: str | None = None, *,
                 retry_after_in: float | None = None, message: str | None = None) -> None:
        self.code = code
        self.retry_after = retry_after
        self.retry_after_in = retry_after_in
        self.message = message

    def message_for(self, protocol: str, model: str) -> str:
        return self.message if self.message is not None else error_message(
            protocol, self.code, model)

    def reply(self, protocol: str, model: str) -> Reply:
        headers = [("content-type", "application/json")]
        if self.retry_after is not None:
            headers.append(("retry-after", self.retry_after))
        if self.retry_after_in is not None:
            when = email.utils.formatdate(time.time() + self.retry_after_in, usegmt=True)
            headers.append(("retry-after", when))
        if protocol == "anthropic" and self.code == 529:
            headers.append(("x-should-retry", "true"))
        return Reply(self.code, headers, [error_body(protocol, self.code, model, self.message)],
                     chunked=False)


class HtmlPage:
    """A proxy's HTML error page, served with HTTP 200 (and a text/html content type)."""

    text = ""

    def __init__(self, status: int = 200, body: bytes = HTML_ERROR_PAGE) -> None:
        self.status = status
        self.body = body

    def reply(self, protocol: str, model: str) -> Reply:
        return Reply(self.status, [("content-type", "text/html")], [self.body], chunked=False)


# --- faults after some streamed text ------------------------------------------------------


class _AfterText:
    """Base of the faults that first stream `text_before` normally."""

    def __init__(self, text_before: Sequence[str] = DEFAULT_PARTIAL) -> None:
        self.text_before = tuple(text_before)

    @property
    def text(self) -> str:
        """What a correct client keeps: the text before the fault."""
        return "".join(self.text_before)

    def _partial(self, protocol: str, model: str) -> Rendered:
        return render(protocol, model, self.text_before)

    def _fault(self, protocol: str, model: str, r: Rendered) -> list[Step]:
        raise NotImplementedError

    def reply(self, protocol: str, model: str) -> Reply:
        r = self._partial(protocol, model)
        return _stream_reply(protocol, [*r.head, *r.deltas, *self._fault(protocol, model, r)])


class ErrorEvent(_AfterText):
    """The provider's in-stream error (OpenRouter error chunk, Anthropic `event: error`,
    Gemini error object, Ollama error line)."""

    def message_for(self, protocol: str) -> str:
        return MIDSTREAM_MESSAGES[protocol]

    def _fault(self, protocol: str, model: str, r: Rendered) -> list[Step]:
        return list(midstream_error(protocol, model))


class ConnectionReset(_AfterText):
    """A TCP reset after the text. `pause` first lets that text leave the simulator's
    socket buffer, whose unsent bytes an RST would discard."""

    def __init__(self, text_before: Sequence[str] = DEFAULT_PARTIAL, pause: float = 0.1) -> None:
        super().__init__(text_before)
        self.pause = pause

    def _fault(self, protocol: str, model: str, r: Rendered) -> list[Step]:
        return [Pause(self.pause), Reset()]


class Stalled(_AfterText):
    """The server stops sending and keeps the connection open (a read timeout)."""

    def _fault(self, protocol: str, model: str, r: Rendered) -> list[Step]:
        return [Stall()]


class MalformedJson(_AfterText):
    """A frame with broken JSON, then the rest of a normal stream (which must not count)."""

    def _fault(self, protocol: str, model: str, r: Rendered) -> list[Step]:
        rest = render(protocol, model, [" (after the broken frame)"])
        return [malformed_frame(protocol), *rest.deltas, *r.tail]


class CutOff(_AfterText):
    """The stream stops without its end marker (no [DONE], message_stop, finishReason or
    done line). `clean=True` ends the HTTP body properly; `clean=False` closes the socket
    in the middle of the chunked body."""

    def __init__(self, text_before: Sequence[str] = DEFAULT_PARTIAL, clean: bool = True) -> None:
        super().__init__(text_before)
        self.clean = clean

    def _fault(self, protocol: str, model: str, r: Rendered) -> list[Step]:
        return [] if self.clean else [Close()]


class HugeChunk(_AfterText):
    """One text delta of `size` characters in a single frame and a single write."""

    def __init__(self, size: int = 5_000_000,
                 text_before: Sequence[str] = ("Before the big one. ",)) -> None:
        super().__init__(text_before)
        self.big = ("0123456789abcdef" * (size // 16 + 1))[:size]

    @property
    def text(self) -> str:
        return "".join(self.text_before) + self.big

    def _fault(self, protocol: str, model: str, r: Rendered) -> list[Step]:
        big = render(protocol, model, [self.big])
        return [*big.deltas, *r.tail]


_INVALID_MARK = "@@invalid-utf8@@"


class InvalidUtf8(_AfterText):
    """Bytes that are not UTF-8 inside text deltas (each must become one U+FFFD), plus a
    valid multi-byte character split across two HTTP chunks (which must survive intact)."""

    def __init__(self) -> None:
        super().__init__(("Caf", _INVALID_MARK, " au lait", " costs 3 €", _INVALID_MARK, "."))

    @property
    def text(self) -> str:
        return self.text_before_text.replace(_INVALID_MARK, "\ufffd")

    @property
    def text_before_text(self) -> str:
        return "".join(self.text_before)

    def reply(self, protocol: str, model: str) -> Reply:
        r = render(protocol, model, self.text_before)
        mark = _INVALID_MARK.encode()
        deltas: list[Step] = []
        for frame in r.deltas:
            euro = frame.find("€".encode())
            if euro >= 0:  # split inside the three bytes of "€"
                deltas += [frame[: euro + 1], frame[euro + 1:]]
            else:
                deltas.append(frame.replace(mark, b"\xff"))
        return _stream_reply(protocol, [*r.head, *deltas, *r.tail])


class SlowDrip:
    """A complete, healthy stream sent a few bytes at a time (`size` bytes every
    `interval` seconds)."""

    def __init__(self, text_chunks: Sequence[str] = ("Slow", " but", " complete."),
                 size: int = 32, interval: float = 0.05) -> None:
        self.stream = Synthetic(text_chunks)
        self.size = size
        self.interval = interval

    @property
    def text(self) -> str:
        return self.stream.text

    def reply(self, protocol: str, model: str) -> Reply:
        data = b"".join(self.stream.prerender(protocol, model).frames())
        return _stream_reply(protocol, [Drip(data, self.size, self.interval)])
