"""GGUF models run in-process with llama-cpp-python (the optional [local] extra).

Generation runs in a worker thread per answer: llama.cpp calls block for the length of a
token (or of the whole prompt evaluation), which must never happen on the event loop that
also drives the GUI. The worker hands events to the loop in batches, and stops between two
tokens when the consumer goes away.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib
import os
import random
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import Any, Protocol, cast

import httpx

from studio.core.catalog import ProviderConfig
from studio.core.events import (
    ErrorKind,
    Event,
    Finished,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    Usage,
)
from studio.core.inline_reasoning import InlineReasoning
from studio.core.local_models import (
    BUNDLED_MODEL,
    EXTRA_HINT,
    LoadedModels,
    LocalModel,
    LocalModelError,
    LocalModelRegistry,
    StopWaiting,
    read_gguf_info,
    validate_gguf,
)
from studio.core.providers._wire import message_text, normalize_thread
from studio.core.providers.base import ModelInfo
from studio.core.request import ChatRequest

# llama.cpp allocates the whole KV cache up front; 4096 tokens hold a prompt plus a
# generated page, and keep an 8B model's cache (grouped-query attention) near 0.5 GB.
MAX_CONTEXT = 4096

# The repetition penalty Ollama and llama.cpp's own tools default to. Without it, small
# models at temperature 0 repeat one line until the context is full.
REPEAT_PENALTY = 1.1
# How long closing a stream waits for the worker to notice the stop flag; a worker still
# inside one long llama.cpp call (a big prompt evaluation) finishes on its own after that.
JOIN_GRACE_S = 0.25


def default_threads(cpus: int | None = None) -> int:
    """Half the cores, 1 to 4: the rest stay with the GUI, the previews and other streams.

    llama.cpp's threads wait for each other by spinning, so when the cores are busy with
    other work, more threads get slower, not faster; seen on 2 shared cores: 1 thread
    38-71 tokens/s, 2 threads 3-25 tokens/s with SmolLM2-135M.
    """
    cpus = cpus if cpus is not None else (os.cpu_count() or 2)
    return max(1, min(4, cpus // 2))


class ChatModel(Protocol):
    """What the worker needs from a loaded llama_cpp.Llama (see `_counting_llama`)."""

    should_stop: Callable[[], bool]
    prompt_tokens: int

    def create_chat_completion(self, **kwargs: Any) -> Any: ...

    def completion_tokens(self) -> int: ...

    def close(self) -> None: ...


# One cache for the whole process: every run and every provider object shares loaded models.
MODEL_CACHE: LoadedModels[ChatModel] = LoadedModels()
# llama-cpp-python silences llama.cpp during a load by pointing file descriptors 1 and 2
# at /dev/null and back; two loads at once would restore each other's /dev/null and leave
# stdout silenced for good. Loads therefore take turns.
_LOAD_LOCK = threading.Lock()


def loaded_model_names() -> list[str]:
    return MODEL_CACHE.loaded()


def unload_model(name: str) -> bool:
    """Free a loaded model (at the end of its current generation, if one is running)."""
    return MODEL_CACHE.unload(name)


def unload_all_models() -> int:
    return MODEL_CACHE.unload_all()


def _import_llama_cpp() -> Any:
    try:
        return importlib.import_module("llama_cpp")
    except ImportError:
        raise ProviderError(ErrorKind.BAD_REQUEST, EXTRA_HINT) from None
    except Exception as exc:  # the package is there but its native library does not load
        raise ProviderError(ErrorKind.BAD_REQUEST,
                            f"{EXTRA_HINT} (llama-cpp-python does not load: {exc})") from None


_counting_class: type[Any] | None = None
_counting_class_lock = threading.Lock()


def _counting_llama() -> type[Any]:
    """A Llama that counts the tokens of the running generation and can stop it.

    Streamed chat chunks carry no usage and may merge tokens, so counting chunks is not
    exact; `generate` sees every prompt token and every sampled token.
    """
    global _counting_class
    with _counting_class_lock:
        if _counting_class is None:
            _counting_class = _make_counting_llama(_import_llama_cpp())
        return _counting_class


def _make_counting_llama(llama_cpp: Any) -> type[Any]:
    base: Any = llama_cpp.Llama

    class CountingLlama(base):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.should_stop: Callable[[], bool] = _never
            self.prompt_tokens = 0
            self.sampled = 0
            self.last_token: int | None = None
            self._vocab = llama_cpp.llama_model_get_vocab(self.model)

        def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any
                     ) -> Generator[int, Sequence[int] | None, None]:
            self.prompt_tokens = len(tokens)
            self.sampled = 0
            self.last_token = None
            inner = super().generate(tokens, *args, **kwargs)
            try:
                for token in inner:
                    if self.should_stop():
                        return
                    self.sampled += 1
                    self.last_token = token
                    yield token
            finally:
                inner.close()

        def completion_tokens(self) -> int:
            # The end-of-generation token is sampled but not part of the answer.
            last = self.last_token
            if last is not None and llama_cpp.llama_vocab_is_eog(self._vocab, last):
                return max(0, self.sampled - 1)
            return self.sampled

    return CountingLlama


def _never() -> bool:
    return False


_exit_hook = threading.Lock()
_exit_hook_set = False


def _close_models_at_exit() -> None:
    """Loaded models are closed before the interpreter tears its modules down: a model
    still alive then (the GUI freezes long-lived objects out of the collector) would be
    closed by llama-cpp's `__del__` with its module globals already gone, and print a
    TypeError traceback at every exit."""
    global _exit_hook_set
    with _exit_hook:
        if not _exit_hook_set:
            atexit.register(unload_all_models)
            _exit_hook_set = True


def _load(path: Path) -> ChatModel:
    _close_models_at_exit()
    cls = _counting_llama()
    try:
        trained = read_gguf_info(path).context_length
    except LocalModelError:
        trained = None
    n_ctx = min(trained or MAX_CONTEXT, MAX_CONTEXT)
    with _LOAD_LOCK:
        try:
            threads = default_threads()
            model = cls(model_path=str(path), n_ctx=n_ctx, n_threads=threads,
                        n_threads_batch=threads, verbose=False)
        except ValueError as exc:
            raise ProviderError(ErrorKind.BAD_REQUEST,
                                f"llama.cpp cannot load {path}: {exc}") from None
    return cast(ChatModel, model)


def chat_messages(request: ChatRequest) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    system = request.effective_system
    if system:
        messages.append({"role": "system", "content": system})
    # Text files are inlined; images never reach here (the runner refuses them: no vision).
    messages += [{"role": m.role, "content": message_text(m)}
                 for m in normalize_thread(request.messages)]
    return messages


def completion_kwargs(request: ChatRequest, seed: int) -> dict[str, Any]:
    settings = request.settings
    kwargs: dict[str, Any] = {
        "messages": chat_messages(request),
        "stream": True,
        "seed": seed,
        "repeat_penalty": REPEAT_PENALTY,
    }
    if settings.temperature is not None:
        kwargs["temperature"] = settings.temperature
    if settings.max_tokens is not None:
        kwargs["max_tokens"] = settings.max_tokens
    return kwargs


class _End:
    """Marks the end of the worker's output."""


