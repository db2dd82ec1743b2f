"""A deterministic, realistic-looking library: prompts in collections, runs with answers.

Words follow a Zipf-like distribution over a fixed vocabulary, so some words are in almost
every document and most are rare, as in real text; that is what makes full-text search
costs differ between queries. Everything goes through the public `Store` API, grouped in
transactions of a few thousand calls (one commit per call would measure the disk).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

from studio.core.catalog import ModelRef
from studio.core.model_sets import ModelSetEntry
from studio.store import ResponseData, Store

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "qu", "do", "fi",
              "gra", "shi", "mon", "tel", "ber", "cor", "dan")
_REAL_WORDS = (
    "canvas", "ball", "hexagon", "gravity", "pagoda", "voxel", "three", "scene", "landing",
    "page", "tailwind", "game", "birds", "physics", "shader", "button", "layout", "responsive",
    "animation", "particle", "terrain", "snake", "tetris", "chart", "dashboard", "café",
    "naïve", "résumé", "模型", "数据",
)
MODELS = tuple(f"{p}:{m}" for p, m in (
    ("openai", "gpt-5"), ("anthropic", "claude-opus-4"), ("qwen", "qwen3-max"),
    ("kimi", "kimi-k2"), ("deepseek", "deepseek-chat"), ("gemini", "gemini-2.5-pro"),
    ("openrouter", "x-ai/grok-4"), ("local", "smollm2-135m")))
TAGS = tuple(f"tag-{i}" for i in range(30))


def vocabulary(size: int = 20_000) -> list[str]:
    """Real words first (they become the most frequent), then made-up ones."""
    words = list(_REAL_WORDS)
    for length in (2, 3, 4):
        for combo in itertools.product(_SYLLABLES, repeat=length):
            words.append("".join(combo))
            if len(words) >= size:
                return words
    return words


class TextMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary()
        weights = [1.0 / (rank + 1) for rank in range(len(self.words))]
        self._cum = list(itertools.accumulate(weights))

    def words_of(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self._cum, k=count)

    def sentence(self, low: int, high: int) -> str:
        return " ".join(self.words_of(self.rng.randint(low, high)))

    def answer(self, low: int, high: int) -> str:
        """Paragraphs, and now and then a fenced code block, like a model's answer."""
        parts: list[str] = []
        remaining = self.rng.randint(low, high)
        while remaining > 0:
            n = min(remaining, self.rng.randint(20, 80))
            remaining -= n
            if self.rng.random() < 0.2:
                parts.append("```js\n" + "\n".join(
                    f"const {w} = {i};" for i, w in enumerate(self.words_of(max(1, n // 4))))
                    + "\n```")
            else:
                parts.append(" ".join(self.words_of(n)).capitalize() + ".")
        return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class Sizes:
    prompts: int
    runs: int
    models_per_run: int = 4
    collections: int = 50


def entries(rng: random.Random, count: int) -> list[ModelSetEntry]:
    chosen = rng.sample(MODELS, count)
    return [ModelSetEntry(ModelRef(*m.split(":", 1))) for m in chosen]


def fill(store: Store, sizes: Sizes, seed: int = 42, batch: int = 2_000,
         progress: Callable[[str], None] | None = None) -> None:
    """Add `sizes.prompts` prompts and `sizes.runs` finished runs to `store`."""
    maker = TextMaker(seed)
    rng = maker.rng
    with store.transaction():
        collection_ids = [store.add_collection(f"Collection {i}").id
                          for i in range(sizes.collections)]
    prompt_ids = []
    for start in range(0, sizes.prompts, batch):
        with store.transaction():
            for _ in range(start, min(sizes.prompts, start + batch)):
                prompt = store.add_prompt(
                    rng.choice(collection_ids), maker.sentence(3, 8).capitalize(),
                    maker.sentence(10, 120), tags=rng.sample(TAGS, rng.randint(0, 3)))
                prompt_ids.append(prompt.id)
        if progress is not None:
            progress(f"{min(sizes.prompts, start + batch):,} prompts")
    for start in range(0, sizes.runs, batch // 4):
        with store.transaction():
            for _ in range(start, min(sizes.runs, start + batch // 4)):
                add_run(store, maker, rng.choice(prompt_ids) if prompt_ids else None,
                        sizes.models_per_run)
        if progress is not None:
            progress(f"{min(sizes.runs, start + batch // 4):,} runs")


def add_run(store: Store, maker: TextMaker, prompt_id: int | None, models: int) -> None:
    rng = maker.rng
    body = maker.sentence(10, 60)
    chosen = entries(rng, models)
    run_id = store.start_run(body=body, models=chosen,
                             prompt_id=prompt_id)  # type: ignore[arg-type]
    turn_id = store.add_turn(run_id, body)
    for slot, entry in enumerate(chosen):
        store.save_response(turn_id, slot, finished_answer(maker, str(entry.ref), 80, 500))


def finished_answer(maker: TextMaker, model: str, low: int, high: int,
                    html: str | None = None) -> ResponseData:
    text = maker.answer(low, high)
    rng = maker.rng
    return ResponseData(model=model, text=text, state="done", stop_reason="stop",
                        input_tokens=rng.randint(10, 500), output_tokens=len(text) // 4,
                        ttft_s=rng.uniform(0.2, 3), total_s=rng.uniform(3, 60),
                        tokens_per_s=rng.uniform(20, 120), cost_usd=rng.uniform(0, 0.2),
                        html=html)
