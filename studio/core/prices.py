"""Token prices and context windows per model: the shipped table plus the user's overrides.

Prices are US dollars per million tokens. A model id from any provider is matched loosely
(OpenRouter's "vendor/model", dated snapshots, "." versus "-" in versions) because the same
model reaches the studio under many spellings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from studio.core.resources import read_text

SHIPPED_FILE = "prices.json"

# OpenRouter variants that do not change the model; ":free" is the one that changes the price.
_VARIANTS = frozenset({"free", "beta", "thinking", "extended", "nitro", "floor", "online",
                       "exacto"})
_DATED_SUFFIX_RE = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PriceError(ValueError):
    """A price file that cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per million tokens of each kind, as billed for one prompt length."""

    input: float
    output: float
    cached_input: float  # prompt tokens read from the provider's cache
    cache_write: float  # prompt tokens written to it (Anthropic bills them above input)


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Rates that apply once the prompt is longer than `above_input_tokens`."""

    above_input_tokens: int
    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None


@dataclass(frozen=True, slots=True)
class Price:
    model: str  # the table entry that matched
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens
    context_window: int | None = None
    source: str = ""
    date: str = ""
    tiers: tuple[PriceTier, ...] = ()
    providers: tuple[str, ...] = ()  # empty: any provider serving this model id
    aliases: tuple[str, ...] = ()
    note: str = ""
    # None: no discount known, the cached tokens cost the input price
    cached_input: float | None = None
    cache_write: float | None = None

    def tier_rates(self, input_tokens: int) -> Rates:
        """The rates for a prompt of this many tokens (cached ones included: the
        long-context tiers count the whole prompt)."""
        rates = Rates(self.input, self.output, _or(self.cached_input, self.input),
                      _or(self.cache_write, self.input))
        for tier in sorted(self.tiers, key=lambda t: t.above_input_tokens):
            if input_tokens > tier.above_input_tokens:
                rates = Rates(tier.input, tier.output, _or(tier.cached_input, tier.input),
                              _or(tier.cache_write, tier.input))
        return rates

    def rates_for(self, input_tokens: int) -> tuple[float, float]:
        rates = self.tier_rates(input_tokens)
        return rates.input, rates.output

    def cost(self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0,
             cache_write_tokens: int = 0) -> float:
        """USD for one answer; the cache counts are parts of `input_tokens`."""
        rates = self.tier_rates(input_tokens)
        cached = min(max(cached_input_tokens, 0), input_tokens)
        written = min(max(cache_write_tokens, 0), input_tokens - cached)
        plain = input_tokens - cached - written
        return (plain * rates.input + cached * rates.cached_input
                + written * rates.cache_write + output_tokens * rates.output) / 1_000_000


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _normalize(model_id: str) -> str:
    return model_id.strip().lower().replace(".", "-")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{what} must be a non-negative number, not {value!r}")
    return float(value)


def _optional_number(value: Any, what: str) -> float | None:
    return None if value is None else _number(value, what)


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return tuple(value)


def _parse_entry(model: str, entry: Any) -> Price:
    if not isinstance(entry, dict):
        raise ValueError("must be an object")
    window = entry.get("context_window")
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or window <= 0):
        raise ValueError(f"'context_window' must be a positive integer, not {window!r}")
    date = entry.get("date", "")
    if not isinstance(date, str) or (date and not _DATE_RE.match(date)):
        raise ValueError(f"'date' must be written YYYY-MM-DD, not {date!r}")
    tiers = []
    for i, raw in enumerate(entry.get("tiers") or []):
        if not isinstance(raw, dict):
            raise ValueError(f"tier {i} must be an object")
        above = raw.get("above_input_tokens")
        if isinstance(above, bool) or not isinstance(above, int) or above < 0:
            raise ValueError(f"tier {i}: 'above_input_tokens' must be a non-negative integer")
        tiers.append(PriceTier(
            above, _number(raw.get("input"), f"tier {i}: 'input'"),
            _number(raw.get("output"), f"tier {i}: 'output'"),
            _optional_number(raw.get("cached_input"), f"tier {i}: 'cached_input'"),
            _optional_number(raw.get("cache_write"), f"tier {i}: 'cache_write'")))
    return Price(
        model=model,
        input=_number(entry.get("input"), "'input'"),
        output=_number(entry.get("output"), "'output'"),
        context_window=window,
        source=str(entry.get("source", "")),
        date=date,
        tiers=tuple(tiers),
        providers=_strings(entry.get("providers"), "'providers'"),
        aliases=_strings(entry.get("aliases"), "'aliases'"),
        note=str(entry.get("note", "")),
        cached_input=_optional_number(entry.get("cached_input"), "'cached_input'"),
        cache_write=_optional_number(entry.get("cache_write"), "'cache_write'"),
    )


