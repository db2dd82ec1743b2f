"""Typed reading of decoded JSON with errors that name the entry: `prompts[3].title: …`."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, cast

from studio.core.catalog import CatalogError, parse_model_ref
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.core.variables import VARIABLE_NAME_RE
from studio.store.errors import ImportFormatError

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}
_REASONING = ("off", "low", "medium", "high")


def type_name(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def fail(where: str, problem: str) -> ImportFormatError:
    return ImportFormatError(where, problem)


class Reader:
    """Typed access to one JSON object, with errors that carry its path."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise fail(where, f"expected an object, got {type_name(value)}")
        self.data = cast(dict[str, Any], value)
        self.where = where

    def at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def string(self, key: str, *, required: bool = False, default: str = "",
               max_len: int | None = None) -> str:
        if key not in self.data or self.data[key] is None:
            if required:
                raise fail(self.at(key), "missing (a string is required)")
            return default
        return check_string(self.data[key], self.at(key), max_len=max_len)

    def optional_id(self, key: str = "id") -> str | None:
        value = self.optional_string(key)
        if value is not None and not value.strip():
            raise fail(self.at(key), "empty (leave the id out, or give a non-empty one)")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.data.get(key)
        return None if value is None else check_string(value, self.at(key))

    def integer(self, key: str, *, default: int | None = None, low: int | None = None,
                high: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(self.at(key), f"expected a whole number, got {type_name(value)}")
        if not -(2**63) <= value < 2**63:
            raise fail(self.at(key), "the number is too large")
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{low if low is not None else '…'} to {high if high is not None else '…'}"
            raise fail(self.at(key), f"{value} is out of range ({span})")
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(self.at(key), f"expected a number, got {type_name(value)}")
        try:
            number = float(value)
        except OverflowError:
            raise fail(self.at(key), "the number is too large") from None
        if not math.isfinite(number):
            raise fail(self.at(key), "expected a finite number")
        return number

    def array(self, key: str, *, required: bool = False) -> list[Any]:
        if key not in self.data or self.data[key] is None:
            if required:
                raise fail(self.at(key), "missing (an array is required)")
            return []
        value = self.data[key]
        if not isinstance(value, list):
            raise fail(self.at(key), f"expected an array, got {type_name(value)}")
        return value

    def time(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        text = check_string(value, self.at(key))
        try:
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.timestamp()
        except (ValueError, OverflowError):
            raise fail(self.at(key), f"{text!r} is not an ISO 8601 date and time") from None


def check_string(value: object, where: str, *, max_len: int | None = None) -> str:
    if not isinstance(value, str):
        raise fail(where, f"expected a string, got {type_name(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(where, "contains an invalid character (a lone UTF-16 surrogate)") from None
    if "\x00" in value:
        raise fail(where, "contains a NUL character")
    if max_len is not None and len(value) > max_len:
        raise fail(where, f"longer than {max_len} characters")
    return value


def check_variables(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(where, f"expected an object, got {type_name(value)}")
    result: dict[str, str] = {}
    for name, default in value.items():
        if not VARIABLE_NAME_RE.fullmatch(name):
            raise fail(f"{where}.{name}", "invalid variable name (use letters, digits, '_', "
                                          "'.' or '-', starting with a letter or '_')")
        check_string(name, f"{where}.{name}")
        result[name] = check_string(default, f"{where}.{name}") if default is not None else ""
    return result


def check_settings(value: object, where: str) -> dict[str, Any]:
    """Known generation settings only; anything else (an api_key, say) is dropped."""
    reader = Reader({} if value is None else value, where)
    settings: dict[str, Any] = {}
    if (t := reader.number("temperature")) is not None:
        settings["temperature"] = t
    if (m := reader.integer("max_tokens", low=1)) is not None:
        settings["max_tokens"] = m
    if (s := reader.integer("seed")) is not None:
        settings["seed"] = s
    if (r := reader.optional_string("reasoning")) is not None:
        if r not in _REASONING:
            raise fail(reader.at("reasoning"), f"{r!r} is not one of {', '.join(_REASONING)}")
        settings["reasoning"] = r
    if (o := reader.optional_string("system_override")) is not None:
        settings["system_override"] = o
    return GenerationSettings.from_dict(settings).to_dict()


def check_entry(value: object, where: str) -> ModelSetEntry:
    reader = Reader(value, where)
    model = reader.string("model", required=True)
    try:
        ref = parse_model_ref(model)
    except CatalogError as exc:
        raise fail(reader.at("model"), str(exc)) from None
    settings = check_settings(reader.data.get("settings"), reader.at("settings"))
    return ModelSetEntry(ref, GenerationSettings.from_dict(settings))
