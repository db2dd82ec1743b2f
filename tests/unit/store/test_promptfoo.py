"""promptfoo configs read the way promptfoo reads them: prompt files split on `---`, chat
files, globs, `raw:`/`id:` file references, tests from CSV/JSON/JSONL/YAML files, `file://`
variables, skipped scripts and datasets, red-team configs, and the bounds on what is read.
The configs in tests/fixtures/promptfoo mirror the shapes of promptfoo's public examples."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.store import ImportFormatError, Store
from studio.store.promptfoo import decode_yaml, read_promptfoo_config
from studio.store.promptfoo_files import MAX_FILE_BYTES, MAX_GLOB_FILES
from studio.store.promptfoo_prompts import split_prompts
from studio.store.promptfoo_tests import assertion_from_string

from .conftest import dump

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "promptfoo"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example configs (tests may add files next to them)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


def config_of(folder: Path) -> Path:
    return folder / "promptfooconfig.yaml"


def read(folder: Path):  # type: ignore[no-untyped-def]
    text = config_of(folder).read_text(encoding="utf-8")
    return read_promptfoo_config(decode_yaml(text), folder)


def prompts_of(store: Store, collection: str) -> dict[str, tuple[str, str | None, dict[str, str]]]:
    found = store.find_collection(collection)
    return {p.title: (p.body, p.system, dict(p.variables)) for p in store.prompts(found.id)}


def test_tests_become_variable_rows_and_assertions_checks(store: Store, example: Path) -> None:
    store.import_file(config_of(example / "translation"))
    found = store.find_collection("Translation prompts compared")
    by_title = {p.title: p for p in store.prompts(found.id)}
    first = by_title["translate.txt (1 of 2)"]
    assert store.variable_rows(first.id) == (
        {"language": "French", "input": "Hello world"},
        {"language": "German", "input": "Where is the station, please?"},
        {"language": "Spanish", "input": "Good night"},
    )
    checks = {(c.kind, c.value, c.limit, c.row) for c in store.checks(first.id)}
    # defaultTest's latency (ms) checks every row; the CSV's icontains only the first.
    assert checks == {("max-latency", "", 5.0, None), ("icontains", "bonjour", None, 0)}
    # A prompt with the same variables gets the same rows; the tone comes from defaultTest.
    second = by_title["translate.txt (2 of 2)"]
    assert [row["tone"] for row in store.variable_rows(second.id)] == ["neutral"] * 3


# --- prompts -----------------------------------------------------------------------------------

def test_a_text_file_with_several_prompts_becomes_several_prompts(
        store: Store, example: Path) -> None:
    report = store.import_file(config_of(example / "translation"))
    assert report.prompts_added == 3
    # The CSV's assertions that have no studio check are listed, never silently dropped.
    assert report.notes == [
        "not imported: tests[0].assert[1]: assertion type 'not-icontains' is not imported",
        "not imported: tests[1].assert[0]: assertion type 'contains-any' is not imported",
        "not imported: tests[1].assert[1]: assertion type 'javascript' is not imported",
        "not imported: tests[2].assert[0]: assertion type 'similar' is not imported",
    ]
    got = prompts_of(store, "Translation prompts compared")
    defaults = {"language": "French", "input": "Hello world"}
    assert got == {
        "translate.txt (1 of 2)": ("Translate the following text into {{language}}:\n\n"
                                   "{{input}}", None, defaults),
        "translate.txt (2 of 2)": (
            "You are a professional translator. Translate into {{language}}, keeping a "
            "{{tone}} tone.\nText: {{input}}", None, {**defaults, "tone": "neutral"}),
        "formal.txt": ('Rewrite "{{input}}" in formal {{language}}. Answer with the '
                       "translation only.", None, defaults),
    }
    before = dump(store)
    assert store.import_file(config_of(example / "translation")).prompts_unchanged == 3
    assert dump(store) == before


@pytest.mark.parametrize(("text", "parts"), [
    ("one\n---\ntwo\n", ["one", "two"]),
    ("one\r\n  ---  \r\ntwo", ["one", "two"]),
    ("---\none\n---\n\n---\n", ["one"]),
    ("a --- b\n----\nc", ["a --- b\n----\nc"]),
    ("only one prompt\n", ["only one prompt"]),
])
def test_prompt_files_split_on_lines_of_three_dashes(text: str, parts: list[str]) -> None:
    assert split_prompts(text) == parts


def test_chat_files_become_system_prompt_and_body_and_globs_expand_sorted(
        store: Store, example: Path) -> None:
    report = store.import_file(config_of(example / "support"))
    got = prompts_of(store, "Support assistant")
    question = "Can I get a refund for last month?"
    assert got["Support (JSON chat)"] == (
        "{{question}}", "You are a friendly support agent for Acme Cloud. Answer in at most "
        "three sentences.", {"question": question})
    assert got["Support (YAML chat)"] == (
        "Customer question: {{question}}\n", "You are a support agent for Acme Cloud. Be "
        "concise and cite the help centre.", {"question": question})
    titles = [p.title for p in store.prompts(store.find_collection("Support assistant").id)]
    assert titles.index("a_escalation.md") < titles.index("b_tone.md")
    assert got["Summarize this for a customer: {{article}}"][2] == {
        "article": "Refunds are possible within 30 days of a charge."}
    assert report.prompts_added == 5
    assert [n for n in report.notes if "fetch_context.py" in n] == [
        "tests[1].vars.context: 'file://fetch_context.py' is a script promptfoo runs for each "
        "test; its value was left empty"]


def test_a_chat_of_another_shape_is_refused_naming_the_file(store: Store, example: Path) -> None:
    with pytest.raises(ImportFormatError) as caught:
        store.import_file(config_of(example / "fewshot"))
    assert caught.value.where == "prompts[0]"
    assert "classify.json is a chat of system → user → assistant → user messages" in str(
        caught.value)
    assert store.collections() == []


@pytest.mark.parametrize(("content", "problem"), [
    ('[{"role": "user", "content": [{"type": "image_url"}]}]', "has no text content"),
    ('{"messages": []}', "is not a chat"),
    ('[{"content": "hi"}]', "message 1 has no role"),
    ('[{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]',
     "chat of user → system"),
])
def test_chat_files_that_are_not_a_prompt(store: Store, tmp_path: Path, content: str,
                                          problem: str) -> None:
    (tmp_path / "chat.json").write_text(content)
    (tmp_path / "promptfooconfig.yaml").write_text("prompts:\n  - file://chat.json\n")
    with pytest.raises(ImportFormatError, match=problem) as caught:
        store.import_file(tmp_path / "promptfooconfig.yaml")
    assert "chat.json" in str(caught.value)


def test_raw_and_id_entries_name_files_or_text(store: Store, tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "hexagon.txt").write_text("A ball in a {{shape}}\n")
    (tmp_path / "lines.csv").write_text("prompt,label\nWrite a poem about {{topic}},Poem\n"
                                        "Write a story about {{topic}},\n")
    (tmp_path / "chats.jsonl").write_text(
        '[{"role": "user", "content": "Hi {{name}}"}]\n'
        '[{"role": "system", "content": "Be short."}, {"role": "user", "content": "Bye"}]\n')
    (tmp_path / "promptfooconfig.yaml").write_text(
        "prompts:\n"
        "  - raw: file://prompts/hexagon.txt\n"
        "  - id: file://prompts/hexagon.txt\n    label: By id\n"
        "  - id: Tell me about {{topic}}\n"
        "  - prompts/hexagon.txt\n"
        "  - file://lines.csv\n"
        "  - file://chats.jsonl\n"
        "tests:\n  - vars: {shape: hexagon, topic: owls, name: Ada}\n")
    store.import_file(tmp_path / "promptfooconfig.yaml", collection="Mixed")
    got = prompts_of(store, "Mixed")
    assert got["hexagon.txt"] == ("A ball in a {{shape}}", None, {"shape": "hexagon"})
    assert got["By id"][0] == "A ball in a {{shape}}"
    assert got["Tell me about {{topic}}"] == ("Tell me about {{topic}}", None,
                                              {"topic": "owls"})
    assert got["Poem"][0] == "Write a poem about {{topic}}"
    assert got["lines.csv (2 of 2)"][0] == "Write a story about {{topic}}"
    assert got["chats.jsonl (1 of 2)"] == ("Hi {{name}}", None, {"name": "Ada"})
    assert got["chats.jsonl (2 of 2)"] == ("Bye", "Be short.", {})


@pytest.mark.parametrize(("entry", "problem"), [
    ("file://make_prompt.py:build", "is a prompt function"),
    ("pf://greeting@3", "from a service or a program"),
    ("exec:./prompt.sh", "from a service or a program"),
    ("file://prompts/*.nothing", "matches no file"),
    ("file://../outside.txt", "outside the config's folder"),
    ("file:///etc/hostname", "outside the config's folder"),
    ("file://picture.png", "not a prompt file"),
])
def test_prompt_entries_that_cannot_be_imported_are_named(
        store: Store, tmp_path: Path, entry: str, problem: str) -> None:
    folder = tmp_path / "config"
    (folder / "prompts").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("secret")
    (folder / "picture.png").write_bytes(b"PNG")
    (folder / "promptfooconfig.yaml").write_text(f"prompts:\n  - ok\n  - {entry!r}\n")
    with pytest.raises(ImportFormatError, match=problem) as caught:
        store.import_file(folder / "promptfooconfig.yaml")
    assert caught.value.where.startswith("prompts[1]")
    assert store.collections() == []


def test_files_are_read_within_bounds(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is really written or read
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text("prompts:\n  - file://big.txt\n")
    with pytest.raises(ImportFormatError, match="files a config names may have"):
        store.import_file(config)

    os.mkfifo(tmp_path / "pipe.txt")  # reading it would wait forever
    config.write_text("prompts:\n  - file://pipe.txt\n")
    with pytest.raises(ImportFormatError, match="not a regular file"):
        store.import_file(config)

    many = tmp_path / "many"
    many.mkdir()
    for i in range(MAX_GLOB_FILES + 1):
        (many / f"p{i:03}.md").write_text(f"prompt {i}")
    config.write_text("prompts:\n  - file://many/*.md\n")
    with pytest.raises(ImportFormatError, match=f"more than {MAX_GLOB_FILES} files"):
        store.import_file(config)

    (tmp_path / "link.txt").symlink_to("/etc/hostname")
    config.write_text("prompts:\n  - file://link.txt\n")
    with pytest.raises(ImportFormatError, match="outside the config's folder"):
        store.import_file(config)
    assert store.collections() == []


def test_a_system_message_with_variables_is_imported_with_a_note(
        store: Store, tmp_path: Path) -> None:
    (tmp_path / "chat.yaml").write_text("- role: system\n  content: You answer as {{persona}}.\n"
                                        "- role: user\n  content: '{{question}}'\n")
    (tmp_path / "promptfooconfig.yaml").write_text("prompts: [file://chat.yaml]\n")
    report = store.import_file(tmp_path / "promptfooconfig.yaml")
    assert report.prompts_added == 1
    assert report.notes == ["prompts[0]: the system message uses {{persona}}, which is kept as "
                            "written (variables are filled in the prompt, not in the system "
                            "prompt)"]


# --- tests -------------------------------------------------------------------------------------

def test_every_test_is_read_with_its_vars_and_asserts(example: Path) -> None:
    config = read(example / "translation")
    assert [t.where for t in config.tests] == [f"tests (tests.csv) row {n}" for n in (1, 2, 3)]
    latency = {"type": "latency", "threshold": 5000}
    first, second, third = config.tests
    assert dict(first.vars) == {"tone": "neutral", "language": "French", "input": "Hello world"}
    assert first.asserts == (latency, {"type": "icontains", "value": "bonjour"},
                             {"type": "not-icontains", "value": "hello"})
    assert first.description == "greeting"
    assert second.vars["input"] == "Where is the station, please?"
    assert second.asserts[1:] == ({"type": "contains-any", "value": ["Bahnhof", "Station"]},
                                  {"type": "javascript", "value": "output.length < 80"})
    assert third.asserts[1:] == ({"type": "similar", "value": "buenas noches",
                                  "threshold": 0.7},)
    assert config.default_test is not None and config.default_test.asserts == (latency,)


def test_tests_from_files_globs_and_vars_files(example: Path) -> None:
    config = read(example / "support")
    where = [t.where for t in config.tests]
    assert where == ["tests[0]", "tests[1]", "tests[2] (billing.yaml)[0]",
                     "tests[2] (billing.yaml)[1]", "tests[3] (tests.jsonl)[0]",
                     "tests[3] (tests.jsonl)[1]"]
    refund, reset, twice, invoice, sla, _ = config.tests
    assert dict(refund.vars) == {"product": "Acme Cloud",
                                 "question": "Can I get a refund for last month?",
                                 "article": "Refunds are possible within 30 days of a charge."}
    assert refund.description == "Refund question"
    assert reset.vars["article"] == ('To reset your password, open Settings → Security and '
                                     'choose "Reset password".\n')
    assert reset.vars["profile"] == '{"plan": "business", "seats": 12}'
    assert reset.vars["context"] == ""
    not_ai = {"type": "not-icontains", "value": "as an AI language model"}
    assert twice.asserts == (not_ai, {"type": "icontains", "value": "refund"})
    assert invoice.vars["question"] == ("Can I pay by invoice?", "Do you accept PayPal?")
    assert [r["question"] for r in invoice.rows()] == ["Can I pay by invoice?",
                                                      "Do you accept PayPal?"]
    assert sla.asserts == (not_ai, {"type": "contains", "value": "99.9"})


@pytest.mark.parametrize(("name", "skipped"), [
    ("generated", "tests: 'file://generate_tests.py:create_tests' is a script promptfoo runs "
                  "to make its tests; its tests were skipped"),
    ("dataset", "tests: 'huggingface://datasets/rajpurkar/squad?split=validation&limit=20' is "
                "a dataset promptfoo downloads when it runs; its tests were skipped"),
])
def test_script_and_dataset_tests_are_skipped_and_the_prompts_imported(
        store: Store, example: Path, name: str, skipped: str) -> None:
    report = store.import_file(config_of(example / name))
    assert report.notes == [skipped]
    assert report.prompts_added >= 1
    for prompt in store.prompts():
        assert set(prompt.variables.values()) == {""}


def test_a_var_glob_makes_one_row_per_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.txt").write_text("second")
    (tmp_path / "docs" / "a.txt").write_text("first")
    config = read_promptfoo_config(
        {"prompts": ["Summarize {{doc}}"], "tests": [{"vars": {"doc": "file://docs/*.txt"}}]},
        tmp_path)
    assert config.tests[0].rows() == [{"doc": "first"}, {"doc": "second"}]
    assert config.defaults() == {"doc": "first"}


@pytest.mark.parametrize(("expected", "assertion"), [
    ("Paris", {"type": "equals", "value": "Paris"}),
    ("contains:Paris", {"type": "contains", "value": "Paris"}),
    ("not-regex:^Sorry", {"type": "not-regex", "value": "^Sorry"}),
    ("is-json", {"type": "is-json", "value": ""}),
    ("icontains-all:red, green", {"type": "icontains-all", "value": ["red", "green"]}),
    ("llm-rubric:is polite", {"type": "llm-rubric", "value": "is polite"}),
    ("grade:mentions the price", {"type": "llm-rubric", "value": "mentions the price"}),
    ("fn: output.includes('x')", {"type": "javascript", "value": "output.includes('x')"}),
    ("file://checks.py", {"type": "python", "value": "checks.py"}),
    ("levenshtein(5):hello", {"type": "levenshtein", "value": "hello", "threshold": 5.0}),
    ("note: not an assertion", {"type": "equals", "value": "note: not an assertion"}),
])
def test_csv_expected_cells_become_assertions(expected: str,
                                              assertion: dict[str, object]) -> None:
    assert assertion_from_string(expected) == assertion


@pytest.mark.parametrize(("tests", "where", "problem"), [
    ("file://cases.xml", "tests (cases.xml)", "not a test file"),
    ("file://missing.csv", "tests (missing.csv)", "cannot read"),
    ("[{vars: {a: 1}, assert: 3}]", "tests[0].assert", "expected a list of assertions"),
    ("[{vars: file://list.yaml}]", "tests[0].vars", "expected an object of variables"),
    ("{cases: 3}", "tests", "expected a list of tests"),
])
def test_test_parts_that_cannot_be_read_are_named(store: Store, tmp_path: Path, tests: str,
                                                  where: str, problem: str) -> None:
    (tmp_path / "cases.xml").write_text("<tests/>")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    (tmp_path / "promptfooconfig.yaml").write_text(f"prompts: ['{{{{a}}}}']\ntests: {tests}\n")
    with pytest.raises(ImportFormatError, match=problem) as caught:
        store.import_file(tmp_path / "promptfooconfig.yaml")
    assert caught.value.where == where
    assert store.collections() == []


# --- configs with nothing to import ------------------------------------------------------------

def test_a_red_team_config_says_why_there_is_nothing_to_import(
        store: Store, example: Path) -> None:
    with pytest.raises(ImportFormatError) as caught:
        store.import_file(config_of(example / "redteam"))
    message = str(caught.value)
    assert "prompt-studio.collection" not in message
    assert "red-team config" in message and "promptfoo redteam generate" in message
    assert "Prompt Studio imports the prompts an eval config lists under 'prompts:'" in message
    assert store.collections() == []


def test_a_config_without_prompts_is_still_read_as_promptfoo(store: Store, tmp_path: Path) -> None:
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text("providers: [openai:gpt-4.1]\ntests:\n  - vars: {q: hi}\n")
    with pytest.raises(ImportFormatError, match="has no 'prompts:'") as caught:
        store.import_file(config)
    assert caught.value.where == "prompts"


_line = st.text(alphabet="ab -{}\t", min_size=1, max_size=12).filter(
    lambda s: s.strip() not in ("", "---"))


@given(st.lists(st.lists(_line, min_size=1, max_size=4).map("\n".join), min_size=1,
                max_size=5))
def test_prompts_joined_with_delimiter_lines_split_back(prompts: list[str]) -> None:
    assert split_prompts("\n---\n".join(prompts)) == [p.strip() for p in prompts if p.strip()]