_END = _End()
_Item = Event | ProviderError | _End


class _Generation:
    """One answer: the worker thread's side and the event loop's side of the hand-over."""

    def __init__(self, loop: asyncio.AbstractEventLoop, model: LocalModel,
                 request: ChatRequest) -> None:
        self.loop = loop
        self.model = model
        self.request = request
        self.stop = threading.Event()
        self.queue: asyncio.Queue[list[_Item]] = asyncio.Queue()
        self.ended = asyncio.Event()
        self._lock = threading.Lock()
        self._pending: list[_Item] = []
        self._scheduled = False
        self.thread = threading.Thread(target=self._run, name=f"local-model:{model.name}")

    # --- worker thread ---

    def _push(self, item: _Item) -> None:
        with self._lock:
            self._pending.append(item)
            if self._scheduled:
                return  # a delivery is already on its way and will take this item too
            self._scheduled = True
        try:
            self.loop.call_soon_threadsafe(self._deliver)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self.stop.set()

    def _run(self) -> None:
        try:
            self._lease_and_generate()
        except StopWaiting:
            pass
        except ProviderError as exc:
            self._push(exc)
        except Exception as exc:
            self._push(ProviderError(ErrorKind.BAD_REQUEST,
                                     f"local model {self.model.name}: {exc}"))
        finally:
            self._push(_END)

    def _lease_and_generate(self) -> None:
        _counting_llama()  # fails early, with the install hint, when the extra is missing
        with MODEL_CACHE.lease(self.model.name, self.model.path, _load,
                               should_stop=self.stop.is_set) as llm:
            if not self.stop.is_set():
                self._generate(llm)

    def _generate(self, llm: ChatModel) -> None:
        seed = self.request.settings.seed
        if seed is None:
            # llama-cpp-python derives the same seed on every call when given none.
            seed = random.getrandbits(31)
        llm.should_stop = self.stop.is_set
        finish: str | None = None
        splitter = InlineReasoning()
        try:
            chunks = llm.create_chat_completion(**completion_kwargs(self.request, seed))
            try:
                for chunk in chunks:
                    if self.stop.is_set():
                        return
                    choice = chunk["choices"][0]
                    text = choice.get("delta", {}).get("content")
                    if text:
                        for event in splitter.feed(text):
                            self._push(event)
                    if choice.get("finish_reason"):
                        finish = str(choice["finish_reason"])
            finally:
                chunks.close()
        except ValueError as exc:  # prompt longer than the context, template errors
            raise ProviderError(ErrorKind.BAD_REQUEST, str(exc)) from None
        finally:
            llm.should_stop = _never
        if self.stop.is_set():
            return
        for event in splitter.flush():
            self._push(event)
        self._push(Usage(llm.prompt_tokens, llm.completion_tokens()))
        self._push(Finished(finish))

    # --- event loop ---

    def _deliver(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._scheduled = False
        if any(item is _END for item in batch):
            self.ended.set()
        self.queue.put_nowait(batch)

    async def events(self) -> AsyncGenerator[Event, None]:
        while True:
            batch = await self.queue.get()
            for item in _coalesce(batch):
                if isinstance(item, _End):
                    return
                if isinstance(item, ProviderError):
                    raise item
                yield item

    async def close(self) -> None:
        """Stop the worker and wait (without blocking the loop) until it has ended."""
        self.stop.set()
        if not self.ended.is_set():
            try:
                await asyncio.wait_for(self.ended.wait(), JOIN_GRACE_S)
            except TimeoutError:
                return  # still inside one llama.cpp call; it ends on its own
        self.thread.join(timeout=JOIN_GRACE_S)  # only its last return statement is left


def _coalesce(batch: list[_Item]) -> list[_Item]:
    """Merge neighbouring text deltas: one event per batch, not per token, when behind."""
    merged: list[_Item] = []
    for item in batch:
        last = merged[-1] if merged else None
        if isinstance(item, TextDelta) and isinstance(last, TextDelta):
            merged[-1] = TextDelta(last.text + item.text)
        elif isinstance(item, ReasoningDelta) and isinstance(last, ReasoningDelta):
            merged[-1] = ReasoningDelta(last.text + item.text)
        else:
            merged.append(item)
    return merged


class LocalProvider:
    def __init__(self, config: ProviderConfig, api_key: str | None) -> None:
        self.config = config
        self._api_key = api_key  # unused: local models need no key
        self.registry = LocalModelRegistry.default()

    def resolve(self, name: str) -> LocalModel:
        try:
            model = self.registry.resolve(name)
            validate_gguf(model.path)
        except LocalModelError as exc:
            raise ProviderError(ErrorKind.BAD_REQUEST, str(exc)) from None
        return model

    async def stream(self, client: httpx.AsyncClient, request: ChatRequest
                     ) -> AsyncIterator[Event]:
        model = self.resolve(request.model)
        generation = _Generation(asyncio.get_running_loop(), model, request)
        generation.thread.start()
        try:
            async with aclosing(generation.events()) as events:
                async for event in events:
                    yield event
        finally:
            await generation.close()

    async def list_models(self, client: httpx.AsyncClient) -> list[ModelInfo]:
        await asyncio.to_thread(_import_llama_cpp)
        return await asyncio.to_thread(self._model_infos)

    def _model_infos(self) -> list[ModelInfo]:
        infos: list[ModelInfo] = []
        for model in self.registry.all():
            if not model.present:
                continue
            try:
                gguf = read_gguf_info(model.path)
            except LocalModelError:
                continue
            label = gguf.name or model.path.name
            if model.name == BUNDLED_MODEL:
                label = "SmolLM2 135M Instruct (bundled)"
            infos.append(ModelInfo(model.name, label, gguf.context_length))
        return infos
