"""promptfoo configs, read the way promptfoo reads them, as a collection of prompts.

`read_promptfoo_config` reads a config into its prompts and its tests (see promptfoo_prompts
and promptfoo_tests for what is understood); `parse_promptfoo` turns that into a one-collection
import document, each prompt's {{variables}} taking their defaults from the first test.
Providers, assertions and scripts are promptfoo's own business: they are not imported, and
what is skipped is said in the document's notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studio.store.common import variables_in
from studio.store.errors import ImportFormatError
from studio.store.io_checks import check_string, type_name
from studio.store.io_doc import DocCollection, DocPrompt, Document
from studio.store.promptfoo_checks import map_tests
from studio.store.promptfoo_files import ConfigFiles
from studio.store.promptfoo_prompts import PromptfooPrompt, PromptReader
from studio.store.promptfoo_tests import PromptfooTest, TestReader, VarValue

# Top-level keys only promptfoo configs have: a file with any of them is read as one.
_PROMPTFOO_KEYS = frozenset({"prompts", "providers", "targets", "tests", "defaultTest",
                             "redteam", "scenarios", "evaluateOptions", "outputPath"})

_WHAT_IS_IMPORTED = ("Prompt Studio imports the prompts an eval config lists under "
                     "'prompts:' (text, prompt files, chat files), with the variables of its "
                     "tests as defaults")


def looks_like_promptfoo(value: object) -> bool:
    return (isinstance(value, dict) and "format" not in value
            and any(key in value for key in _PROMPTFOO_KEYS))


def read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(str(path), f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot read the file: {exc.strerror}") from None
    return decode_yaml(text, str(path))


def decode_yaml(text: str, where: str = "file") -> object:
    import yaml  # only needed for imports; keeps opening the store cheap

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ImportFormatError(where, f"not valid YAML: {exc.problem}{at}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ImportFormatError(where, f"not valid YAML: {exc}") from None


@dataclass(frozen=True, slots=True)
class PromptfooConfig:
    """A promptfoo config as read: `prompts` in order (a file of several gives several),
    `tests` in order with every test's full vars and asserts (defaultTest's merged in, see
    PromptfooTest), `default_test` on its own, and `notes` saying what was skipped."""

    description: str | None
    prompts: tuple[PromptfooPrompt, ...]
    tests: tuple[PromptfooTest, ...]
    default_test: PromptfooTest | None
    notes: tuple[str, ...]

    def defaults(self) -> dict[str, str]:
        """Each variable's default: the first test's value (a list gives its first item),
        else defaultTest's."""
        first = self.tests[0] if self.tests else self.default_test
        return first.first_row() if first is not None else {}


def read_promptfoo_config(value: object, base_dir: Path | None = None) -> PromptfooConfig:
    """Read a decoded promptfoo config. Files it names are read relative to `base_dir` (the
    config's folder), never outside it; without `base_dir` a config naming files is refused.
    Raises ImportFormatError naming the entry (and file) that cannot be read."""
    if not isinstance(value, dict):
        raise ImportFormatError("", f"expected a promptfoo config (an object with 'prompts'),"
                                    f" got {type_name(value)}")
    if value.get("prompts") is None:
        raise ImportFormatError("prompts", _no_prompts_message(value))
    notes: list[str] = []
    files = ConfigFiles(base_dir)
    prompts = PromptReader(files, notes).prompts(value["prompts"])
    tests = TestReader(files, notes)
    default_test = tests.default_test(value.get("defaultTest"))
    all_tests = tests.tests(value.get("tests"), default_test)
    if value.get("scenarios") is not None:
        notes.append("scenarios: not imported (promptfoo combines each scenario's "
                     "variables with its tests when it runs)")
    description = value.get("description")
    return PromptfooConfig(description if isinstance(description, str) else None,
                           tuple(prompts), tuple(all_tests), default_test, tuple(notes))


def _no_prompts_message(config: dict[str, object]) -> str:
    if config.get("redteam") is not None:
        return ("this is a promptfoo red-team config: it has no 'prompts:' because promptfoo "
                "writes the attack prompts itself when you run `promptfoo redteam generate`. "
                f"There is nothing here to import; {_WHAT_IS_IMPORTED}.")
    return (f"this promptfoo config has no 'prompts:', so there is nothing to import; "
            f"{_WHAT_IS_IMPORTED}.")


def parse_promptfoo(value: object, *, collection: str | None = None,
                    default_name: str = "Imported prompts",
                    base_dir: Path | None = None) -> Document:
    """The config as a one-collection document: `collection`, else its description, else
    `default_name` (the caller passes the file name)."""
    config = read_promptfoo_config(value, base_dir)
    mapped = map_tests(_resolved_tests(config, value))
    defaults = config.defaults()
    first = config.tests[0].where if config.tests else "defaultTest"
    for name, text in defaults.items():
        check_string(text, f"{first}.vars.{name}")
    prompts = []
    for prompt in config.prompts:
        names = variables_in(prompt.body)
        rows, checks = mapped.for_prompt(prompt.body)
        prompts.append(DocPrompt(
            where=prompt.where, uuid=None, title=prompt.title, body=prompt.body,
            system=prompt.system, variables={n: defaults.get(n, "") for n in names}, notes="",
            tags=(), model_set=None, created=None, updated=None,
            variable_rows=rows, checks=checks))
    name = (collection or "").strip() or (config.description or "").strip() or default_name
    return Document((DocCollection("collection", None, name[:200], tuple(prompts), ()),),
                    prompt_count=len(prompts),
                    notes=config.notes + tuple(f"not imported: {line}"
                                               for line in mapped.not_imported))


def _resolved_tests(config: PromptfooConfig, raw: object) -> dict[str, object]:
    """The config's tests as promptfoo_checks reads them, with what the reader resolved
    (tests and vars from files, CSV `__expected` columns) inline. A test's own assertions
    follow defaultTest's in `asserts`; defaultTest's stay with defaultTest, where they
    check every row."""
    shared = len(config.default_test.asserts) if config.default_test is not None else 0
    default: dict[str, object] = {}
    if config.default_test is not None:
        default = {"vars": _plain(config.default_test.vars),
                   "assert": list(config.default_test.asserts)}
    raw_default = raw.get("defaultTest") if isinstance(raw, dict) else None
    if isinstance(raw_default, dict) and isinstance(raw_default.get("options"), dict):
        default["options"] = raw_default["options"]
    return {"defaultTest": default,
            "tests": [{"vars": _plain(t.vars), "assert": list(t.asserts[shared:])}
                      for t in config.tests]}


def _plain(values: Mapping[str, VarValue]) -> dict[str, object]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