def _raw_models(data: Any, origin: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise PriceError(f"{origin}: expected an object with a \"models\" object")
    version = data.get("version", 1)
    if version != 1:
        raise PriceError(f"{origin}: unsupported version {version!r} (expected 1)")
    return dict(data["models"])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PriceError(f"cannot read price file {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise PriceError(f"price file {path} is not valid JSON: {exc}") from exc


class PriceTable:
    def __init__(self, models: Mapping[str, Price]) -> None:
        self._models = MappingProxyType(dict(models))
        self._plain: dict[str, Price] = {}
        self._qualified: dict[str, Price] = {}
        for key, price in self._models.items():
            provider, sep, model = key.partition(":")
            if sep and provider and model:
                self._qualified[f"{provider.lower()}:{_normalize(model)}"] = price
                continue
            for name in (key, *price.aliases):
                self._plain.setdefault(_normalize(name), price)

    @property
    def models(self) -> Mapping[str, Price]:
        return self._models

    @classmethod
    def from_data(cls, data: Any, origin: str = "price table",
                  base: Mapping[str, Any] | None = None) -> PriceTable:
        """Build from the JSON shape; `base` entries are merged under `data`'s field by field,
        and a null entry in `data` removes a model."""
        raw: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v
                               for k, v in (base or {}).items()}
        for model, entry in _raw_models(data, origin).items():
            if entry is None:
                raw.pop(model, None)
            elif isinstance(entry, dict) and isinstance(raw.get(model), dict):
                raw[model] = {**raw[model], **entry}
            else:
                raw[model] = entry
        models: dict[str, Price] = {}
        for model, entry in raw.items():
            try:
                models[model] = _parse_entry(model, entry)
            except ValueError as exc:
                raise PriceError(f"{origin}: model {model!r}: {exc}") from None
        return cls(models)

    @classmethod
    def shipped_data(cls) -> dict[str, Any]:
        data = json.loads(read_text(SHIPPED_FILE))
        return _raw_models(data, SHIPPED_FILE)

    @classmethod
    def load(cls, user_override: Path | None = None) -> PriceTable:
        """The shipped table, with the user's file (same format) merged over it if it exists."""
        shipped = cls.shipped_data()
        if user_override is None or not user_override.exists():
            return cls.from_data({"version": 1, "models": shipped}, SHIPPED_FILE)
        return cls.from_data(_read_json(user_override), str(user_override), base=shipped)

    def _lookup(self, provider: str, model_id: str) -> Price | None:
        key = _normalize(model_id)
        price = self._qualified.get(f"{provider.lower()}:{key}")
        if price is not None:
            return price
        price = self._plain.get(key)
        if price is not None and (not price.providers or provider in price.providers):
            return price
        return None

    def price_for(self, provider: str, model: str) -> Price | None:
        """Exact id first (provider-specific entry before a general one), then the id after the
        last "/", then without an OpenRouter variant suffix, then without a date suffix."""
        candidates = [model.strip()]
        tail = candidates[0].rsplit("/", 1)[-1]
        candidates.append(tail)
        base, sep, variant = tail.rpartition(":")
        free = False
        if sep and base and variant.lower() in _VARIANTS:
            free = variant.lower() == "free"
            tail = base
            candidates.append(tail)
        candidates.append(_DATED_SUFFIX_RE.sub("", tail))
        seen: set[str] = set()
        for candidate in candidates:
            if not candidate or candidate in seen:
                continue
            seen.add(candidate)
            price = self._lookup(provider, candidate)
            if price is not None:
                if free:
                    return Price(price.model, 0.0, 0.0, price.context_window, price.source,
                                 price.date, note="free variant")
                return price
        return None

    def cost(self, provider: str, model: str, input_tokens: int | None,
             output_tokens: int | None, *, cached_input_tokens: int | None = None,
             cache_write_tokens: int | None = None) -> float | None:
        """USD for one answer, or None when the price or the token counts are unknown.
        The cache counts are parts of `input_tokens`, billed at the cached rates."""
        if input_tokens is None or output_tokens is None:
            return None
        price = self.price_for(provider, model)
        if price is None:
            return None
        return price.cost(input_tokens, output_tokens, cached_input_tokens or 0,
                          cache_write_tokens or 0)

    def context_window(self, provider: str, model: str) -> int | None:
        price = self.price_for(provider, model)
        return None if price is None else price.context_window
