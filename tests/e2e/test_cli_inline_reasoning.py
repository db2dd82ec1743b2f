"""`prompt-studio run --json` with answers shaped like real ones: reasoning passed through in
the text by the server, and a page the stream stopped in the middle of."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.page_close import CUT_OFF_NOTE
from tests.e2e.cli import add_sim_providers, cli
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

ANSWERS = Path(__file__).resolve().parents[1] / "fixtures" / "answers"


def chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


@pytest.fixture
def home(studio_home: Path, sim: Simulator) -> Path:
    sim.reset()
    add_sim_providers(studio_home, sim, {"o": "openai", "n": "ollama"})
    return studio_home


@pytest.mark.parametrize("provider", ["o", "n"])
def test_channels_in_the_text_go_to_reasoning_and_the_page_is_the_final_one(
        home: Path, sim: Simulator, provider: str) -> None:
    whole = (ANSWERS / "harmony_channels.txt").read_text(encoding="utf-8")
    sim.script("gpt-oss-20b", Synthetic(chunks(whole, 9)))
    r = cli("run", "-m", f"{provider}:gpt-oss-20b", "-p", "A ball in a spinning hexagon",
            "--json", home=home)
    assert r.code == 0, r.err
    result = r.json()["results"][0]
    assert result["reasoning"].startswith("The user wants a bouncing ball")
    assert result["text"].startswith("```html\n<!DOCTYPE html>")
    assert "<|" not in result["text"] + result["reasoning"]
    assert result["html"].startswith("<!DOCTYPE html>")
    assert "Let's draft" not in result["html"]


def test_a_page_cut_off_by_the_token_limit_is_closed_and_says_so(
        home: Path, sim: Simulator) -> None:
    cut = (ANSWERS / "breakout_cut_in_script.md").read_text(encoding="utf-8")
    sim.script("small-budget", Synthetic(chunks(cut, 13)))
    r = cli("run", "-m", "o:small-budget", "-p", "Breakout in one HTML file", "--json",
            home=home)
    assert r.code == 0, r.err
    result = r.json()["results"][0]
    assert result["text"] == cut
    assert result["html"].startswith(CUT_OFF_NOTE + "<!DOCTYPE html>")
    assert result["html"].endswith("ball.dy = -Math.\n</script>\n</body></html>")
