"""promptfoo tests → variable rows and checks; everything else listed as not imported."""

from __future__ import annotations

from typing import Any

import yaml

from studio.core.checks import Check
from studio.store.promptfoo_checks import describe, map_tests

CONFIG = """
prompts:
  - "Write {{game}} as one HTML page in {{lang}}"
  - "A landing page"
defaultTest:
  vars: {lang: JavaScript}
  options:
    provider: openai:chat:gpt-4o-mini
  assert:
    - type: is-html
    - type: cost
      threshold: 0.05
    - type: javascript
      value: output.length > 10
tests:
  - vars: {game: [snake, pong]}
    assert:
      - type: icontains
        value: "{{game}}"
      - type: latency
        threshold: 20000
  - description: the hard one
    vars: {game: breakout, lang: TypeScript}
    assert:
      - type: llm-rubric
        value: The game can be played with the keyboard
        threshold: 0.7
        provider: {id: "anthropic:messages:claude-sonnet-4"}
      - type: regex
        value: "<canvas"
      - type: not-contains
        value: TODO
      - type: contains
        value: ball
      - type: contains-any
        value: [paddle, brick]
      - type: llm-rubric
        value: Uses the provider from the options
      - type: regex
        value: "("
  - vars: {game: "file://games/tetris.txt"}
"""


def mapped(text: str = CONFIG) -> Any:
    return map_tests(yaml.safe_load(text))


def test_vars_become_rows_list_values_expanding_and_defaults_underneath() -> None:
    result = mapped()
    assert result.variable_rows == (
        {"lang": "JavaScript", "game": "snake"}, {"lang": "JavaScript", "game": "pong"},
        {"lang": "TypeScript", "game": "breakout"},
        {"lang": "JavaScript", "game": "file://games/tetris.txt"})


def test_asserts_that_map_become_checks_of_their_rows() -> None:
    checks = mapped().checks
    assert checks == (
        Check("has-page"),
        Check("max-cost", limit=0.05),
        Check("icontains", "{{game}}", row=0), Check("icontains", "{{game}}", row=1),
        Check("max-latency", limit=20.0, row=0), Check("max-latency", limit=20.0, row=1),
        Check("judge", "The game can be played with the keyboard", limit=0.7,
              model="anthropic:claude-sonnet-4", row=2),
        Check("regex", "<canvas", row=2),
        Check("not-contains", "TODO", row=2),
        Check("contains", "ball", row=2),
        Check("judge", "Uses the provider from the options", model="openai:gpt-4o-mini",
              row=2),
    )


def test_the_rest_is_listed_as_not_imported() -> None:
    result = mapped()
    assert result.not_imported == (
        "tests[1].assert[4]: assertion type 'contains-any' is not imported",
        "tests[1].assert[6]: invalid regular expression '(': missing ), unterminated "
        "subpattern at position 0",
        "tests[2].vars.game: file:// values are not read; the text is used as it is",
        "defaultTest.assert[2]: assertion type 'javascript' is not imported",
    )
    assert describe(result)[0] == "4 variable rows and 11 checks from the tests"
    assert describe(result)[1].startswith("not imported: tests[1].assert[4]")


def test_for_prompt_keeps_its_own_variables_and_merges_equal_rows() -> None:
    result = mapped()
    rows, checks = result.for_prompt("Make {{game}}")
    assert rows == ({"game": "snake"}, {"game": "pong"}, {"game": "breakout"},
                    {"game": "file://games/tetris.txt"})
    assert Check("regex", "<canvas", row=2) in checks
    rows, checks = result.for_prompt("A landing page")
    assert rows == ()
    # Without rows, every check checks the one prompt, each once.
    assert Check("icontains", "{{game}}") in checks and Check("max-latency", limit=20.0) in checks
    assert len([c for c in checks if c.kind == "icontains"]) == 1
    rows, checks = result.for_prompt("In {{lang}}")
    assert rows == ({"lang": "JavaScript"}, {"lang": "TypeScript"})
    assert Check("regex", "<canvas", row=1) in checks  # the breakout row is row 1 here
    assert Check("icontains", "{{game}}", row=0) in checks  # both of its rows became row 0


def test_tests_without_vars_give_checks_for_every_row_and_no_rows() -> None:
    result = map_tests({"prompts": ["Hi"], "tests": [
        {"assert": [{"type": "contains", "value": "hello"}]},
        {"assert": [{"type": "icontains", "value": "HI"}]}]})
    assert result.variable_rows == ()
    assert result.checks == (Check("contains", "hello"), Check("icontains", "HI"))


def test_files_scripts_and_odd_shapes_are_reported_not_guessed() -> None:
    result = map_tests({"prompts": ["x"], "tests": "file://tests.csv",
                        "defaultTest": "file://default.yaml"})
    assert result.variable_rows == () and result.checks == ()
    assert result.not_imported == (
        "defaultTest: a defaultTest from a file is not imported",
        "tests: tests from a file or a glob are not imported")
    result = map_tests({"prompts": ["{{a b}}"], "tests": [
        "file://one.yaml", {"vars": "file://vars.json"}, {"vars": {"bad name": 1, "n": 3}},
        {"assert": [{"type": "contains"}, {"type": "cost"}, "contains", {"type": "llm-rubric"}]},
        {"assert": {"type": "contains", "value": "x"}}]})
    # Every test is a row, as in promptfoo; the tests without vars get the defaults (none).
    assert result.variable_rows == ({}, {"n": "3"}, {}, {})
    assert result.not_imported == (
        "tests[0]: a test from a file is not imported",
        "tests[1].vars: vars from a file or a script are not imported",
        "tests[2].vars.bad name: not a variable name the studio can use",
        "tests[3].assert[0]: a contains assertion needs a text value",
        "tests[3].assert[1]: a cost assertion needs a threshold",
        "tests[3].assert[2]: not an assertion object",
        "tests[3].assert[3]: an llm-rubric assertion needs its rubric as text",
        "tests[4].assert: only a list of assertions is imported")


def test_values_become_text_like_promptfoo_fills_them() -> None:
    result = map_tests({"prompts": ["x"], "tests": [
        {"vars": {"n": 3, "flag": True, "none": None, "obj": {"a": 1}, "ratio": 0.5}}]})
    assert result.variable_rows == (
        {"n": "3", "flag": "true", "none": "", "obj": '{"a": 1}', "ratio": "0.5"},)
