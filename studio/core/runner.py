"""Fan one comparison out to N models: one task per model, each cancellable and retryable.

The engine knows nothing about how results are shown: listeners get cheap callbacks on
the event-loop thread, and everything else reads the `ModelRun` objects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, cast

from studio.core.attachments import (
    NO_VISION_LOCAL,
    AttachmentError,
    accepts_images,
    image_rejection,
    no_images_message,
    rejected_images_message,
)
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.conversation import context_overflow
from studio.core.events import (
    ErrorKind,
    Event,
    Failed,
    Finished,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    Usage,
)
from studio.core.http_client import LazyClient
from studio.core.metrics import Metrics, Stopwatch
from studio.core.prices import PriceTable
from studio.core.providers import make_provider
from studio.core.redact import redact, register_secret
from studio.core.request import ChatRequest, GenerationSettings
from studio.core.retry import RetryPolicy, Timeouts
from studio.core.secrets import KeyStore

if TYPE_CHECKING:
    # httpx (with httpcore and anyio) takes tens of milliseconds to import: the GUI's
    # start-up does not wait for it; the first run does.
    import httpx

log = logging.getLogger(__name__)

_DELTAS = (TextDelta, ReasoningDelta)

class ModelState(StrEnum):
    WAITING = "waiting"
    STREAMING = "streaming"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (ModelState.DONE, ModelState.FAILED, ModelState.CANCELLED)


@dataclass(frozen=True, slots=True)
class ModelTarget:
    ref: ModelRef
    config: ProviderConfig
    settings: GenerationSettings = field(default_factory=GenerationSettings)

    @property
    def label(self) -> str:
        return str(self.ref)

    @property
    def short_title(self) -> str:
        """The model and its non-default settings, where room is short (a tab)."""
        summary = self.settings.summary()
        return self.ref.model if summary == "defaults" else f"{self.ref.model} · {summary}"

    @property
    def title(self) -> str:
        """The slot as a person reads it: model, provider, and the settings that are not
        the defaults (what tells two slots of one model apart)."""
        name = f"{self.ref.model} · {self.config.display_name}"
        summary = self.settings.summary()
        return name if summary == "defaults" else f"{name} · {summary}"


class ModelRun:
    """One model's answer within a run; mutated only by the engine, read by everyone."""

    def __init__(self, index: int, target: ModelTarget, request: ChatRequest) -> None:
        self.index = index
        self.target = target
        self.request = request
        self.state = ModelState.WAITING
        self.usage: Usage | None = None
        self.error: Failed | None = None
        self.stop_reason: str | None = None
        self.attempts = 0
        self.status_note = ""  # e.g. "retrying in 2 s after rate limit"
        self.notes: list[str] = []  # what was changed on the way out (a downscaled image)
        self.refused_images = False  # not sent: the model is known not to take images
        self.metrics = Metrics()
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._text_len = 0
        self._reasoning_len = 0
        self._joined_text: str | None = ""
        self._joined_reasoning: str | None = ""
        # (text it was made from, whether the answer had finished, page)
        self._html: tuple[str, bool, str | None] | None = None
        self._clock = Stopwatch()

    @property
    def text(self) -> str:
        if self._joined_text is None:
            self._joined_text = "".join(self._text)
            self._text = [self._joined_text]
        return self._joined_text

    @property
    def reasoning(self) -> str:
        if self._joined_reasoning is None:
            self._joined_reasoning = "".join(self._reasoning)
            self._reasoning = [self._joined_reasoning]
        return self._joined_reasoning

    def html(self) -> str | None:
        from studio.core.extract import extract_html

        # Panes and the Previews tab ask several times a second; the page only changes
        # when the text does, and extracting it scans the whole answer.
        text = self.text
        finished = self.state.finished
        cached = self._html
        if cached is not None and cached[0] is text and cached[1] == finished:
            return cached[2]
        page = extract_html(text, finished=finished)
        self._html = (text, finished, page)
        return page

    def refresh_metrics(self) -> Metrics:
        self._clock.fill(self.metrics, self._text_len + self._reasoning_len)
        usage = self.usage
        if usage is not None:  # the cache counts ride along with the latest usage
            self.metrics.cached_input_tokens = usage.cached_input_tokens
            self.metrics.cache_write_tokens = usage.cache_write_tokens
        return self.metrics

    def _reset(self) -> None:
        self.state = ModelState.WAITING
        self.usage = None
        self.error = None
        self.stop_reason = None
        self.attempts = 0
        self.status_note = ""
        self.notes = []
        self.refused_images = False
        self.metrics = Metrics()
        self._text, self._reasoning = [], []
        self._text_len = self._reasoning_len = 0
        self._joined_text = self._joined_reasoning = ""
        self._html = None
        self._clock = Stopwatch()

    def _append(self, event: TextDelta | ReasoningDelta) -> None:
        if isinstance(event, TextDelta):
            self._append_text(event.text)
        else:
            self._append_reasoning(event.text)

    def _append_text(self, text: str) -> None:
        self._text.append(text)
        self._text_len += len(text)
        self._joined_text = None

    def _append_reasoning(self, text: str) -> None:
        self._reasoning.append(text)
        self._reasoning_len += len(text)
        self._joined_reasoning = None


