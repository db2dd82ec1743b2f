"""The HTML around each turn of a conversation pane: the prompt above, figures below.

Links use their own scheme, `turn:ACTION/KEY`, which the answer view turns into a signal:
prev/next switch between the branches of a prompt, edit puts an earlier prompt back in the
editor to branch from it, reasoning shows that turn's reasoning, attempt-prev/attempt-next
show another attempt of a regenerated answer and attempts compares two of them; later shows
the follow-ups of the last prompt on screen when they are hidden.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.core.metrics_text import fmt_cost, fmt_tokens, metric_texts
from studio.core.thread import Totals, TurnEntry

if TYPE_CHECKING:
    from studio.ui.workspace.identity import Identity

TURN_SCHEME = "turn"
ACTIONS = ("prev", "next", "edit", "reasoning", "attempt-prev", "attempt-next", "attempts",
           "files", "anyway", "later")
_LINK_RE = re.compile(rf"^{TURN_SCHEME}:({'|'.join(ACTIONS)})/(\d+)$")


@dataclass(frozen=True, slots=True)
class TurnColors:
    muted: str
    link: str
    danger: str
    quote: str  # background of the prompt block


def turn_link(action: str, key: int) -> str:
    return f"{TURN_SCHEME}:{action}/{key}"


def parse_turn_link(url: str) -> tuple[str, int] | None:
    m = _LINK_RE.match(url)
    return (m.group(1), int(m.group(2))) if m else None


def _link(action: str, key: int, text: str, colors: TurnColors) -> str:
    return f'<a href="{turn_link(action, key)}" style="color:{colors.link}">{text}</a>'


def prompt_header(entry: TurnEntry, colors: TurnColors) -> str:
    key = entry.turn.key
    parts = ["<b>Prompt</b>"]
    if entry.branches > 1:
        prev = (_link("prev", key, "◀", colors) if entry.branch > 1 else "◀")
        nxt = (_link("next", key, "▶", colors) if entry.branch < entry.branches else "▶")
        parts.append(f"branch {entry.branch}/{entry.branches} {prev} {nxt}")
    parts.append(_link("edit", key, "edit", colors))
    body = html.escape(entry.turn.prompt).replace("\n", "<br>")
    return (f'<table width="100%" cellpadding="4" style="margin-top:8px; '
            f'background-color:{colors.quote}"><tr><td>'
            f'<p style="color:{colors.muted}; margin:0">{" · ".join(parts)}</p>'
            f'<p style="margin:0">{body}</p>{files_line(entry, colors)}</td></tr></table>')


def files_line(entry: TurnEntry, colors: TurnColors) -> str:
    """What was sent with this prompt to this model: its files, by name and size."""
    answer = entry.answer
    files = entry.turn.files_for(answer.slot) if answer is not None else entry.turn.attachments
    if not files:
        return ""
    names = ", ".join(html.escape(a.describe()) for a in files)
    return (f'<p style="color:{colors.muted}; margin:0">Sent with {names} · '
            f'{_link("files", entry.turn.key, "view", colors)}</p>')


def not_asked(colors: TurnColors) -> str:
    return f'<p style="color:{colors.muted}"><i>Not asked this prompt.</i></p>'


def turn_footer(entry: TurnEntry, colors: TurnColors, identity: Identity) -> str:
    """The figures of one finished answer, its error, its attempt and its reasoning (no
    token counts or cost while the identity hides the models: they give them away)."""
    answer = entry.answer
    if answer is None:
        return ""
    t = metric_texts(answer.metrics)
    figures = ([t.ttft, t.rate, t.total] if identity.hiding
               else [t.ttft, t.rate, t.tokens, t.cost, t.total])
    if entry.attempts > 1:
        figures.append(attempt_switcher(entry, colors))
    if answer.reasoning:
        figures.append(_link("reasoning", entry.turn.key, "reasoning", colors))
    line = f'<p style="color:{colors.muted}; margin-top:2px">{" · ".join(figures)}</p>'
    # A note says how an image was fitted to the provider's limits: a hint at the provider.
    notes = () if identity.hiding else answer.notes
    for note in notes:
        line = f'<p style="color:{colors.muted}; margin-top:2px">{html.escape(note)}</p>' + line
    if answer.refused_images:
        line += (f'<p style="margin-top:2px">'
                 f'{_link("anyway", entry.turn.key, "Send anyway (with the images)", colors)}'
                 f'</p>')
    failure = identity.failure(answer)
    if failure is not None:
        text = html.escape(str(failure))
        line = f'<p style="color:{colors.danger}; margin-top:2px">{text}</p>' + line
    return line


def attempt_switcher(entry: TurnEntry, colors: TurnColors) -> str:
    """`attempt ◀ 2/3 ▶ · compare` for a regenerated answer: show another attempt, or read
    two side by side. Follow-ups always continue from the latest attempt, which is said
    when an earlier one is shown."""
    answer = entry.answer
    if answer is None or entry.attempts < 2:
        return ""
    key = entry.turn.key
    number = answer.attempt + 1
    prev = _link("attempt-prev", key, "◀", colors) if number > 1 else "◀"
    nxt = _link("attempt-next", key, "▶", colors) if number < entry.attempts else "▶"
    text = (f"attempt {prev} {number}/{entry.attempts} {nxt} · "
            f"{_link('attempts', key, 'compare attempts', colors)}")
    if number < entry.attempts:
        text += f" · follow-ups continue from attempt {entry.attempts}"
    return text


def attempt_line(entry: TurnEntry, colors: TurnColors) -> str:
    """The attempt switcher on a line of its own (under a single prompt's answer)."""
    switcher = attempt_switcher(entry, colors)
    return (f'<p style="color:{colors.muted}; margin-top:2px">{switcher}</p>' if switcher
            else "")


def later_line(entry: TurnEntry, colors: TurnColors) -> str:
    """Under the last prompt shown when its follow-ups are hidden: how many, and a link to
    them."""
    if entry.later < 1:
        return ""
    count = ("1 later prompt is" if entry.later == 1
             else f"{entry.later} later prompts are")
    return (f'<p style="color:{colors.muted}; margin-top:2px">{count} not shown · '
            f'{_link("later", entry.turn.key, "show", colors)}</p>')


def totals_text(totals: Totals, *, hidden: bool = False) -> str:
    """A model's running total, for its metrics strip (`hidden`: no tokens or cost)."""
    if not totals.answers:
        return "thread: no answers yet"
    mark = "" if totals.complete else "~"
    answers = f"{totals.answers} answer{'' if totals.answers == 1 else 's'}"
    if hidden:
        return f"thread: {answers}"
    return (f"thread: {answers} · in {mark}{fmt_tokens(totals.input_tokens)} · out "
            f"{mark}{fmt_tokens(totals.output_tokens)} · {fmt_cost(totals.cost_usd)}")
