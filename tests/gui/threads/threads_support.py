"""Helpers of the thread tests: what a request carried, and driving a thread to rest."""

from __future__ import annotations

from typing import Any

import qasync
from PySide6.QtGui import QTextDocument

from studio.core.runner import ModelTarget
from studio.store import Run, Store
from studio.ui.main_window import MainWindow
from studio.ui.workspace.comparison import Comparison
from studio.ui.workspace.pane import AnswerPane
from tests.gui.workspace.workspace_support import in_loop, wait_until
from tests.support.simulator import SeenRequest


def sent_thread(request: SeenRequest) -> list[tuple[str, str]]:
    """(role, text) of every message a request carried, in each protocol's own shape;
    roles are user/assistant, system prompts left out."""
    body: Any = request.json
    if request.protocol == "gemini":
        names = {"user": "user", "model": "assistant"}
        return [(names[c["role"]], "".join(p.get("text", "") for p in c["parts"]))
                for c in body["contents"]]
    messages = [m for m in body["messages"] if m["role"] != "system"]
    result = []
    for m in messages:
        content = m["content"]
        if isinstance(content, list):  # Anthropic content blocks
            content = "".join(block.get("text", "") for block in content)
        result.append((m["role"], content))
    return result


def sent_system(request: SeenRequest) -> str | None:
    body: Any = request.json
    if request.protocol == "anthropic":
        system = body.get("system")
        if isinstance(system, list):
            return "".join(block.get("text", "") for block in system)
        return system if isinstance(system, str) else None
    if request.protocol == "gemini":
        instruction = body.get("systemInstruction") or body.get("system_instruction")
        if not instruction:
            return None
        return "".join(p.get("text", "") for p in instruction["parts"])
    systems = [m["content"] for m in body["messages"] if m["role"] == "system"]
    return systems[0] if systems else None


def settle(loop: qasync.QEventLoop, comparison: Comparison, what: str = "answers") -> None:
    wait_until(loop, lambda: comparison.settled, what=what)
    loop.run_until_complete(comparison.wait())


def send(loop: qasync.QEventLoop, window: MainWindow, prompt: str,
         targets: list[ModelTarget], system: str | None = None) -> Comparison:
    comparison = in_loop(loop, lambda: window.send(prompt, targets, system=system))
    settle(loop, comparison, "the first answers")
    return comparison


def follow_up(loop: qasync.QEventLoop, window: MainWindow, prompt: str,
              slots: list[int] | None = None) -> list[int]:
    asked = in_loop(loop, lambda: window.follow_up(prompt, slots))
    assert window.comparison is not None
    settle(loop, window.comparison, "the follow-up answers")
    return asked


def saved_run(window: MainWindow) -> Run:
    comparison = window.comparison
    assert comparison is not None and comparison.run_id is not None
    assert window.store is not None
    return window.store.run(comparison.run_id)  # type: ignore[arg-type]


def reopened_store(window: MainWindow) -> Store:
    """A second connection to the window's database, as another process would see it."""
    return Store.open(window.paths)


def shown_text(pane: AnswerPane) -> str:
    """The pane's answer view as a reader sees it (blank lines do not count)."""
    text = pane.view.document().toPlainText()
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def plain(html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()


def pane_snapshot(pane: AnswerPane) -> dict[str, object]:
    """Everything a user reads on a pane."""
    m = pane.metrics
    return {
        "model": pane.name_label.full_text(),
        "provider": pane.provider_label.text(),
        "settings": pane.settings_label.full_text(),
        "included": pane.included,
        "status": pane.status_chip.text(),
        "error": pane.error_label.text() if not pane.error_label.isHidden() else "",
        "text": shown_text(pane),
        "reasoning": pane.reasoning.plain_text(),
        "metrics": [m.ttft.text(), m.rate.text(), m.tokens.text(), m.cost.text(),
                    m.total.text(), m.totals.text() if not m.totals.isHidden() else ""],
        "badges": sorted(m.badge_set()),
        "retry": pane.retry_button.isEnabled(),
    }