class RunListener(Protocol):
    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None: ...

    def on_state(self, run: ModelRun) -> None: ...


class Admission(Protocol):
    """Decides when an attempt may open its stream: a batch's concurrency limits.

    `acquire` is awaited before every attempt (first try and each retry) and may wait;
    `release` follows every attempt that acquired, with the attempt's error (None on
    success or cancellation) and the engine's wait before the next try (None: no retry).
    A retry wait therefore holds no slot: only open streams count.
    """

    async def acquire(self, run: ModelRun) -> None: ...

    def release(self, run: ModelRun, error: ProviderError | None,
                retry_in: float | None) -> None: ...


class _Silent:
    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        pass

    def on_state(self, run: ModelRun) -> None:
        pass


class RunSession:
    """The tasks of one run. Keeps a reference to every task it starts."""

    def __init__(self, engine: Engine, runs: list[ModelRun], listener: RunListener,
                 admission: Admission | None = None) -> None:
        self._engine = engine
        self.runs = runs
        self._listener = listener
        self.admission = admission
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._cancel_requested: set[int] = set()
        self._keys: dict[str, str] = {}

    def key_for(self, config: ProviderConfig) -> str | None:
        """The provider's key, looked up once per session: a batch of hundreds of requests
        to a few providers must not ask the keyring hundreds of times. A missing key is
        looked up again next time (the user may have just stored it)."""
        key = self._keys.get(config.name)
        if key is None:
            key = self._engine.keys.get(config)
            if key:
                self._keys[config.name] = key
        return key

    def _launch(self, run: ModelRun) -> None:
        self._cancel_requested.discard(run.index)
        task = asyncio.get_running_loop().create_task(
            self._engine._drive(run, self._listener, self), name=f"model:{run.target.label}")
        self._tasks[run.index] = task

    def cancel(self, index: int) -> None:
        task = self._tasks.get(index)
        # A second cancel while the task is closing its response would interrupt that
        # close and leave the socket open, so only the first one is delivered.
        if task is not None and not task.done() and index not in self._cancel_requested:
            self._cancel_requested.add(index)
            task.cancel()

    def cancel_all(self) -> None:
        for index in list(self._tasks):
            self.cancel(index)

    def retry(self, index: int) -> None:
        run = self.runs[index]
        old = self._tasks.get(index)
        if old is not None and not old.done():
            raise RuntimeError(f"{run.target.label} is still running")
        run._reset()
        self._keys.clear()  # a retry after fixing a key must see the new one
        self._listener.on_state(run)
        self._launch(run)

    def was_cancelled_on_purpose(self, index: int) -> bool:
        return index in self._cancel_requested

    @property
    def finished(self) -> bool:
        return all(t.done() for t in self._tasks.values())

    async def wait(self) -> list[ModelRun]:
        # Tasks may be replaced by retry() while waiting, so loop until all current ones end.
        while True:
            pending = [t for t in self._tasks.values() if not t.done()]
            if not pending:
                return self.runs
            await asyncio.wait(pending)

    async def finish(self) -> list[ModelRun]:
        """Wait for every run; cancelling the waiter cancels the runs, waits for them to
        end (their connections closed) and cancels on."""
        try:
            return await self.wait()
        except asyncio.CancelledError:
            self.cancel_all()
            await self.wait()
            raise


