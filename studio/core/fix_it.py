"""The fix-it loop's message: a page's screenshot and its console errors, as attachments.

"Show the model its page" sends a model a follow-up with a picture of the page it wrote, as
the preview shows it, and what the page's console said (errors with their line numbers),
so a model that can see can fix what it sees. The preview layer takes the screenshot; this
module only turns it and the console lines into the files that are sent, so a workspace
pane, the Previews tab or a batch grid (one cell, a row, all failed checks) build the same
message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from studio.core.attachments import Attachment, attachment_from_bytes

FIX_IT_PROMPT = "This is how your page looks and what the console says. Fix it."
SCREENSHOT_NAME = "page.png"
CONSOLE_NAME = "console.txt"
MAX_CONSOLE_LINES = 50


@dataclass(frozen=True, slots=True)
class ConsoleLine:
    level: str  # "error", "warning", "info"
    message: str
    line: int = 0  # 0: no line number known


def console_text(lines: Iterable[ConsoleLine]) -> str:
    """The page's errors and warnings, one a line with its line number, errors first."""
    chosen = [c for c in lines if c.level in ("error", "warning")]
    chosen.sort(key=lambda c: c.level != "error")  # stable: each level keeps its order
    if not chosen:
        return "The console shows no errors or warnings.\n"
    shown = chosen[:MAX_CONSOLE_LINES]
    text = "".join(f"{c.level}{f' at line {c.line}' if c.line > 0 else ''}: {c.message}\n"
                   for c in shown)
    if len(chosen) > len(shown):
        text += f"… and {len(chosen) - len(shown)} more\n"
    return text


def fix_it_files(png: bytes, console: Iterable[ConsoleLine]) -> tuple[Attachment, ...]:
    """The files of one model's fix-it follow-up: its page's screenshot (when there is one)
    and its console report."""
    files = []
    if png:
        files.append(attachment_from_bytes(SCREENSHOT_NAME, png))
    files.append(attachment_from_bytes(CONSOLE_NAME, console_text(console).encode()))
    return tuple(files)
