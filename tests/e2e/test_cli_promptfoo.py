"""`prompt-studio collections import` on promptfoo configs, as a real subprocess: what was
skipped is said on stderr, and a red-team config gets a message promptfoo users understand."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "promptfoo"


def test_skipped_tests_are_reported_and_the_prompts_imported(
        studio_home: Path, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "generated", tmp_path / "generated")
    r = cli("collections", "import", str(tmp_path / "generated" / "promptfooconfig.yaml"),
            home=studio_home)
    assert r.code == 0, r.err
    assert r.out.startswith("imported promptfooconfig.yaml: 2 prompts added")
    assert r.err == ("prompt-studio: note: tests: 'file://generate_tests.py:create_tests' is a "
                     "script promptfoo runs to make its tests; its tests were skipped\n")
    listed = cli("prompts", "list", "--collection", "Generated tests", "--json",
                 home=studio_home)
    assert [p["title"] for p in listed.json()] == ["Write a haiku about {{topic}}",
                                                   "Write a limerick about {{topic}}"]


def test_a_red_team_config_is_refused_with_what_promptfoo_users_need_to_hear(
        studio_home: Path) -> None:
    config = EXAMPLES / "redteam" / "promptfooconfig.yaml"
    r = cli("collections", "import", str(config), home=studio_home)
    assert r.code == 1
    assert r.out == ""
    assert r.err.startswith(f"prompt-studio: error: nothing was imported from {config}: "
                            "prompts: this is a promptfoo red-team config")
    assert "promptfoo redteam generate" in r.err
    assert "prompt-studio.collection" not in r.err