class Engine:
    """Owns one httpx.AsyncClient for the running event loop."""

    def __init__(self, *, keys: KeyStore, prices: PriceTable, policy: RetryPolicy | None = None,
                 timeouts: Timeouts | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.keys = keys
        self.prices = prices
        self.policy = policy or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._sessions: list[RunSession] = []
        self._http = LazyClient(self.timeouts, transport)

    @property
    def client(self) -> httpx.AsyncClient:
        """The engine's HTTP client, made on first use (see studio.core.http_client)."""
        return self._http.client

    def start(self, jobs: Sequence[tuple[ModelTarget, ChatRequest]],
              listener: RunListener | None = None,
              admission: Admission | None = None) -> RunSession:
        runs = [ModelRun(i, target, request) for i, (target, request) in enumerate(jobs)]
        session = RunSession(self, runs, listener or _Silent(), admission)
        self._sessions = [s for s in self._sessions if not s.finished]
        self._sessions.append(session)
        for run in runs:
            session._launch(run)
        return session

    async def aclose(self) -> None:
        for session in self._sessions:
            session.cancel_all()
        for session in self._sessions:
            await session.wait()
        self._sessions.clear()
        await self._http.aclose()

    def _finish(self, run: ModelRun, listener: RunListener, state: ModelState,
                error: Failed | None = None) -> None:
        run._clock.mark_end()
        run.state = state
        run.error = error
        run.status_note = ""
        run.refresh_metrics()
        self._apply_cost(run)
        listener.on_state(run)

    def _apply_cost(self, run: ModelRun) -> None:
        usage = run.usage
        if usage is not None and usage.cost_usd is not None:
            run.metrics.cost_usd = usage.cost_usd
            return
        m = run.metrics
        if m.input_tokens is None and m.output_tokens is None:
            return
        if run.target.config.local:
            run.metrics.cost_usd = 0.0  # runs on this machine: no bill
            return
        run.metrics.cost_usd = self.prices.cost(
            run.target.ref.provider, run.target.ref.model, m.input_tokens or 0,
            m.output_tokens or 0, cached_input_tokens=m.cached_input_tokens,
            cache_write_tokens=m.cache_write_tokens)

    async def _drive(self, run: ModelRun, listener: RunListener, session: RunSession) -> None:
        config = run.target.config
        key: str | None = None
        if config.needs_key:
            key = session.key_for(config)
            if not key:
                hint = f" or set {config.key_env}" if config.key_env else ""
                self._finish(run, listener, ModelState.FAILED, Failed(
                    ErrorKind.AUTH, None,
                    f"no API key for {config.name}: run `prompt-studio keys set {config.name}`"
                    f"{hint}"))
                return
            register_secret(key)
        secrets = (key,) if key else ()
        try:
            provider = make_provider(config, key)
        except Exception as exc:  # a provider that cannot even be built fails alone
            self._finish(run, listener, ModelState.FAILED,
                         Failed(ErrorKind.BAD_REQUEST, None, redact(str(exc), secrets)))
            return
        admission = session.admission
        try:
            request = run.request
            if request.has_images:
                prepared = await self._prepare_images(run, listener, request, secrets)
                if prepared is None:
                    return
                request = prepared
            overflow = context_overflow(request, self.prices.context_window(
                run.target.ref.provider, run.target.ref.model))
            if overflow is not None:
                self._finish(run, listener, ModelState.FAILED,
                             Failed(ErrorKind.BAD_REQUEST, None, overflow))
                return
            while True:
                if admission is not None:
                    await admission.acquire(run)
                    if run.attempts == 0:
                        run._clock = Stopwatch()  # time spent queued is not the model's
                run.attempts += 1
                try:
                    error = await self._attempt(run, listener, provider, request)
                except BaseException:
                    if admission is not None:
                        admission.release(run, None, None)
                    raise
                if error is None:
                    if admission is not None:
                        admission.release(run, None, None)
                    self._finish(run, listener, ModelState.DONE)
                    return
                message = redact(error.message, secrets)
                if (request.has_images and error.kind is ErrorKind.BAD_REQUEST
                        and image_rejection(error.status, message)):
                    message = rejected_images_message(run.target.label, message)
                error = ProviderError(error.kind, message,
                                      status=error.status, retry_after=error.retry_after)
                delay = None
                if error.kind.retryable and run.state is ModelState.WAITING:
                    delay = self.policy.delay(run.attempts, error.retry_after)
                if admission is not None:
                    admission.release(run, error, delay)
                if delay is None:
                    self._finish(run, listener, ModelState.FAILED, error.to_event())
                    return
                run.status_note = (f"{error.kind.value.replace('_', ' ')} "
                                   f"(HTTP {error.status or '-'}), retrying in {delay:.1f} s")
                listener.on_state(run)
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self._finish(run, listener, ModelState.CANCELLED,
                         Failed(ErrorKind.CANCELLED, None, "stopped by the user"))
            if not session.was_cancelled_on_purpose(run.index):
                raise

    async def _prepare_images(self, run: ModelRun, listener: RunListener,
                              request: ChatRequest, secrets: tuple[str, ...]
                              ) -> ChatRequest | None:
        """The request with its images fitted to the provider, or None when it must not be
        sent (a model known to be blind to images; an image that cannot be read)."""
        from studio.core.image_fit import fit_request

        config = run.target.config
        known = accepts_images(config, run.target.ref.model)
        if config.kind == "local":
            refusal: str | None = NO_VISION_LOCAL
        elif known is False and not request.images_anyway:
            run.refused_images = True
            refusal = no_images_message(run.target.label)
        else:
            refusal = None
        if refusal is not None:
            self._finish(run, listener, ModelState.FAILED,
                         Failed(ErrorKind.BAD_REQUEST, None, refusal))
            return None
        try:
            # Decoding and scaling a large image takes a while: not on the event loop.
            prepared, notes = await asyncio.to_thread(fit_request, request, config.kind)
        except AttachmentError as exc:
            self._finish(run, listener, ModelState.FAILED,
                         Failed(ErrorKind.BAD_REQUEST, None,
                                f"not sent: {redact(str(exc), secrets)}"))
            return None
        run.notes = notes
        return prepared

    async def _attempt(self, run: ModelRun, listener: RunListener, provider: object,
                       request: ChatRequest) -> ProviderError | None:
        import httpx

        from studio.core.providers.errors import classify_transport_error

        batches = _event_batches(provider, self.client, request)
        # The loop below runs once per streamed chunk of every model: look things up once.
        on_delta = None if isinstance(listener, _Silent) else listener.on_delta
        append_text = run._append_text
        append_reasoning = run._append_reasoning
        streaming = ModelState.STREAMING
        try:
            async for batch in batches:
                for event in batch:
                    # Text deltas are nearly every event: they take the shortest way.
                    if type(event) is TextDelta and event.text and run.state is streaming:
                        append_text(event.text)
                        if on_delta is not None:
                            on_delta(run, event)
                    elif isinstance(event, _DELTAS):
                        text = event.text
                        if not text:
                            continue
                        if run.state is not streaming:
                            run._clock.mark_first_token()
                            run.state = streaming
                            run.status_note = ""
                            listener.on_state(run)
                        if isinstance(event, TextDelta):
                            append_text(text)
                        else:
                            append_reasoning(text)
                        if on_delta is not None:
                            on_delta(run, event)
                    elif isinstance(event, Usage):
                        run.usage = event
                        if event.input_tokens is not None:
                            run.metrics.input_tokens = event.input_tokens
                        if event.output_tokens is not None:
                            run.metrics.output_tokens = event.output_tokens
                    elif isinstance(event, Finished):
                        run.stop_reason = event.stop_reason
                    elif isinstance(event, Failed):
                        return ProviderError(event.kind, event.message, status=event.status,
                                             retry_after=event.retry_after)
            return None
        except ProviderError as exc:
            return exc
        except httpx.HTTPError as exc:
            return classify_transport_error(exc)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as exc:
            # A decoder bug must not take the other models down; report it as this model's.
            log.exception("unexpected failure while streaming %s", run.target.label)
            return ProviderError(ErrorKind.PROTOCOL, f"unexpected error: {exc!r}")
        finally:
            await batches.aclose()


def _event_batches(provider: object, client: httpx.AsyncClient, request: ChatRequest
                   ) -> AsyncGenerator[list[Event], None]:
    """A provider's events in lists: its `stream_batches` when it has one (one list per
    network read spares the per-event async hand-offs), else `stream` one by one."""
    batched = getattr(provider, "stream_batches", None)
    if batched is not None:
        return cast(AsyncGenerator[list[Event], None], batched(client, request))
    return _singly(provider.stream(client, request))  # type: ignore[attr-defined]


async def _singly(events: AsyncIterator[Event]) -> AsyncGenerator[list[Event], None]:
    try:
        async for event in events:
            yield [event]
    finally:
        closer = getattr(events, "aclose", None)
        if closer is not None:
            await closer()
