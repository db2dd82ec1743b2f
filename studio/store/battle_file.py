"""LMArena's public battle format: reading it into votes, writing votes out in it.

A file is JSON Lines or one JSON array of objects:

    {"id": "b1", "model_a": "gpt-4o", "model_b": "claude-3-5-sonnet", "winner": "model_b",
     "tstamp": 1719900000.5}

`winner` is `model_a`, `model_b`, `tie`, `both_bad` or `tie (bothbad)`; `id` (string or
number) and `tstamp` (UNIX seconds, or an ISO 8601 time) are optional; other fields are
ignored, except our own `prompt_studio` object (voter, judge model, judged, reason), which
is written on export so a round trip keeps them. Everything is checked before anything is
written; an error names the line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from studio.core.arena import (
    Entry,
    Judged,
    PairWinner,
    Vote,
    VoterKind,
    battles,
)
from studio.store.common import now
from studio.store.errors import ImportFormatError
from studio.store.io_checks import check_string, type_name
from studio.store.io_files import read_text

WINNERS: dict[str, PairWinner] = {"model_a": "a", "model_b": "b", "tie": "tie",
                                  "both_bad": "both_bad", "tie (bothbad)": "both_bad"}
EXPORT_WINNER = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}
OURS = "prompt_studio"


@dataclass(frozen=True, slots=True)
class ParsedBattle:
    line: int
    vote: Vote


def _where(line: int) -> str:
    return f"line {line}"


def _items(text: str) -> Iterator[tuple[int, object]]:
    """(line number, decoded value) of each entry, for a JSON array or JSON Lines."""
    decoder = json.JSONDecoder()
    body = text.lstrip("\ufeff")
    start = len(body) - len(body.lstrip())
    if body[start:start + 1] == "[":
        yield from _array_items(decoder, body, start + 1)
        return
    for number, raw in enumerate(body.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(_where(number), f"not valid JSON: {exc.msg} at column "
                                                    f"{exc.colno}") from None
        except RecursionError:
            raise ImportFormatError(_where(number), "not valid JSON: nested too deeply"
                                    ) from None


def _array_items(decoder: json.JSONDecoder, text: str, pos: int
                 ) -> Iterator[tuple[int, object]]:
    def skip(at: int) -> int:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        return at

    def line_of(at: int) -> int:
        return text.count("\n", 0, at) + 1

    pos = skip(pos)
    if text[pos:pos + 1] == "]":
        pos += 1
    else:
        while True:
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise ImportFormatError(_where(exc.lineno), f"not valid JSON: {exc.msg} at "
                                                            f"column {exc.colno}") from None
            except RecursionError:
                raise ImportFormatError(_where(line_of(pos)), "not valid JSON: nested too "
                                                              "deeply") from None
            yield line_of(pos), value
            pos = skip(end)
            if text[pos:pos + 1] == ",":
                pos = skip(pos + 1)
                continue
            if text[pos:pos + 1] == "]":
                pos += 1
                break
            raise ImportFormatError(_where(line_of(pos)), "not valid JSON: expected ',' or "
                                                          "']' after an entry")
    if text[skip(pos):].strip():
        raise ImportFormatError(_where(line_of(skip(pos))), "not valid JSON: text after the "
                                                            "closing ']'")


def _time(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ImportFormatError(where, f"expected UNIX seconds or an ISO 8601 time, got "
                                       f"{type_name(value)}")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ImportFormatError(where, f"{value!r} is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    number = float(value)
    if not math.isfinite(number) or not 0 <= number < 1e11:
        raise ImportFormatError(where, f"{value!r} is not a time in UNIX seconds")
    return number


def _ours(value: object, where: str) -> tuple[Judged, VoterKind, str, str]:
    if not isinstance(value, dict):
        raise ImportFormatError(where, f"expected an object, got {type_name(value)}")
    judged = value.get("judged", "answers")
    if judged not in ("answers", "pages"):
        raise ImportFormatError(f"{where}.judged", f"{judged!r} is not answers or pages")
    voter = value.get("voter", "you")
    if voter not in ("you", "judge"):
        raise ImportFormatError(f"{where}.voter", f"{voter!r} is not you or judge")
    judge = ""
    if voter == "judge":
        judge = check_string(value.get("judge_model"), f"{where}.judge_model").strip()
        if not judge:
            raise ImportFormatError(f"{where}.judge_model", "a judge's vote needs the model")
    reason = value.get("reason")
    reason = "" if reason is None else check_string(reason, f"{where}.reason")
    return (cast(Judged, judged), "judge" if voter == "judge" else "user", judge, reason)


def _battle(line: int, value: object) -> Vote:
    where = _where(line)
    if not isinstance(value, dict):
        raise ImportFormatError(where, f"expected an object, got {type_name(value)}")
    models = []
    for key in ("model_a", "model_b"):
        if value.get(key) is None:
            raise ImportFormatError(f"{where}: {key}", "missing")
        name = check_string(value[key], f"{where}: {key}").strip()
        if not name:
            raise ImportFormatError(f"{where}: {key}", "empty")
        models.append(name)
    if models[0] == models[1]:
        raise ImportFormatError(where, f"model_a and model_b are both {models[0]!r}")
    winner = value.get("winner")
    if winner not in WINNERS:
        raise ImportFormatError(f"{where}: winner", f"{winner!r} is not one of "
                                                   f"{', '.join(WINNERS)}")
    ref = value.get("id")
    external = None
    if ref is not None:
        if isinstance(ref, bool) or not isinstance(ref, str | int):
            raise ImportFormatError(f"{where}: id", f"expected a string or a number, got "
                                                    f"{type_name(ref)}")
        external = check_string(str(ref), f"{where}: id").strip()
        if not external:
            raise ImportFormatError(f"{where}: id", "empty")
    stamp = _time(value["tstamp"], f"{where}: tstamp") if value.get("tstamp") is not None \
        else now()
    judged: Judged = "answers"
    kind: VoterKind = "user"
    judge = reason = ""
    if value.get(OURS) is not None:
        judged, kind, judge, reason = _ours(value[OURS], f"{where}: {OURS}")
    return Vote(WINNERS[winner], (Entry(0, models[0]), Entry(1, models[1])), judged=judged,
                voter_kind=kind, voter=judge, reason=reason, created_at=stamp,
                external_id=external)


def parse_battles(text: str) -> list[ParsedBattle]:
    """Every battle of a file as a vote; ImportFormatError names the first bad line."""
    found: list[ParsedBattle] = []
    seen: dict[str, int] = {}
    for line, value in _items(text):
        vote = _battle(line, value)
        if vote.external_id is not None:
            if vote.external_id in seen:
                first = seen[vote.external_id]
                raise ImportFormatError(_where(line), f"the id {vote.external_id!r} is used "
                                                      f"twice (also on line {first})")
            seen[vote.external_id] = line
        found.append(ParsedBattle(line, vote))
    return found


def read_battles(path: Path) -> list[ParsedBattle]:
    return parse_battles(read_text(path))


def battle_lines(votes: Sequence[Vote]) -> list[dict[str, Any]]:
    """The battles of the votes, one object each, in LMArena's format. A vote's own id is the
    battle's id; a vote on more than two answers gives ids `<vote>/<position>-<position>`.
    Contestants are named with their settings ("model (T 0.9)"), as on the leaderboard."""
    out = []
    for vote in votes:
        implied = battles(vote)
        for battle in implied:
            ref = vote.external_id or vote.key
            if len(vote.entries) > 2:
                ref = f"{vote.key}/{battle.entry_a.position}-{battle.entry_b.position}"
            ours: dict[str, Any] = {"judged": vote.judged,
                                    "voter": "judge" if vote.voter_kind == "judge" else "you"}
            if vote.voter_kind == "judge":
                ours["judge_model"] = vote.voter
            if vote.reason:
                ours["reason"] = vote.reason
            out.append({"id": ref, "model_a": battle.a, "model_b": battle.b,
                        "winner": EXPORT_WINNER[battle.outcome],
                        "tstamp": round(vote.created_at, 3), OURS: ours})
    return out


def derived_from(ref: str) -> str | None:
    """The vote a derived battle id (`<vote>/<a>-<b>`) names, or None."""
    head, sep, _ = ref.partition("/")
    return head if sep else None
