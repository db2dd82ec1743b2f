"""The code highlighter used inside rendered answers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.highlight import DARK, LIGHT, START, highlight, highlight_line, language_of


def spans(html: str) -> list[tuple[str, str]]:
    """(colour, text) of every coloured span."""
    return re.findall(r'<span style="color:(#[0-9a-f]{6})[^"]*">([^<]*)</span>', html)


def colour_of(html: str, text: str) -> str | None:
    return next((c for c, t in spans(html) if t == text), None)


@pytest.mark.parametrize(("info", "language"), [
    ("js", "js"), ("JavaScript", "js"), ("tsx", "ts"), ("py", "python"), ("python3", "python"),
    ("sh", "bash"), ("console", "bash"), ("json", "json"), ("css", "css"), ("scss", "css"),
    ("html", "html"), ("svg", "html"), ("{.python}", "python"), ("language-js", "js"),
    ("rust", "clike"), ("go", "clike"), ("", ""), ("brainfuck", ""), ("js title=x.js", "js"),
])
def test_language_of_info_strings(info: str, language: str) -> None:
    assert language_of(info) == language


def test_javascript_tokens() -> None:
    html = highlight("const s = \"a\\\"b\"; let n = 0x1f + 2.5e3; // done", "js", LIGHT)
    assert colour_of(html, "const") == LIGHT.keyword
    assert colour_of(html, "&quot;a\\&quot;b&quot;") == LIGHT.string
    assert colour_of(html, "0x1f") == LIGHT.number
    assert colour_of(html, "2.5e3") == LIGHT.number
    assert colour_of(html, "// done") == LIGHT.comment


def test_multi_line_constructs_carry_over() -> None:
    js = highlight("a /* one\ntwo */ b\nx = `line\nline ${y}` + 1", "js", LIGHT)
    assert [t for c, t in spans(js) if c == LIGHT.comment] == ["/* one", "two */"]
    assert [t for c, t in spans(js) if c == LIGHT.string] == ["`line", "line ${y}`"]
    py = highlight('def f():\n    """doc\n    # not a comment\n    """\n    return 1', "python",
                   LIGHT)
    assert colour_of(py, "    # not a comment") == LIGHT.string
    assert colour_of(py, "return") == LIGHT.keyword


def test_line_by_line_equals_whole_block() -> None:
    code = ('<div a="1">\n<!-- c\nc -->\n<script>\nlet a = `x\ny`;\n</script>\n'
            "<style>p{color:red}</style>")
    state = START
    lines = []
    for line in code.split("\n"):
        html, state = highlight_line("html", line, state, DARK)
        lines.append(html)
    assert "\n".join(lines) == highlight(code, "html", DARK)


def test_html_with_embedded_script_and_style() -> None:
    html = highlight('<p class="x">&amp;</p><script>if (a) {}</script><style>a { color: #fff }'
                     "</style>", "html", LIGHT)
    assert colour_of(html, "&lt;p") == LIGHT.tag
    assert colour_of(html, "class") == LIGHT.attr
    assert colour_of(html, "&quot;x&quot;") == LIGHT.string
    assert colour_of(html, "&amp;amp;") == LIGHT.number
    assert colour_of(html, "if") == LIGHT.keyword  # inside <script>
    assert colour_of(html, "color") == LIGHT.attr  # a CSS property inside <style>
    assert colour_of(html, "#fff") == LIGHT.number


def test_python_bash_json_css() -> None:
    py = highlight("@dataclass\nclass A:\n    x: int = None  # c", "python", LIGHT)
    assert colour_of(py, "@dataclass") == LIGHT.builtin
    assert colour_of(py, "class") == LIGHT.keyword
    assert colour_of(py, "None") == LIGHT.builtin
    sh = highlight('echo "$HOME" ${x} $1 # note\ncurl a#b', "bash", LIGHT)
    assert colour_of(sh, "echo") == LIGHT.builtin
    assert colour_of(sh, "${x}") == LIGHT.builtin
    assert colour_of(sh, "# note") == LIGHT.comment
    assert "a#b" not in [t for _c, t in spans(sh)]  # not a comment inside a word
    js = highlight('{"key": [1, true, null, "v"]}', "json", LIGHT)
    assert colour_of(js, "&quot;key&quot;") == LIGHT.attr
    assert colour_of(js, "&quot;v&quot;") == LIGHT.string
    assert colour_of(js, "true") == LIGHT.builtin
    css = highlight("@media (max-width: 600px) { .a { margin: 0 !important } }", "css", LIGHT)
    assert colour_of(css, "@media") == LIGHT.keyword
    assert colour_of(css, "600px") == LIGHT.number
    assert colour_of(css, "!important") == LIGHT.keyword


def test_unknown_language_is_escaped_plain_text() -> None:
    assert highlight("<b> & </b>", "", LIGHT) == "&lt;b&gt; &amp; &lt;/b&gt;"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["js", "ts", "python", "bash", "css", "json", "html", "clike", ""]),
       st.text(max_size=200))
def test_output_is_the_escaped_input_plus_spans(language: str, code: str) -> None:
    html = highlight(code, language, LIGHT)
    plain = re.sub(r"<span style=\"[^\"]*\">|</span>", "", html)
    expected = (code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&quot;").replace("\x00", "\ufffd"))
    assert plain == expected


@pytest.mark.timeout(60)
@pytest.mark.parametrize("line", [
    '"' + "\\a" * 200_000, "'" * 200_000, "/*" * 200_000, "`" * 200_000, "<a " * 100_000,
    "x" * 500_000, "1" * 500_000, "#" * 500_000, "<!--" * 100_000, "$" * 500_000,
], ids=["escapes", "quotes", "comment-opens", "backticks", "tags", "letters", "digits",
        "hashes", "html-comments", "dollars"])
def test_long_lines_stay_linear(line: str) -> None:
    for language in ("js", "python", "bash", "css", "json", "html"):
        highlight_line(language, line, START, LIGHT)
